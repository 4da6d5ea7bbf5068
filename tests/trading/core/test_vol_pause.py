"""The volatility pause: it starts past the pause threshold, holds while the volatility is
at or above the lower resume threshold, and resumes by itself only after the volatility
stayed below it for RESUME_AFTER_SECONDS without a break (or a missing measurement)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.market_meter import HALF_LIFE_SECONDS, MarketMeter
from trading.core.vol_pause import PauseAction, PauseSettings, VolatilityPause

SETTINGS = PauseSettings(
    pause_volatility_bps=8.0, resume_volatility_bps=5.0, resume_after_seconds=60
)


def test_pauses_above_the_threshold_and_resumes_after_the_calm_held():
    pause = VolatilityPause(SETTINGS)
    assert not pause.update(0, 7.9).active  # at or under the threshold: nothing
    state = pause.update(1, 8.5)
    assert state.active and state.changed and state.since == 1 and "8.5" in state.reason
    assert pause.update(2, 6.0).active  # between the thresholds: still paused
    state = pause.update(10, 4.0)
    assert state.active and state.calm_since == 10 and state.resumes_at == 70
    assert pause.update(69.9, 4.9).active
    state = pause.update(70, 4.9)
    assert not state.active and state.changed and "60 s" in state.reason


def test_a_break_in_the_calm_starts_the_wait_again():
    pause = VolatilityPause(SETTINGS)
    pause.update(0, 9)
    pause.update(10, 4)
    state = pause.update(50, 5.0)  # not below the resume threshold
    assert state.active and state.calm_since is None and state.resumes_at is None
    pause.update(55, 4)
    assert pause.update(110, 4).active  # 55 s since the calm came back
    assert not pause.update(115, 4).active


def test_a_missing_measurement_never_starts_a_pause_nor_counts_as_calm():
    pause = VolatilityPause(SETTINGS)
    assert not pause.update(0, None).active
    pause.update(1, 9)
    pause.update(2, 1)
    pause.update(30, None)
    pause.update(31, 1)
    assert pause.update(90, 1).active and not pause.update(91, 1).active


def test_off_by_default_and_the_resume_threshold_defaults_below_the_pause():
    pause = VolatilityPause(PauseSettings())
    assert not pause.update(0, 1000.0).active
    assert PauseSettings(pause_volatility_bps=10).resume_below == pytest.approx(7.0)
    assert PauseSettings().action is PauseAction.WIDEN


@pytest.mark.parametrize(
    "options",
    [
        {"pause_volatility_bps": -1},
        {"pause_volatility_bps": 5, "resume_volatility_bps": 5},
        {"pause_volatility_bps": 5, "resume_volatility_bps": 0},
        {"resume_after_seconds": -1},
        {"half_life_s": 0},
    ],
)
def test_bad_settings_are_refused(options):
    with pytest.raises(ValueError):
        PauseSettings(**options)


def test_a_fast_meter_for_the_pause_beside_the_band_s_slow_one():
    fast, slow = MarketMeter(half_life_s=SETTINGS.half_life_s), MarketMeter()
    assert slow.half_life_s == HALF_LIFE_SECONDS
    mark = 100_000.0
    for second in range(610):  # ten calm minutes, then a storm of 30 bps moves
        mark *= 1 + (0.0001 if second % 2 else -0.0001) * (30 if second >= 600 else 1)
        fast.on_mark(float(second), Decimal(str(mark)))
        slow.on_mark(float(second), Decimal(str(mark)))
    assert fast.volatility_bps is not None and slow.volatility_bps is not None
    assert fast.volatility_bps > 2 * slow.volatility_bps  # the fast one sees the storm first


samples = st.lists(st.tuples(st.floats(0, 20), st.one_of(st.none(), st.floats(0, 12))), max_size=80)


@settings(max_examples=300, deadline=None)
@given(samples, st.sampled_from([0.0, 5.0, 30.0]))
def test_resumes_only_after_the_lower_threshold_held_for_its_time(steps, resume_after):
    rules = PauseSettings(
        pause_volatility_bps=8.0, resume_volatility_bps=5.0, resume_after_seconds=resume_after
    )
    pause, now = VolatilityPause(rules), 0.0
    history: list[tuple[float, float | None]] = []
    paused = False
    for dt, vol in steps:
        now += dt
        history.append((now, vol))
        state = pause.update(now, vol)
        if not paused and state.active:
            assert vol is not None and vol > rules.pause_volatility_bps  # only past the threshold
            paused_at = len(history) - 1
        if paused and not state.active:
            # Every measurement since the last one that was not calm was below the resume
            # threshold, and the first of them is at least resume_after old.
            since_pause = history[paused_at + 1 :]
            breaks = [i for i, (_, v) in enumerate(since_pause) if v is None or v >= 5.0]
            calm = since_pause[breaks[-1] + 1 :] if breaks else since_pause
            assert calm and all(v is not None and v < 5.0 for _, v in calm)
            assert now - calm[0][0] >= resume_after
        if paused and state.active and vol is not None and vol < 5.0 and resume_after == 0:
            raise AssertionError("calm with no wait must resume at once")
        assert state.changed == (state.active != paused)
        paused = state.active
