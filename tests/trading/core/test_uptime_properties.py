"""Property tests of trading.core.uptime: hourly sums equal an independent integration."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.uptime import SideState, UptimeMeter, split_by_hour

T0 = 1_767_225_600 - 1800  # half an hour before a boundary
MAX_GAP = 60.0
MARK = D("100")

side_states = st.one_of(
    st.just(SideState(False)),
    st.decimals(D("99.5"), D("100.5"), places=2).map(lambda p: SideState(True, p)),
)
steps = st.tuples(
    st.floats(0.0, 3 * MAX_GAP, allow_nan=False),  # seconds since the previous observation
    side_states,
    side_states,
    st.sampled_from([MARK, None]),
)


def approx(value: float):
    return pytest.approx(value, rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(st.lists(steps, min_size=1, max_size=60))
def test_hourly_sums_match_an_independent_integration(observations):
    m = UptimeMeter(band_bps=D("10"), max_gap_seconds=MAX_GAP)
    now, previous = float(T0), None
    expected = dict(two=0.0, band=0.0, bid=0.0, ask=0.0, running=0.0, gaps=0)
    for delta, bid, ask, mark in observations:
        now += delta
        if previous is not None and delta > 0:
            _expect_interval(expected, delta, *previous)
        m.observe(now, bid, ask, mark)
        previous = (bid, ask, mark)
    rows = list(m.hours().values())
    assert sum(r.two_sided_seconds for r in rows) == approx(expected["two"])
    assert sum(r.in_band_seconds for r in rows) == approx(expected["band"])
    assert sum(r.bid_seconds for r in rows) == approx(expected["bid"])
    assert sum(r.ask_seconds for r in rows) == approx(expected["ask"])
    assert sum(r.running_seconds for r in rows) == approx(expected["running"])
    assert sum(r.gaps for r in rows) == expected["gaps"]
    for r in rows:
        assert r.two_sided_seconds <= min(r.bid_seconds, r.ask_seconds) + 1e-9
        assert r.in_band_seconds <= r.two_sided_seconds + 1e-9
        assert r.bid_seconds + r.bid_dark_ms / 1000 == approx(r.running_seconds)
        assert r.ask_seconds + r.ask_dark_ms / 1000 == approx(r.running_seconds)
        assert r.running_seconds <= 3600 + 1e-9


def _expect_interval(expected: dict, delta: float, bid: SideState, ask: SideState, mark) -> None:
    if delta > MAX_GAP:
        expected["gaps"] += 1
        return
    expected["running"] += delta
    expected["bid"] += delta if bid.resting else 0.0
    expected["ask"] += delta if ask.resting else 0.0
    if bid.resting and ask.resting:
        expected["two"] += delta
        if mark is not None and all(abs(s.price - mark) / mark * 10000 <= 10 for s in (bid, ask)):
            expected["band"] += delta


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 10 * 3600, allow_nan=False), st.floats(0, 5 * 3600, allow_nan=False))
def test_split_by_hour_covers_the_interval_once(offset, length):
    start = T0 + offset
    pieces = split_by_hour(start, start + length)
    assert sum(seconds for _, seconds in pieces) == approx(length)
    hours = [hour for hour, _ in pieces]
    assert hours == sorted(set(hours))
    assert all(hour % 3600 == 0 and 0 < seconds <= 3600 for hour, seconds in pieces)
