"""PURE: inventory control. How far the position may grow, how the side that adds to it is
moved away from the market, which side waits after a fill, and the reduce-only orders
that flatten a position at stop and kill.

Each control is off unless configured, except the position limit (MAX_NOTIONAL):

- Position limit: the side that ADDS exposure is shrunk so ``|position| x mid + its
  order's notional <= MAX_NOTIONAL`` and dropped when not even one lot fits (quoting.
  compute_quotes: what the side holds once its order is alone); the reducing side is always
  quoted. ``ExposureLimit`` is the same rule for what the exchange holds at once: the
  position plus EVERY order of ours live on the adding side, pending and resting (a cancel
  still in flight included: it may yet fill), plus the order about to be placed; decide
  places nothing that would take it past MAX_NOTIONAL (a make-before-break replacement
  waits for the old order to go instead). With orders of notional N the position reaches
  at most MAX_NOTIONAL (``fills_to_limit``: how many full fills on one side that is).
- Inventory skew (INVENTORY_SKEW_BPS, 0 = off): the adding side is moved AWAY from the mark
  by ``INVENTORY_SKEW_BPS x min(1, |position| x mid / MAX_NOTIONAL)`` bps: at the limit by
  the whole setting, flat not at all. It is never moved out of the reward band: a side
  inside the band's usable edge (UPTIME_BAND_BPS less the exit margin) stays inside it, so
  skew costs queue distance, never in-band time. A side already outside the band (a
  `spread` wider than the band) moves freely: it earns nothing either way.
- Post-fill cooldown (FILL_COOLDOWN_SECONDS, 0 = off): the side that was filled places
  nothing for that long (see engine/quoter.py); ``filled_side`` reads which side was
  filled from the change of the position.
- Flattening (FLATTEN_ON_STOP / FLATTEN_ON_KILL, FLATTEN_MAKER_SECONDS): a reduce-only
  post-only order at our side's touch first (the best bid for a buy: no crossing, maker
  fee), then, if the position is not flat after FLATTEN_MAKER_SECONDS, a reduce-only IOC
  order priced TAKER_SLIP_BPS through the opposite touch (a taker that cannot rest). Each
  is sized within StandX's rule for reduce-only orders (docs/standx-protocol.md, new_order
  ``reduce_only``): at most the position less every other reduce-only order of ours still
  live on the exchange (``reduce_only_allowance``), or the exchange refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from trading.core.bot_settings import BotSettings
from trading.core.domain import BPS, BookTop, LiveOrder, Quote, Side, SymbolSpec, plain
from trading.core.quoting import adds_exposure, round_down_to_tick, round_up_to_tick

ZERO = Decimal("0")
ONE = Decimal("1")
TAKER_SLIP_BPS = Decimal("50")  # how far through the touch the IOC may trade


# ---------------------------------------------------------------- the position limit


def adding_side(position_qty: Decimal) -> Side | None:
    """The side that grows |position| (None when flat: both do)."""
    if position_qty == 0:
        return None
    return Side.BUY if position_qty > 0 else Side.SELL


def fills_to_limit(max_notional: Decimal, order_notional: Decimal) -> int:
    """How many full orders of ``order_notional`` fill on one side before the limit stops
    that side (the last order that fits whole included)."""
    if order_notional <= 0:
        return 0
    return int((max_notional / order_notional).to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True)
class ExposureLimit:
    """MAX_NOTIONAL against what the exchange holds at once: ``|position| x mid`` plus the
    notional of every live order on the side that would grow the position (both sides
    when flat). The reducing side is never limited."""

    max_notional: Decimal
    position_qty: Decimal
    mid: Decimal

    def exposure(
        self, side: Side, live: Iterable[LiveOrder], placing: Quote | None = None
    ) -> Decimal | None:
        """The position plus what the live orders on ``side`` have left, plus ``placing``;
        None when the side reduces the position."""
        if not adds_exposure(side, self.position_qty):
            return None
        resting = sum(
            ((o.qty - o.fill_qty) * o.price for o in live if o.side is side and o.state.is_live),
            ZERO,
        )
        new = placing.qty * placing.price if placing is not None and placing.side is side else ZERO
        return abs(self.position_qty) * self.mid + resting + new

    def allows(self, placing: Quote, live: Iterable[LiveOrder]) -> bool:
        """Whether ``placing`` fits under the limit beside the live orders of its side."""
        exposure = self.exposure(placing.side, live, placing)
        return exposure is None or exposure <= self.max_notional


def exposure_limit(
    settings: BotSettings, position_qty: Decimal, mid: Decimal
) -> ExposureLimit | None:
    """The configured limit (None when MAX_NOTIONAL leaves nothing to hold to)."""
    limit = settings.max_notional
    return None if limit <= 0 else ExposureLimit(limit, position_qty, mid)


# ---------------------------------------------------------------- inventory skew


def skew_shift_bps(
    position_qty: Decimal, mid: Decimal, max_notional: Decimal, skew_bps: Decimal
) -> Decimal:
    """How far the adding side moves away from the mark: ``skew_bps`` in proportion to how
    much of the limit the position uses, never more than ``skew_bps``."""
    if skew_bps <= 0 or position_qty == 0 or max_notional <= 0 or mid <= 0:
        return ZERO
    used = min(ONE, abs(position_qty) * mid / max_notional)
    return (skew_bps * used).quantize(Decimal("0.0001"))


def skew_offset(side: Side, offset_bps: Decimal, shift_bps: Decimal, edge_bps: Decimal) -> Decimal:
    """A side's signed offset from the mark (bids negative) moved ``shift_bps`` away from
    the mark, but not past the band's usable edge when it was inside it."""
    if shift_bps <= 0:
        return offset_bps
    away = -1 if side is Side.BUY else 1
    moved = offset_bps + away * shift_bps
    distance = abs(offset_bps) if offset_bps * away >= 0 else ZERO
    if distance > edge_bps:
        return moved  # already outside the band: it earns nothing either way
    if abs(moved) > edge_bps:
        return away * edge_bps
    return moved


