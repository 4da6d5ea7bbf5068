"""PURE: the band strategy's plan: where each side should sit, and where it may drift, so
that both stay inside the reward band of the MARK for as much of the hour as possible.

StandX pays for time with both sides within UPTIME_BAND_BPS (B) of the mark. Offsets here
are signed, in bps of the mark: a bid below the mark has a negative offset. A side is in
band while |offset| <= B; it must also stay post-only, i.e. below the opposite touch minus
the proximity guard (for a bid: price < best_ask * (1 - guard)).

For each side the feasible range is [edge, touch]: from B - exit_margin on the far side of
the mark to the opposite touch (widened to the urgent distance) minus a fill margin. The
order is PLACED at PLACE_BIAS of that range from the edge: near the middle, so the mark
must move far before it is requoted (fewer requests), but further from the touch than from
the edge, because reaching the touch costs a fill while reaching the edge only costs a
requote. It is KEPT while it is inside the keep window [the band edge minus the exit
margin, the touch minus half the fill margin]; it is requoted before it leaves the band,
not after. The urgent distance is PROXIMITY_GUARD_BPS widened to the market's likely move
while a cancel travels. The exit margin covers how far the mark can
move while a replacement is on its way: Z_EXIT standard deviations of the measured mark
volatility over the measured ack latency plus a reaction allowance, and never less than
BAND_MARGIN_BPS (when set) or MIN_MARGIN_BPS.

When the measured gap between mark and mid leaves a side no in-band place behind those
margins, the side is planned again with the plain PROXIMITY_GUARD_BPS, TIGHT_MARGIN and
MIN_MARGIN_BPS (in band, at the cost of more fill and exit risk); if even that leaves no room,
it is placed at the touch limit and reported as unable to earn for now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import BPS, BookTop, Side

Z_EXIT = 1.5  # standard deviations of the mark's move covered by the margin
Z_URGENT = 1.5  # ... and of the market's move while a cancel travels
REACT_SECONDS = 0.1  # decision + request time on top of the ack latency
MIN_MARGIN_BPS = 0.5  # never closer to the band's edge than this when placing
FILL_MARGIN_BPS = 1.0  # requoted (make-before-break) this close to the urgent limit
PLACE_MARGIN_BPS = 1.5  # placed at least this far behind the urgent limit
PLACE_BIAS = 0.4  # where in [band edge, touch limit] a new order goes (0: edge)
TIGHT_MARGIN = Decimal("0.5")  # behind the plain guard, when the wide margins leave no room
DEFAULT_LATENCY_S = 0.1  # until an ack has been measured


@dataclass(frozen=True)
class BandInputs:
    band_bps: Decimal
    margin_bps: Decimal  # BAND_MARGIN_BPS: 0 = from the measurements only
    guard_bps: Decimal  # PROXIMITY_GUARD_BPS
    volatility_bps: float | None  # the mark's, per sqrt(second)
    latency_s: float | None  # order sent -> confirmed resting


@dataclass(frozen=True)
class SidePlan:
    side: Side
    target: Decimal  # signed bps of the mark where a new order goes
    keep_low: Decimal  # an order is kept while keep_low <= offset <= keep_high
    keep_high: Decimal
    in_band: bool  # False: no post-only place inside the band right now
    hold_low: Decimal  # the wider window when requests must be saved: from the band
    hold_high: Decimal  # edge to the urgent limit
    urgent: Decimal  # this side's distance from the touch that cancels at once


@dataclass(frozen=True)
class BandPlan:
    mark: Decimal
    margin_bps: Decimal
    urgent_bps: Decimal  # an order this close to the opposite touch is cancelled at once
    bid: SidePlan
    ask: SidePlan

    def side(self, side: Side) -> SidePlan:
        return self.bid if side is Side.BUY else self.ask

    def price(self, side: Side) -> Decimal:
        return self.mark * (1 + self.side(side).target / BPS)


def _likely_move(inputs: BandInputs, z: float) -> Decimal:
    """z standard deviations of the mark's move while a request travels, in bps."""
    latency = DEFAULT_LATENCY_S if inputs.latency_s is None else inputs.latency_s
    if inputs.volatility_bps is None:
        return Decimal("0")
    return Decimal(str(round(z * inputs.volatility_bps * math.sqrt(latency + REACT_SECONDS), 2)))


def exit_margin(inputs: BandInputs) -> Decimal:
    """How far inside the band's edge an order is requoted: the mark's likely move while the
    replacement travels, at least BAND_MARGIN_BPS (or MIN_MARGIN_BPS)."""
    floor = inputs.margin_bps if inputs.margin_bps > 0 else Decimal(str(MIN_MARGIN_BPS))
    margin = max(floor, _likely_move(inputs, Z_EXIT))
    return min(margin, inputs.band_bps / 2)  # half the band is always left to quote in


def urgent_distance(inputs: BandInputs) -> Decimal:
    """PROXIMITY_GUARD_BPS, widened to the market's likely move while a cancel travels: a
    fast market must not reach an order before its cancel does."""
    return min(max(inputs.guard_bps, _likely_move(inputs, Z_URGENT)), inputs.band_bps / 2)


def touch_offset(top: BookTop, mark: Decimal, side: Side, guard_bps: Decimal) -> Decimal:
    """The post-only limit of a side in signed bps of the mark (beyond it: replaced at once)."""
    if side is Side.BUY:
        limit = top.best_ask * (1 - guard_bps / BPS)
    else:
        limit = top.best_bid * (1 + guard_bps / BPS)
    return (limit - mark) / mark * BPS


def plan_band(top: BookTop, mark: Decimal, inputs: BandInputs) -> BandPlan:
    margin, urgent = exit_margin(inputs), urgent_distance(inputs)
    edge = inputs.band_bps - margin
    plans = {
        side: _side_plan(top, mark, side, edge, urgent, Decimal(str(PLACE_MARGIN_BPS)))
        for side in (Side.BUY, Side.SELL)
    }
    for side, plan in plans.items():
        if not plan.in_band:
            # The mark is far from the mid on this side: only a quote close to the touch is
            # in band. Being in band is what pays; a fill there is the price of it.
            tight_edge = inputs.band_bps - Decimal(str(MIN_MARGIN_BPS))
            plans[side] = _side_plan(top, mark, side, tight_edge, inputs.guard_bps, TIGHT_MARGIN)
    # One proximity guard per pass: the tighter side's (a wider one would cancel its order).
    urgent = min(plans[Side.BUY].urgent, plans[Side.SELL].urgent)
    return BandPlan(mark, margin, urgent, plans[Side.BUY], plans[Side.SELL])


def _side_plan(
    top: BookTop, mark: Decimal, side: Side, edge: Decimal, urgent: Decimal, place_margin: Decimal
) -> SidePlan:
    sign = -1 if side is Side.BUY else 1  # away from the touch
    touch = touch_offset(top, mark, side, urgent)
    far = sign * edge  # the band's edge away from the touch
    behind = touch + sign * place_margin  # the touch limit, backed off
    near = _clamp(behind, -edge, edge)
    in_band = (far - behind) * sign >= 0  # the touch leaves room inside the band
    target = far + (near - far) * Decimal(str(PLACE_BIAS)) if in_band else behind
    fill = min(Decimal(str(FILL_MARGIN_BPS)), place_margin)
    keep = sorted((far, _clamp(touch + sign * fill, -edge, edge)))
    hold = sorted((far, _clamp(touch, -edge, edge)))
    return SidePlan(
        side,
        target.quantize(Decimal("0.0001")),
        keep[0],
        keep[1],
        in_band,
        hold[0],
        hold[1],
        urgent,
    )


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))
