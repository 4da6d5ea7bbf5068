"""What a quoting pass plans, judged where a trader loses money: the band strategy quotes
around the MARK (StandX pays for time within UPTIME_BAND_BPS of the mark, not of the mid),
the spread strategy around the MID, and a configuration that cannot earn says so.

Every case moves the mark away from the mid: with the two equal, an anchor on the wrong
price cannot be told from the right one."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.actions import BandWindow
from trading.core.band import BandInputs, plan_band
from trading.core.bot_settings import DEFAULTS, BotSettings
from trading.core.domain import BPS, BookTop, Side
from trading.core.strategies import earn_problem, plan_pass
from trading.core.strategy import Measured, bps_gap

TOP = BookTop("BTC-USD", D("65999.99"), D("66000.01"))  # mid 66000, a 2-tick book
BAND_VALUES = DEFAULTS.updated(
    {
        "quote_strategy": "band",
        "uptime_band_bps": "10",
        "proximity_guard_bps": "1",
        "band_min_rest_seconds": "3",
    }
)


def spread_settings(changes: dict) -> BotSettings:
    return DEFAULTS.updated({"quote_strategy": "spread", **changes})


def spread_problem(changes: dict) -> str | None:
    return earn_problem(spread_settings(changes), None, MEASURED)


def band_problem(top: BookTop, inputs: BandInputs) -> str | None:
    settings = BAND_VALUES.updated(
        {"uptime_band_bps": inputs.band_bps, "proximity_guard_bps": inputs.guard_bps}
    )
    return earn_problem(settings, top, Measured(inputs.volatility_bps, inputs.latency_s))


MEASURED = Measured(1.0, 0.05, requests_per_minute=20)


def mark_at(bps: str) -> D:
    return TOP.mid * (1 + D(bps) / BPS)


def offset(price: D, reference: D) -> D:
    return (price - reference) / reference * BPS


# Mark offsets a post-only quote can still sit around: up to the band's reach on each side.
MARK_OFFSETS = ["-6", "-3", "-1", "1", "3", "6"]


@pytest.mark.parametrize("mark_bps", MARK_OFFSETS)
def test_band_anchors_sit_inside_the_band_of_the_mark(mark_bps):
    """Both anchors within UPTIME_BAND_BPS of the mark; each window is measured from the
    mark and holds its own anchor. Anchored on the mid instead, a mark 6 bps away puts the
    far side 11+ bps from the mark: outside the band, earning nothing."""
    mark = mark_at(mark_bps)
    plan = plan_pass(BAND_VALUES, TOP, mark, MEASURED)
    assert plan.anchors is not None and plan.windows is not None
    bid, ask = plan.anchors
    assert bid < ask
    for side, price in ((Side.BUY, bid), (Side.SELL, ask)):
        assert abs(offset(price, mark)) <= D("10"), (side, offset(price, mark))
        window = plan.windows[side]
        assert window.mark == mark
        assert window.holds(price)
        assert -D("10") <= window.low <= window.high <= D("10")


@pytest.mark.parametrize("mark_bps", MARK_OFFSETS)
def test_band_anchors_follow_the_mark_not_the_mid(mark_bps):
    """The same book with the mark moved: the plan is the band geometry of that mark (and of
    the book's touch), so its anchors are the ones plan_band gives for the mark."""
    mark = mark_at(mark_bps)
    plan = plan_pass(BAND_VALUES, TOP, mark, MEASURED)
    expected = plan_band(TOP, mark, BandInputs(D("10"), D("0"), D("1"), 1.0, 0.05))
    assert plan.anchors == (expected.price(Side.BUY), expected.price(Side.SELL))
    assert plan.band == expected
    assert plan.proximity_bps == expected.urgent_bps


@pytest.mark.parametrize("mark_bps", ["-6", "6"])
def test_the_spread_strategy_quotes_around_the_mid_whatever_the_mark(mark_bps):
    """spread (the original README's): mid ± SPREAD_BPS; a skewed side is the only one
    measured from the mark. Its reward windows are the band of the mark itself."""
    values = spread_settings({"spread_bps": "8", "uptime_band_bps": "10"})
    mark = mark_at(mark_bps)
    plan = plan_pass(values, TOP, mark, MEASURED)
    assert plan.anchors == (TOP.mid * (1 - D("8") / BPS), TOP.mid * (1 + D("8") / BPS))
    assert not plan.window_only and plan.min_rest_seconds == 0.0 and plan.note is None
    for side in Side:
        assert plan.windows[side].mark == mark
        assert (plan.windows[side].low, plan.windows[side].high) == (-D("10"), D("10"))


@pytest.mark.parametrize(
    ("mark_bps", "skew", "bid_from_mark"),
    [
        ("-6", "1", "-3"),  # mid - 8 is the mark - 2: moved 1 bp further away
        ("-6", "20", "-9.5"),  # ... but never past the band's usable edge (10 - 0.5)
        ("6", "1", "-15"),  # already outside the band: moved all the same
    ],
)
def test_the_spread_strategy_skews_the_adding_side_from_the_mark(mark_bps, skew, bid_from_mark):
    """Long (the bid adds to the position, at the limit): the bid moves away from the mark by
    INVENTORY_SKEW_BPS, never out of the band it is in; the reducing ask stays at mid +
    spread."""
    values = spread_settings(
        {
            "spread_bps": "8",
            "uptime_band_bps": "10",
            "inventory_skew_bps": skew,
            "max_notional": "100",
        }
    )
    mark = mark_at(mark_bps)
    bid, ask = plan_pass(values, TOP, mark, MEASURED, position_qty=D("0.01")).anchors
    assert ask == TOP.mid * (1 + D("8") / BPS)
    assert abs(offset(bid, mark) - D(bid_from_mark)) < D("0.01")


def test_the_spread_strategy_has_no_reward_windows_before_the_first_mark():
    plan = plan_pass(spread_settings({}), TOP, None, MEASURED)
    assert plan.windows is None and plan.anchors is not None  # mid ± spread needs no mark


def test_the_default_strategy_is_spread():
    assert DEFAULTS.quote_strategy == "spread"
    assert earn_problem(DEFAULTS, TOP, MEASURED) is not None  # spread's rule: 50 bps earns nothing


@pytest.mark.parametrize(
    "requests, limit, holding",
    [(299.0, None, False), (300.0, None, True), (59.9, 60, False), (60.0, 60, True)],
)
def test_the_request_cap_holds_orders_from_the_cap_on(requests, limit, holding):
    """At BAND_MAX_REQUESTS_PER_MINUTE (default 300) the window widens: the cap is reached
    at the limit itself, not one request later."""
    values = BAND_VALUES.updated({} if limit is None else {"band_max_requests_per_minute": limit})
    plan = plan_pass(values, TOP, TOP.mid, Measured(1.0, 0.05, requests_per_minute=requests))
    assert plan.holding is holding
    sp = plan.band.bid
    low, high = (sp.hold_low, sp.hold_high) if holding else (sp.keep_low, sp.keep_high)
    assert plan.windows[Side.BUY] == BandWindow(plan.band.mark, low, high)


def test_the_rest_rule_comes_from_the_setting_in_band_mode_only():
    band = plan_pass(BAND_VALUES.updated({"band_min_rest_seconds": "4.5"}), TOP, TOP.mid, MEASURED)
    assert band.min_rest_seconds == 4.5 and band.window_only
    assert plan_pass(BAND_VALUES, TOP, None, MEASURED).min_rest_seconds == 3.0
    default_band = DEFAULTS.updated({"quote_strategy": "band"})
    assert plan_pass(default_band, TOP, TOP.mid, MEASURED).min_rest_seconds == 3.0
    assert plan_pass(spread_settings({}), TOP, TOP.mid, MEASURED).min_rest_seconds == 0.0


def test_band_without_a_mark_waits_for_it():
    plan = plan_pass(BAND_VALUES, TOP, None, MEASURED)
    assert plan.anchors is None and plan.windows is None
    assert plan.window_only and plan.note == "waiting for the first mark price"


@pytest.mark.parametrize(
    ("mark_bps", "stuck"), [("0", None), ("12", "buy"), ("-12", "sell"), ("6", None)]
)
def test_a_side_that_cannot_sit_in_band_is_named(mark_bps, stuck):
    """A mark 12 bps above the mid leaves no post-only bid inside its band: the note names
    the bid side and the gap, so a trader knows it is the market, not a setting."""
    plan = plan_pass(BAND_VALUES, TOP, mark_at(mark_bps), MEASURED)
    if stuck is None:
        assert plan.note is None
    else:
        assert f"no post-only {stuck} fits" in plan.note
        assert f"{float(D(mark_bps)):+.1f} bps from the mid" in plan.note


@pytest.mark.parametrize(
    ("spread", "band", "earns"),
    [("9.99", "10", True), ("10", "10", False), ("12", "10", False), ("12", "15", True)],
)
def test_spread_earns_only_strictly_inside_the_band(spread, band, earns):
    values = {"spread_bps": spread, "uptime_band_bps": band, "max_spread_deviation_bps": "200"}
    problem = spread_problem(values)
    assert (problem is None) is earns
    if not earns:
        assert f"SPREAD_BPS {D(spread).normalize():f}" in problem
        assert f"UPTIME_BAND_BPS {D(band).normalize():f}" in problem
    assert earn_problem(spread_settings(values), TOP, MEASURED) == problem  # the book never matters


def test_spread_defaults_cannot_earn():
    """SPREAD_BPS 50 against a 10 bps band: the README's defaults earn nothing, and say so."""
    assert "SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10" in spread_problem({})


@pytest.mark.parametrize(
    ("band", "guard", "earns"), [("10", "1", True), ("1.5", "1", False), ("4", "1", True)]
)
def test_band_earns_when_both_sides_fit_behind_the_guard(band, guard, earns):
    inputs = BandInputs(D(band), D("0"), D(guard), 1.0, 0.05)
    problem = band_problem(TOP, inputs)
    assert (problem is None) is earns
    values = BAND_VALUES.updated({"uptime_band_bps": band, "proximity_guard_bps": guard})
    assert earn_problem(values, TOP, Measured(1.0, 0.05)) == problem
    if not earns:
        assert f"UPTIME_BAND_BPS {D(band).normalize():f}" in problem
        assert f"PROXIMITY_GUARD_BPS {D(guard).normalize():f}" in problem


def test_band_cannot_judge_earning_without_a_book():
    assert earn_problem(BAND_VALUES, None, MEASURED) is None


@pytest.mark.parametrize(("mark_bps", "gap"), [("0", "0"), ("5", "5"), ("-2.5", "-2.5")])
def test_the_gap_is_signed_bps_of_the_mid(mark_bps, gap):
    assert bps_gap(TOP, mark_at(mark_bps)) == D(gap)


SKEWED = BAND_VALUES.updated({"inventory_skew_bps": "2", "max_notional": "100"})


@pytest.mark.parametrize(
    ("position", "adding", "skew", "shift"),
    [
        (D("0.01"), Side.BUY, "2", "2"),  # long 660 USD, over the 100 limit: the full skew
        (D("-0.01"), Side.SELL, "2", "2"),  # short: the ask moves up
        (D("0.0008"), Side.BUY, "2", "1.056"),  # 52.8 USD of 100: 0.528 of the skew
        (D("0.01"), Side.BUY, "40", "40"),  # more than the room: short of the far end
        (D("-0.01"), Side.SELL, "40", "40"),
    ],
)
@pytest.mark.parametrize("mark_bps", ["-3", "0", "3"])
def test_band_skew_moves_the_adding_side_away_from_the_mark_and_keeps_it_in_band(
    position, adding, skew, shift, mark_bps
):
    """With a position the side that adds to it is placed further from the mark (fewer
    fills that grow the position), never out of its own keep window or the band; the touch
    end of its windows moves with it, so an order left near the touch is requoted outward.
    The reducing side is planned as without a position."""
    mark = mark_at(mark_bps)
    values = SKEWED.updated({"inventory_skew_bps": skew})
    plain = plan_pass(values, TOP, mark, MEASURED).band
    plan = plan_pass(values, TOP, mark, MEASURED, position)
    was, now = plain.side(adding), plan.band.side(adding)
    away = -1 if adding is Side.BUY else 1
    moved = (now.target - was.target) * away
    far = -was.keep_low if adding is Side.BUY else was.keep_high
    room = far - abs(was.target)
    expected = min(D(shift), room * D("0.75"))
    assert moved == pytest.approx(expected, abs=D("0.0001"))
    assert moved > 0
    # The windows: the far end (the band's edge side) stays, the touch end follows the target.
    if adding is Side.BUY:
        assert (now.keep_low, now.hold_low) == (was.keep_low, was.hold_low)
        assert now.keep_high == max(now.target, was.keep_high - moved)
        assert now.hold_high == max(now.target, was.hold_high - moved)
    else:
        assert (now.keep_high, now.hold_high) == (was.keep_high, was.hold_high)
        assert now.keep_low == min(now.target, was.keep_low + moved)
        assert now.hold_low == min(now.target, was.hold_low + moved)
    assert now.keep_low <= now.target <= now.keep_high
    assert abs(now.target) <= D("10")
    # The anchors and windows quote what was planned; the other side is untouched.
    assert plan.anchors[0 if adding is Side.BUY else 1] == plan.band.price(adding)
    assert plan.band.side(adding.opposite) == plain.side(adding.opposite)
    assert plan.windows[adding].holds(plan.band.price(adding))


def test_band_skew_leaves_a_side_that_cannot_sit_in_band_where_it_is():
    """A mark 12 bps above the mid leaves no bid in band: skewing it would only move it
    further from the band; it stays at its touch limit."""
    mark = mark_at("12")
    plain = plan_pass(SKEWED, TOP, mark, MEASURED).band
    plan = plan_pass(SKEWED, TOP, mark, MEASURED, D("0.01")).band
    assert not plain.bid.in_band and plan.bid == plain.bid
