"""The reference guard, episode by episode: it learns the basis, leans the threatened side
before StandX moves, lets go when the move is priced in or did not come within the lag it
fears, and is off (never a stop) without a fresh reference."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.domain import BookTop, Side
from trading.core.reference_guard import GuardSettings, GuardStatus, ReferenceGuard
from trading.core.side_window import Window, lean, threatened, widen

MID = D("100000")
BASIS = D("1.0005")  # the reference trades 5 bps over StandX
URGENT = D("1")


def book(mid: D = MID) -> BookTop:
    return BookTop("BTC-USD", mid - D("0.5"), mid + D("0.5"))  # ~0.05 bps either side


def learned(seconds: float = 40.0, settings: GuardSettings | None = None) -> ReferenceGuard:
    """A guard that has watched both venues agree (the basis) for `seconds`."""
    guard = ReferenceGuard(settings or GuardSettings())
    t = 0.0
    while t <= seconds:
        guard.on_standx(t, MID)
        guard.on_reference(t, MID * BASIS)
        t += 0.5
    return guard


def moved(price: D, bps: float) -> D:
    return price * (1 + D(str(bps)) / 10_000)


def test_off_until_both_venues_seen_and_the_basis_learned():
    guard = ReferenceGuard()
    assert guard.advise(0.0, MID, book(), URGENT).status is GuardStatus.NO_REFERENCE
    guard.on_standx(0.0, MID)
    guard.on_reference(0.0, MID * BASIS)
    advice = guard.advise(10.0 - 8, MID, book(), URGENT)
    assert advice.status is GuardStatus.LEARNING and advice.bid is None and advice.ask is None
    guard = learned()
    advice = guard.advise(40.0, MID, book(), URGENT)
    assert advice.status is GuardStatus.WATCHING and advice.status.on
    assert advice.basis_bps == pytest.approx(4.9988, abs=0.001)  # ln(1.0005) in bps
    assert advice.bid is None and advice.ask is None


def test_a_fall_led_by_the_reference_leans_the_bid_then_lets_go_when_standx_follows():
    guard = learned()
    guard.on_reference(40.2, moved(MID * BASIS, -10))  # the reference falls 10 bps
    advice = guard.advise(40.3, MID, book(), URGENT)
    assert advice.status is GuardStatus.LEANING and advice.ask is None
    assert advice.move_bps == pytest.approx(-10, abs=0.01)
    bid = advice.bid
    assert bid is not None and bid.side is Side.BUY
    # The ask is about to be 10 bps lower: the bid must stay the urgent distance and the
    # margin behind that.
    assert bid.predicted_touch == pytest.approx(D("0.05") - 10, abs=D("0.06"))
    assert bid.urgent_limit == bid.predicted_touch - URGENT
    assert bid.limit == bid.urgent_limit - D("1.5")
    assert advice.lean_until == pytest.approx(40.3 + 5.0)
    # StandX follows: the move is priced in, the guard lets go.
    new_mid = moved(MID, -10)
    guard.on_standx(41.5, new_mid)
    advice = guard.advise(41.6, new_mid, book(new_mid), URGENT)
    assert advice.status is GuardStatus.WATCHING and advice.bid is None


def test_a_rise_leans_the_ask():
    guard = learned()
    guard.on_reference(40.2, moved(MID * BASIS, 8))
    advice = guard.advise(40.3, MID, book(), URGENT)
    assert advice.bid is None and advice.ask is not None
    assert advice.ask.limit > advice.ask.urgent_limit > advice.ask.predicted_touch > 7


def feed(guard: ReferenceGuard, start: float, end: float, reference: D, mid: D = MID) -> None:
    t = start
    while t <= end:
        guard.on_standx(t, mid)
        guard.on_reference(t, reference)
        t += 0.5


def test_a_move_that_does_not_come_ends_the_lean_after_the_lag_it_fears_and_is_muted():
    guard = learned(settings=GuardSettings(max_lead_s=5.0))
    fallen = moved(MID * BASIS, -10)
    guard.on_reference(40.5, fallen)
    assert guard.advise(40.5, MID, book(), URGENT).status is GuardStatus.LEANING
    feed(guard, 41.0, 45.5, fallen)
    assert guard.advise(45.5, MID, book(), URGENT).status is GuardStatus.LEANING
    feed(guard, 46.0, 46.0, fallen)
    late = guard.advise(46.0, MID, book(), URGENT)
    assert late.status is GuardStatus.WATCHING and late.bid is None  # never darker than the move
    feed(guard, 46.5, 50.0, fallen)
    assert guard.advise(50.0, MID, book(), URGENT).bid is None  # the same divergence stays muted
    # A further fall on top of the muted one is a new move.
    guard.on_reference(50.5, moved(MID * BASIS, -14))
    again = guard.advise(50.5, MID, book(), URGENT)
    assert again.status is GuardStatus.LEANING
    assert again.move_bps == pytest.approx(-4, abs=0.2)  # only the part StandX may follow
    # The reference comes back: nothing to fear, and the mute is gone.
    feed(guard, 51.0, 52.0, MID * BASIS)
    assert guard.advise(52.0, MID, book(), URGENT).status is GuardStatus.WATCHING
    guard.on_reference(52.5, fallen)
    # (less the ~1 bps of the unfollowed fall the basis learned while it was muted)
    assert guard.advise(52.5, MID, book(), URGENT).move_bps == pytest.approx(-9, abs=0.3)


def test_small_divergences_are_not_moves_and_moves_are_not_basis():
    guard = learned()
    guard.on_reference(40.2, moved(MID * BASIS, -1.5))  # under trigger_bps (2)
    assert guard.advise(40.3, MID, book(), URGENT).status is GuardStatus.WATCHING
    basis = guard.basis_bps
    guard.on_reference(40.5, moved(MID * BASIS, -10))  # a move: not learned as basis
    assert guard.basis_bps == basis


def test_a_stale_reference_turns_the_guard_off_and_a_fresh_one_back_on():
    guard = learned(settings=GuardSettings(stale_after_s=3.0))
    guard.on_reference(40.0, moved(MID * BASIS, -10))
    assert guard.advise(40.0, MID, book(), URGENT).status is GuardStatus.LEANING
    guard.on_standx(43.5, MID)
    stale = guard.advise(43.5, MID, book(), URGENT)
    assert stale.status is GuardStatus.STALE and not stale.status.on
    assert stale.bid is None and stale.ask is None and "reference" in stale.reason
    assert stale.reference_age_s == pytest.approx(3.5)
    guard.on_reference(44.0, MID * BASIS)
    assert guard.advise(44.0, MID, book(), URGENT).status is GuardStatus.WATCHING


def test_prices_from_the_past_are_ignored():
    guard = learned()
    guard.on_reference(10.0, moved(MID * BASIS, -50))  # older than the last one
    assert guard.advise(40.0, MID, book(), URGENT).status is GuardStatus.WATCHING


@pytest.mark.parametrize(
    "field, value",
    [("stale_after_s", 0), ("max_lead_s", -1), ("trigger_bps", -1), ("margin_bps", D("-1"))],
)
def test_bad_settings_are_refused(field, value):
    with pytest.raises(ValueError, match=field):
        GuardSettings(**{field: value})


# ---- applying the advice to a side's window ---------------------------------------------------

BID = Window(D("-5.4"), D("-8.5"), D("-1"))  # far end -8.5 (band 10 less the margin)
ASK = Window(D("5.4"), D("1"), D("8.5"))


def limit_for(side: Side, move: float):
    guard = learned()
    guard.on_reference(40.2, moved(MID * BASIS, move))
    advice = guard.advise(40.3, MID, book(), URGENT)
    return advice.side(side)


def test_lean_inside_the_band_when_there_is_room():
    limit = limit_for(Side.BUY, -4)  # predicted ask ~ -3.95: limit ~ -6.45
    assert limit is not None
    leaned = lean(Side.BUY, BID, limit)
    assert leaned.in_band and leaned.low == BID.low and leaned.high == limit.limit
    assert leaned.target == ((BID.low + limit.limit) / 2).quantize(D("0.0001"))
    assert lean(Side.SELL, ASK, None) == ASK  # the other side is untouched


def test_hold_the_far_end_when_only_the_margin_is_missing():
    limit = limit_for(Side.SELL, 7)  # urgent limit ~7.95, limit ~9.45: the far end 8.5 between
    assert limit is not None and limit.limit > ASK.high > limit.urgent_limit
    leaned = lean(Side.SELL, ASK, limit)
    assert leaned == Window(ASK.high, limit.urgent_limit, ASK.high, True)


def test_step_back_past_the_window_when_the_move_would_cross_all_of_it():
    limit = limit_for(Side.SELL, 12)
    assert limit is not None
    leaned = lean(Side.SELL, ASK, limit)
    assert not leaned.in_band and leaned.target == limit.limit > ASK.high
    assert leaned.high - leaned.low == ASK.high - ASK.low


def test_a_limit_behind_the_window_changes_nothing():
    limit = limit_for(Side.BUY, -2.5)  # limit ~ -4.95: the window's near end -1 is past it
    assert limit is not None and lean(Side.BUY, BID, limit).high == limit.limit
    far = Window(D("-9"), D("-9.5"), D("-8"))
    assert lean(Side.BUY, far, limit) == far


def test_threatened_orders_are_those_past_the_urgent_limit():
    limit = limit_for(Side.BUY, -10)
    assert limit is not None
    assert threatened(Side.BUY, limit.urgent_limit + D("0.01"), limit)
    assert not threatened(Side.BUY, limit.urgent_limit, limit)
    assert not threatened(Side.SELL, D("3"), None)
    with pytest.raises(ValueError):
        lean(Side.SELL, ASK, limit)


def test_widen_puts_the_target_at_the_far_edge():
    assert widen(Side.BUY, BID) == Window(D("-8.5"), D("-8.5"), D("-4.75"))
    assert widen(Side.SELL, ASK) == Window(D("8.5"), D("4.75"), D("8.5"))
