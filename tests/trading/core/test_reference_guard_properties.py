"""Properties of the reference guard over any book, band and reference move: the guarded
quotes stay inside the band when there is room, never reach the touch StandX is about to
have (nor the touch it has), never cross each other; and the guard is off, with no advice,
whenever the reference is stale."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.band import BandInputs, SidePlan, plan_band
from trading.core.domain import BPS, BookTop, Side
from trading.core.reference_guard import GuardSettings, GuardStatus, ReferenceGuard
from trading.core.side_window import Window, lean

books = st.builds(
    lambda mid_cents, width_ticks: BookTop(
        "BTC-USD", D(mid_cents) / 100, D(mid_cents + width_ticks) / 100
    ),
    st.integers(5_000_000, 10_000_000),
    st.integers(1, 40),
)
inputs = st.builds(
    BandInputs,
    band_bps=st.decimals(D("4"), D("20"), places=2),
    margin_bps=st.sampled_from([D("0"), D("0.5"), D("2")]),
    guard_bps=st.decimals(D("0"), D("2"), places=2),
    volatility_bps=st.one_of(st.none(), st.floats(0, 8)),
    latency_s=st.one_of(st.none(), st.floats(0.005, 0.5)),
)
gaps = st.decimals(D("-6"), D("6"), places=2)  # mark - mid, bps
moves = st.floats(-40, 40)  # the reference's move, bps
basis = st.floats(-30, 30)  # reference over StandX, bps


def learned_guard(mid: D, basis_bps: float, guard_settings: GuardSettings) -> ReferenceGuard:
    guard = ReferenceGuard(guard_settings)
    reference = mid * (1 + D(str(basis_bps)) / BPS)
    t = 0.0
    while t <= guard_settings.warmup_s:
        guard.on_standx(t, mid)
        guard.on_reference(t, reference)
        t += 1.0
    return guard


def window(plan: SidePlan) -> Window:
    return Window(plan.target, plan.keep_low, plan.keep_high, plan.in_band)


def offset_of(price: D, mark: D) -> D:
    return (price - mark) / mark * BPS


@settings(max_examples=300, deadline=None)
@given(books, inputs, gaps, moves, basis)
def test_guarded_quotes_stay_in_band_and_never_cross(top, band_inputs, gap, move, basis_bps):
    mark = top.mid * (1 + gap / BPS)
    plan = plan_band(top, mark, band_inputs)
    guard = learned_guard(top.mid, basis_bps, GuardSettings(warmup_s=5.0))
    now = 6.0
    guard.on_reference(now, top.mid * (1 + D(str(basis_bps + move)) / BPS))
    advice = guard.advise(now, mark, top, plan.urgent_bps)
    assert advice.status.on
    assert advice.bid is None or advice.ask is None  # one move threatens one side
    leaned = {side: lean(side, window(plan.side(side)), advice.side(side)) for side in Side}
    for side in Side:
        before, after, limit = window(plan.side(side)), leaned[side], advice.side(side)
        sign = -1 if side is Side.BUY else 1  # away from the touch
        if after != before:
            assert after.low <= after.target <= after.high
        # never closer to the touch than the plan was: the current touch is never reached
        assert (after.target - before.target) * sign >= 0
        if limit is None:
            assert after == before
            continue
        # ... nor the touch StandX is about to have, nor its urgent distance
        assert (after.target - limit.urgent_limit) * sign > 0
        assert (after.target - limit.predicted_touch) * sign > 0
        far = before.low if side is Side.BUY else before.high
        room = (far - limit.urgent_limit) * sign > 0  # the far end is not crossed
        if before.in_band and room:
            # it leaned inside the band, within the plan's own window
            assert after.in_band and abs(after.target) <= band_inputs.band_bps
            assert before.low <= after.target <= before.high
        else:
            assert not after.in_band or after == before
    # the two sides never cross
    assert leaned[Side.BUY].target < leaned[Side.SELL].target


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0.5, 10),  # stale_after_s
    st.floats(0, 30),  # how long after the last reference price
    moves,
    st.booleans(),  # StandX keeps streaming
)
def test_a_stale_reference_turns_the_guard_off(stale_after, silence, move, standx_streams):
    top = BookTop("BTC-USD", D("99999.5"), D("100000.5"))
    guard = learned_guard(top.mid, 5.0, GuardSettings(warmup_s=5.0, stale_after_s=stale_after))
    guard.on_reference(6.0, top.mid * (1 + D(str(5.0 + move)) / BPS))
    now = 6.0 + silence
    if standx_streams:
        guard.on_standx(now, top.mid)
    advice = guard.advise(now, top.mid, top, D("1"))
    if now - 6.0 > stale_after:
        assert advice.status is GuardStatus.STALE and not advice.status.on
        assert advice.bid is None and advice.ask is None
    else:
        assert advice.status.on or not standx_streams  # StandX silent too long: also off
        if not advice.status.on:
            assert advice.bid is None and advice.ask is None
