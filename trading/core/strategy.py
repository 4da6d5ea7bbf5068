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

from dataclasses import dataclass, replace
from decimal import Decimal

from trading.core.actions import BandWindow
from trading.core.band import MIN_MARGIN_BPS, BandInputs, BandPlan, plan_band
from trading.core.bot_settings import BotSettings
from trading.core.domain import BPS, BookTop, Side
from trading.core.inventory import NO_SKEW, Skew, skew_for, skew_offset

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


def band_inputs(settings: BotSettings, measured: Measured) -> BandInputs:
    return BandInputs(
        settings.uptime_band_bps,
        settings.band_margin_bps,
        settings.proximity_guard_bps,
        measured.volatility_bps,
        measured.latency_s,
    )


def plan_pass(
    settings: BotSettings,
    top: BookTop,
    mark: Decimal | None,
    measured: Measured,
    position_qty: Decimal = Decimal("0"),
) -> StrategyPlan:
    """The plan for one quoting pass. Band mode without a mark plans nothing (anchors None
    and no windows): the caller waits for the first price message. With a position and
    INVENTORY_SKEW_BPS the side that adds to it is moved away from the mark, never out of
    the band (trading/core/inventory.py)."""
    skew = skew_for(settings, position_qty, top.mid) if top.mid > 0 else NO_SKEW
    if settings.quote_strategy == BAND:
        return _band_plan(settings, top, mark, measured, skew)
    band = settings.uptime_band_bps
    windows = None if mark is None else {s: BandWindow.reward_band(mark, band) for s in Side}
    anchors = None if skew.side is None else _spread_anchors(settings, top, mark, skew)
    return StrategyPlan(SPREAD, anchors, windows, 0.0, False, None)


def _spread_anchors(
    settings: BotSettings, top: BookTop, mark: Decimal | None, skew: Skew
) -> tuple[Decimal, Decimal]:
    """mid ± SPREAD_BPS, the adding side moved by the skew (measured from the mark, whose
    band pays): a side inside the band stays inside its usable edge."""
    spread = settings.spread_bps / BPS
    raw = {Side.BUY: top.mid * (1 - spread), Side.SELL: top.mid * (1 + spread)}
    side = skew.side
    if side is None:
        return raw[Side.BUY], raw[Side.SELL]
    reference = mark if mark is not None and mark > 0 else top.mid
    edge = settings.uptime_band_bps - Decimal(str(MIN_MARGIN_BPS))
    offset = (raw[side] - reference) / reference * BPS
    raw[side] = reference * (1 + skew_offset(side, offset, skew.shift_bps, edge) / BPS)
    return raw[Side.BUY], raw[Side.SELL]


def earn_problem(settings: BotSettings, top: BookTop | None, measured: Measured) -> str | None:
    """Why the configuration cannot earn at all, in a trader's words (a setting fixes it);
    None when it can. Not part of a quoting pass: the dashboard asks once a second."""
    if settings.quote_strategy != BAND:
        return spread_problem(settings)
    return None if top is None else band_problem(top, band_inputs(settings, measured))


def spread_problem(settings: BotSettings) -> str | None:
    spread, band = settings.spread_bps, settings.uptime_band_bps
    if spread < band:
        return None
    return (
        f"SPREAD_BPS {spread.normalize():f} is not inside UPTIME_BAND_BPS "
        f"{band.normalize():f}: the quotes sit outside the reward band and earn nothing "
        f"(switch to the band strategy, or set SPREAD_BPS below the band)"
    )


def _band_plan(
    settings: BotSettings,
    top: BookTop,
    mark: Decimal | None,
    measured: Measured,
    skew: Skew = NO_SKEW,
) -> StrategyPlan:
    inputs = band_inputs(settings, measured)
    rest = float(settings.band_min_rest_seconds)
    if mark is None:
        return StrategyPlan(BAND, None, None, rest, True, "waiting for the first mark price")
    plan = _skewed(plan_band(top, mark, inputs), skew)
    holding = measured.requests_per_minute >= settings.band_max_requests_per_minute
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


# Skew uses at most this share of the way from the target to the far end of the keep
# window: an order placed ON that end would fall out of the window at the first tick of
# rounding or of the mark, while its replacement (on the end too) never counts as inside
# it, so the BAND trigger would never move it: it would drift out of the band.
SKEW_MAX_SHARE = Decimal("0.75")


def _skewed(plan: BandPlan, skew: Skew) -> BandPlan:
    """The adding side's target moved away from the mark by the skew, by at most
    SKEW_MAX_SHARE of its room to the far end of its keep window (inside the band); the
    touch end of its windows moves with it (never past the new target), so an order left
    near the touch is requoted outward."""
    side = skew.side
    if side is None or not plan.side(side).in_band:
        return plan
    sp, shift = plan.side(side), skew.shift_bps
    far = -sp.keep_low if side is Side.BUY else sp.keep_high
    bound = abs(sp.target) + (far - abs(sp.target)) * SKEW_MAX_SHARE
    target = skew_offset(side, sp.target, shift, bound)
    moved = abs(target - sp.target)
    if side is Side.BUY:
        return replace(
            plan,
            bid=replace(
                sp,
                target=target,
                keep_high=max(target, sp.keep_high - moved),
                hold_high=max(target, sp.hold_high - moved),
            ),
        )
    return replace(
        plan,
        ask=replace(
            sp,
            target=target,
            keep_low=min(target, sp.keep_low + moved),
            hold_low=min(target, sp.hold_low + moved),
        ),
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