@dataclass(frozen=True)
class Skew:
    """The adding side and how far it moves (None / 0: no skew this pass)."""

    side: Side | None
    shift_bps: Decimal

    def applies_to(self, side: Side) -> bool:
        return self.side is side and self.shift_bps > 0


NO_SKEW = Skew(None, ZERO)


def skew_for(settings: BotSettings, position_qty: Decimal, mid: Decimal) -> Skew:
    side = adding_side(position_qty)
    shift = skew_shift_bps(position_qty, mid, settings.max_notional, settings.inventory_skew_bps)
    return Skew(side, shift) if side is not None and shift > 0 else NO_SKEW


# ---------------------------------------------------------------- post-fill cooldown


def filled_side(before: Decimal, after: Decimal) -> Side | None:
    """Which side was filled, from the change of the position: bought when it rose."""
    if after == before:
        return None
    return Side.BUY if after > before else Side.SELL


# ---------------------------------------------------------------- flattening


@dataclass(frozen=True)
class FlattenOrder:
    quote: Quote
    time_in_force: str  # "alo": maker at the touch; "ioc": taker through it
    taker: bool


def reduce_only_allowance(position_qty: Decimal, others: Iterable[LiveOrder]) -> Decimal:
    """How much a new reduce-only order may be for, by StandX's rule: the position less
    what every other reduce-only order of ours still live on the reducing side has left
    (pending, resting, or with its cancel in flight: the exchange still holds it). Never
    below zero."""
    if position_qty == 0:
        return ZERO
    reducing = Side.SELL if position_qty > 0 else Side.BUY
    pending = sum(
        (o.qty - o.fill_qty for o in others if o.side is reducing and o.state.is_live), ZERO
    )
    return max(abs(position_qty) - pending, ZERO)


def flatten_order(
    position_qty: Decimal,
    top: BookTop,
    spec: SymbolSpec,
    taker: bool,
    allowance: Decimal | None = None,
) -> FlattenOrder | None:
    """The reduce-only order that closes the position (None when flat or below one lot),
    for at most ``allowance`` (``reduce_only_allowance``; None: the whole position).
    Maker: at our own side's touch (a sell at the best ask), post-only. Taker: IOC priced
    TAKER_SLIP_BPS through the opposite touch, so it trades at once and never rests."""
    wanted = abs(position_qty) if allowance is None else min(abs(position_qty), allowance)
    qty = round_down_to_tick(wanted, spec.qty_tick)
    if qty <= 0:
        return None
    side = Side.SELL if position_qty > 0 else Side.BUY
    tick = spec.price_tick
    if taker:
        slip = TAKER_SLIP_BPS / BPS
        price = (
            round_down_to_tick(top.best_bid * (1 - slip), tick)
            if side is Side.SELL
            else round_up_to_tick(top.best_ask * (1 + slip), tick)
        )
    else:
        price = top.best_ask if side is Side.SELL else top.best_bid
    if price <= 0:
        return None
    return FlattenOrder(Quote(side, price, qty), "ioc" if taker else "alo", taker)


def flatten_wanted(settings: BotSettings, why: str) -> bool:
    """Whether a stop ("stop", "shutdown") or a kill ("kill") flattens, per the config."""
    return settings.flatten_on_kill if why == "kill" else settings.flatten_on_stop


# ---------------------------------------------------------------- rules between fields


def inventory_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Inventory values that contradict each other: field -> why, in a trader's words.
    MAX_NOTIONAL below one order's notional would shrink the very first order of a flat
    bot (it would never quote the configured size). Values that do not parse are left to
    their own validation. Pure: BotConfig.clean() and the settings both call it."""
    limit = _number(values, "max_notional")
    sizes = [n for n in (_number(values, "bid_notional"), _number(values, "ask_notional")) if n]
    if limit is None or limit <= 0 or not sizes or limit >= max(sizes):
        return {}
    largest = max(sizes)
    return {
        "max_notional": (
            f"MAX_NOTIONAL ({plain(limit)}) is below one order's notional "
            f"({plain(largest)}): even a flat bot could not place a full order. Make "
            f"MAX_NOTIONAL at least BID_NOTIONAL and ASK_NOTIONAL (e.g. 5 x the order "
            "notional: five fills on one side)."
        )
    }


def _number(values: Mapping[str, Any], name: str) -> Decimal | None:
    try:
        number = Decimal(str(values[name]))
    except (KeyError, ArithmeticError):
        return None
    return number if number.is_finite() else None
