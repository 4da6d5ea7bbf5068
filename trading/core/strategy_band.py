"""PURE: the ``band`` strategy (what StandX pays for): both sides inside UPTIME_BAND_BPS of
the MARK, placed and kept by trading/core/band.py from what was measured (mark volatility,
ack latency, the mark/mid gap). An order is held while it is inside its keep window (no
staleness or drift requotes: queue position and the rest rule matter), never cancelled
before it rested BAND_MIN_REST_SECONDS unless it is about to be hit, and requoted
make-before-break before it leaves the band. Above BAND_MAX_REQUESTS_PER_MINUTE the touch
side of the keep window widens to the urgent limit: fewer requests, a little more fill risk.
With a position and INVENTORY_SKEW_BPS the adding side's target moves away from the mark,
never out of the band (trading/core/inventory.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from trading.core.actions import BandWindow
from trading.core.band import BandInputs, BandPlan, plan_band
from trading.core.bot_settings import BotSettings
from trading.core.domain import BookTop, Side, plain
from trading.core.inventory import Skew, skew_offset
from trading.core.strategy import Measured, PassView, Strategy, StrategyPlan, bps_gap

NO_MARK_YET = "waiting for the first mark price"


class BandStrategy(Strategy):
    name = "band"

    def plan(self, settings: BotSettings, seen: PassView) -> StrategyPlan:
        rest = float(settings.band_min_rest_seconds)
        if seen.mark is None:  # the band is the mark's: wait for a price message
            return StrategyPlan(None, None, rest, True, NO_MARK_YET)
        inputs = band_inputs(settings, seen.measured)
        plan = _skewed(plan_band(seen.top, seen.mark, inputs), seen.skew)
        holding = seen.measured.requests_per_minute >= settings.band_max_requests_per_minute
        return StrategyPlan(
            (plan.price(Side.BUY), plan.price(Side.SELL)),
            {side: _window(plan, side, holding) for side in Side},
            rest,
            True,
            _stuck_note(seen.top, plan),
            band=plan,
            holding=holding,
            proximity_bps=plan.urgent_bps,
        )

    def earn_problem(
        self, settings: BotSettings, top: BookTop | None, measured: Measured
    ) -> str | None:
        """Can both sides sit inside the band at all (mark at the mid)? Only a book says."""
        if top is None:
            return None
        inputs = band_inputs(settings, measured)
        plan = plan_band(top, top.mid, inputs)
        if plan.bid.in_band and plan.ask.in_band:
            return None
        return (
            f"UPTIME_BAND_BPS {plain(inputs.band_bps)} leaves no room for a post-only "
            f"quote inside the band after PROXIMITY_GUARD_BPS {plain(inputs.guard_bps)} "
            "and the margins"
        )

    def describe(self, settings: BotSettings) -> str:
        margin = settings.band_margin_bps
        return (
            f"both sides inside {plain(settings.uptime_band_bps)} bps of the mark (margin "
            f"{f'{plain(margin)} bps' if margin else 'auto'}, min rest "
            f"{plain(settings.band_min_rest_seconds)}s, at most "
            f"{settings.band_max_requests_per_minute} requests a minute)"
        )


def band_inputs(settings: BotSettings, measured: Measured) -> BandInputs:
    return BandInputs(
        settings.uptime_band_bps,
        settings.band_margin_bps,
        settings.proximity_guard_bps,
        measured.volatility_bps,
        measured.latency_s,
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
