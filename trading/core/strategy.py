"""PURE: the two quoting strategies as plans for one quoting pass.

``spread`` (the original README's): each side SPREAD_BPS from the book mid, requoted on
drift, staleness and touch proximity, and (band awareness) when an order has drifted out
of the reward band while the new quote would be inside it.

``band`` (what StandX pays for): both sides inside UPTIME_BAND_BPS of the MARK, placed and
kept by trading/core/band.py from what was measured (mark volatility, ack latency, the
mark/mid gap); an order is held while it is inside its keep window (no staleness or drift
requotes: queue position and the rest rule matter), never cancelled before it rested
BAND_MIN_REST_SECONDS unless it is about to be hit, and requoted make-before-break before
it leaves the band. Above BAND_MAX_REQUESTS_PER_MINUTE the touch side of the keep window
widens to the urgent limit: fewer requests, a little more fill risk.

Whether the configuration can earn at all, and why not, in a trader's words, is asked
apart (`earn_problem`): it is the dashboard's question, not the quoting pass's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading.core.actions import BandWindow
from trading.core.band import BandInputs, BandPlan, plan_band
from trading.core.domain import BPS, BookTop, Side

SPREAD, BAND = "spread", "band"


@dataclass(frozen=True)
class Measured:
    volatility_bps: float | None = None
    latency_s: float | None = None
    requests_per_minute: float = 0.0


@dataclass(frozen=True)
class StrategyPlan:
    name: str
    anchors: tuple[Decimal, Decimal] | None  # raw bid/ask prices (band); None: mid ± spread
    windows: dict[Side, BandWindow] | None
    min_rest_seconds: float
    window_only: bool
    note: str | None  # why a side cannot earn right now (the market will change)
    band: BandPlan | None = None
    holding: bool = False
    proximity_bps: Decimal | None = None  # None: PROXIMITY_GUARD_BPS as configured


def _dec(values: Mapping[str, Any], name: str, default: str) -> Decimal:
    return Decimal(str(values.get(name, default)))


def band_inputs(values: Mapping[str, Any], measured: Measured) -> BandInputs:
    return BandInputs(
        _dec(values, "uptime_band_bps", "10"),
        _dec(values, "band_margin_bps", "0"),
        _dec(values, "proximity_guard_bps", "1"),
        measured.volatility_bps,
        measured.latency_s,
    )


def plan_pass(
    values: Mapping[str, Any], top: BookTop, mark: Decimal | None, measured: Measured
) -> StrategyPlan:
    """The plan for one quoting pass. Band mode without a mark plans nothing (anchors None
    and no windows): the caller waits for the first price message."""
    if values.get("quote_strategy", SPREAD) == BAND:
        return _band_plan(values, top, mark, measured)
    band = _dec(values, "uptime_band_bps", "10")
    windows = None if mark is None else {s: BandWindow.reward_band(mark, band) for s in Side}
    return StrategyPlan(SPREAD, None, windows, 0.0, False, None)


def earn_problem(values: Mapping[str, Any], top: BookTop | None, measured: Measured) -> str | None:
    """Why the configuration cannot earn at all, in a trader's words (a setting fixes it);
    None when it can. Not part of a quoting pass: the dashboard asks once a second."""
    if values.get("quote_strategy", SPREAD) != BAND:
        return spread_problem(values)
    return None if top is None else band_problem(top, band_inputs(values, measured))


def spread_problem(values: Mapping[str, Any]) -> str | None:
    spread, band = _dec(values, "spread_bps", "50"), _dec(values, "uptime_band_bps", "10")
    if spread < band:
        return None
    return (
        f"SPREAD_BPS {spread.normalize():f} is not inside UPTIME_BAND_BPS "
        f"{band.normalize():f}: the quotes sit outside the reward band and earn nothing "
        f"(switch to the band strategy, or set SPREAD_BPS below the band)"
    )


def _band_plan(
    values: Mapping[str, Any], top: BookTop, mark: Decimal | None, measured: Measured
) -> StrategyPlan:
    inputs = band_inputs(values, measured)
    rest = float(_dec(values, "band_min_rest_seconds", "3"))
    if mark is None:
        return StrategyPlan(BAND, None, None, rest, True, "waiting for the first mark price")
    plan = plan_band(top, mark, inputs)
    holding = measured.requests_per_minute >= float(values.get("band_max_requests_per_minute", 300))
    windows = {side: _window(plan, side, holding) for side in Side}
    anchors = (plan.price(Side.BUY), plan.price(Side.SELL))
    return StrategyPlan(
        BAND,
        anchors,
        windows,
        rest,
        True,
        _stuck_note(top, plan),
        band=plan,
        holding=holding,
        proximity_bps=plan.urgent_bps,
    )


def _stuck_note(top: BookTop, plan: BandPlan) -> str | None:
    """Which side cannot sit in the band right now, and why (the mark far from the mid)."""
    stuck = [s.value for s in Side if not plan.side(s).in_band]
    if not stuck:
        return None
    return (
        f"the mark is {float(bps_gap(top, plan.mark)):+.1f} bps from the mid: no "
        f"post-only {' or '.join(stuck)} fits inside the band right now"
    )


def _window(plan: BandPlan, side: Side, holding: bool) -> BandWindow:
    """Over the request cap the touch side of the window widens to the urgent limit: only
    the band's edge (and a fill risk) still moves an order."""
    side_plan = plan.side(side)
    if holding:
        return BandWindow(plan.mark, side_plan.hold_low, side_plan.hold_high)
    return BandWindow(plan.mark, side_plan.keep_low, side_plan.keep_high)


def band_problem(top: BookTop, inputs: BandInputs) -> str | None:
    """Can both sides sit inside the band at all (mark at the mid)?"""
    plan = plan_band(top, top.mid, inputs)
    if plan.bid.in_band and plan.ask.in_band:
        return None
    return (
        f"UPTIME_BAND_BPS {inputs.band_bps.normalize():f} leaves no room for a post-only "
        f"quote inside the band after PROXIMITY_GUARD_BPS "
        f"{inputs.guard_bps.normalize():f} and the margins"
    )


def bps_gap(top: BookTop, mark: Decimal) -> Decimal:
    """How far the mark is from the book mid, signed, in bps of the mid."""
    return (mark - top.mid) / top.mid * BPS
