"""PURE: book top + strategy parameters + symbol spec -> the desired bid and ask.

No Django, no I/O, no clock. Decimal for every price, size and notional.

How each rule of the original product is read (the names are the original env names):

- Reference price: the mid of the book top, ``BookTop.mid = (best_bid + best_ask) / 2``.
  A crossed or locked book (best_bid >= best_ask), a non-positive mid or a disabled symbol
  gives no quotes at all (reasons ``crossed_book``, ``no_mid``, ``symbol_disabled``).
- SPREAD_BPS is the distance of EACH side from the mid (the half-spread), so the quoted
  width is 2 x SPREAD_BPS: ``bid = mid * (1 - SPREAD_BPS/10000)``, ``ask = mid * (1 +
  SPREAD_BPS/10000)``. The bid is rounded DOWN and the ask UP to ``price_tick`` (never
  tighter than asked). A price already on a tick is left where it is.
- MAX_SPREAD_DEVIATION_BPS caps the distance of a quote from the mid. A side beyond the cap
  is clamped inward to the cap and rounded INWARD (bid up, ask down) so it stays within the
  cap and on tick. If no on-tick price within the cap is left for a side (tick coarser than
  the cap) the side is dropped: ``beyond_max_deviation``.
- Never come within PROXIMITY_GUARD_BPS of the opposite best price (decide would replace
  such a quote at once, and ALO rejects a crossing one): a bid >= best_ask * (1 - guard)
  moves to the largest tick strictly below that limit, an ask <= best_bid * (1 + guard) to
  the smallest tick strictly above it (guard 0: strictly inside the touch). With SPREAD_BPS
  wider than the guard (settings refuse anything else) this only happens after the clamp
  above; it is the safety net that makes a requote loop impossible whatever the settings,
  and the cap check runs after it, so a moved price beyond the cap is still dropped. If
  both sides survive but bid >= ask (only possible when the tick is coarser than the cap)
  both are dropped: ``no_spread_within_deviation``.
- ``anchors`` (the band strategy, trading/core/band.py): the raw bid and ask prices come
  from the caller (offsets from the mark) instead of mid ± SPREAD_BPS; every rule below
  (rounding away from the touch, the deviation cap, the guard, sizes) applies the same.
- Sizes: ``BID_NOTIONAL / bid_price`` and ``ASK_NOTIONAL / ask_price`` rounded DOWN to the
  lot (``qty_tick``) so the configured notional is never exceeded. Below the minimum order
  the size is one lot, unless the symbol's ``min_qty`` is larger, then ``min_qty`` (rounded
  up to a whole lot if the exchange lists a min_qty that is not one). A symbol ``max_qty``
  caps the size (rounded down to the lot).
- MAX_NOTIONAL: the position is valued at the mid, ``|position_qty| * mid``. A side ADDS
  exposure when it would grow |position| (the bid when flat or long, the ask when flat or
  short). For an adding side ``|position| * mid + qty * price <= MAX_NOTIONAL`` must hold:
  the size is reduced to the largest lot multiple that fits, and the side is dropped
  (``max_notional``) when not even the minimum order fits. The reducing side is always
  allowed. The quote for a side replaces whatever rests on that side, so "resting notional
  on a side" is that quote's notional; the brief overlap of make-before-break is decide's
  business (its ``allow_overlap`` flag).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from trading.core.bot_settings import BotSettings
from trading.core.domain import BPS, BookTop, Quote, Side, SymbolSpec, plain

ZERO = Decimal("0")


@dataclass(frozen=True)
class QuoteParams:
    spread_bps: Decimal
    bid_notional: Decimal
    ask_notional: Decimal
    max_spread_deviation_bps: Decimal
    max_notional: Decimal
    proximity_guard_bps: Decimal = ZERO

    @classmethod
    def from_settings(cls, settings: BotSettings) -> QuoteParams:
        return cls(
            settings.spread_bps,
            settings.bid_notional,
            settings.ask_notional,
            settings.max_spread_deviation_bps,
            settings.max_notional,
            settings.proximity_guard_bps,
        )


@dataclass(frozen=True)
class QuoteResult:
    """Desired quotes. A side that is None has a reason in ``bid_reason``/``ask_reason``.

    ``capped`` holds the sides whose size MAX_NOTIONAL reduced; ``notes`` records
    adjustments (clamps, touch moves, size caps) for the event log.
    """

    mid: Decimal | None
    bid: Quote | None
    ask: Quote | None
    bid_reason: str | None = None
    ask_reason: str | None = None
    capped: frozenset[Side] = frozenset()
    notes: tuple[str, ...] = ()

    def quote_for(self, side: Side) -> Quote | None:
        return self.bid if side is Side.BUY else self.ask


def round_down_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    return (value / tick).to_integral_value(rounding=ROUND_FLOOR) * tick


def round_up_to_tick(value: Decimal, tick: Decimal) -> Decimal:
    return (value / tick).to_integral_value(rounding=ROUND_CEILING) * tick


def min_order_qty(spec: SymbolSpec) -> Decimal:
    """One lot, or the exchange minimum when larger (kept on the lot grid)."""
    return max(spec.qty_tick, round_up_to_tick(spec.min_qty, spec.qty_tick))


def qty_for_notional(notional: Decimal, price: Decimal, spec: SymbolSpec) -> Decimal:
    qty = max(round_down_to_tick(notional / price, spec.qty_tick), min_order_qty(spec))
    if spec.max_qty is not None:
        qty = min(qty, round_down_to_tick(spec.max_qty, spec.qty_tick))
    return qty


def adds_exposure(side: Side, position_qty: Decimal) -> bool:
    if position_qty == 0:
        return True
    return (side is Side.BUY) == (position_qty > 0)


@dataclass(frozen=True)
class _SidePrice:
    price: Decimal | None
    reason: str | None
    notes: tuple[str, ...]


def _bid_price(
    top: BookTop, mid: Decimal, params: QuoteParams, tick: Decimal, anchor: Decimal | None = None
) -> _SidePrice:
    cap = mid * params.max_spread_deviation_bps / BPS
    notes: list[str] = []
    raw = mid * (1 - params.spread_bps / BPS) if anchor is None else anchor
    price = round_down_to_tick(raw, tick)
    if mid - price > cap:
        price = round_up_to_tick(mid - cap, tick)
        notes.append("bid:clamped_to_max_deviation")
    limit = top.best_ask * (1 - params.proximity_guard_bps / BPS)
    if price >= limit:
        price = round_up_to_tick(limit, tick) - tick
        notes.append("bid:moved_below_best_ask")
    return _check_price(price, mid, cap, tuple(notes))


def _ask_price(
    top: BookTop, mid: Decimal, params: QuoteParams, tick: Decimal, anchor: Decimal | None = None
) -> _SidePrice:
    cap = mid * params.max_spread_deviation_bps / BPS
    notes: list[str] = []
    raw = mid * (1 + params.spread_bps / BPS) if anchor is None else anchor
    price = round_up_to_tick(raw, tick)
    if price - mid > cap:
        price = round_down_to_tick(mid + cap, tick)
        notes.append("ask:clamped_to_max_deviation")
    limit = top.best_bid * (1 + params.proximity_guard_bps / BPS)
    if price <= limit:
        price = round_down_to_tick(limit, tick) + tick
        notes.append("ask:moved_above_best_bid")
    return _check_price(price, mid, cap, tuple(notes))


def _check_price(price: Decimal, mid: Decimal, cap: Decimal, notes: tuple[str, ...]) -> _SidePrice:
    if price <= 0:
        return _SidePrice(None, "non_positive_price", notes)
    if abs(price - mid) > cap:
        return _SidePrice(None, "beyond_max_deviation", notes)
    return _SidePrice(price, None, notes)


@dataclass(frozen=True)
class _SideSize:
    qty: Decimal | None
    reason: str | None
    capped: bool


def _size(
    side: Side,
    price: Decimal,
    mid: Decimal,
    position_qty: Decimal,
    spec: SymbolSpec,
    params: QuoteParams,
) -> _SideSize:
    notional = params.bid_notional if side is Side.BUY else params.ask_notional
    qty = qty_for_notional(notional, price, spec)
    if not adds_exposure(side, position_qty):
        return _SideSize(qty, None, False)
    room = params.max_notional - abs(position_qty) * mid
    if qty * price <= room:
        return _SideSize(qty, None, False)
    fitting = round_down_to_tick(max(room, ZERO) / price, spec.qty_tick)
    if fitting < min_order_qty(spec):
        return _SideSize(None, "max_notional", True)
    return _SideSize(fitting, None, True)


def _unquotable_reason(top: BookTop, spec: SymbolSpec) -> str | None:
    if not spec.enabled:
        return "symbol_disabled"
    if top.crossed:
        return "crossed_book"
    if top.mid <= 0:
        return "no_mid"
    return None


def compute_quotes(
    top: BookTop,
    spec: SymbolSpec,
    params: QuoteParams,
    position_qty: Decimal = ZERO,
    anchors: tuple[Decimal, Decimal] | None = None,
) -> QuoteResult:
    """The desired bid and ask for this book top; see the module docstring for the rules."""
    blocked = _unquotable_reason(top, spec)
    if blocked:
        return QuoteResult(None, None, None, blocked, blocked)
    prices = _prices(top, params, spec.price_tick, anchors)
    sides = {
        side: _sized(side, price, top.mid, position_qty, spec, params)
        for side, price in prices.items()
    }
    bid, ask = sides[Side.BUY], sides[Side.SELL]
    notes = tuple(note for side in (bid, ask) for note in side.notes)
    capped = frozenset(side for side, sized in sides.items() if sized.capped)
    return QuoteResult(top.mid, bid.quote, ask.quote, bid.reason, ask.reason, capped, notes)


def _prices(
    top: BookTop, params: QuoteParams, tick: Decimal, anchors: tuple[Decimal, Decimal] | None
) -> dict[Side, _SidePrice]:
    """Each side's price, or why none (both dropped when they would meet)."""
    bid_at, ask_at = anchors if anchors is not None else (None, None)
    prices = {
        Side.BUY: _bid_price(top, top.mid, params, tick, bid_at),
        Side.SELL: _ask_price(top, top.mid, params, tick, ask_at),
    }
    bid_p, ask_p = prices[Side.BUY].price, prices[Side.SELL].price
    if bid_p is not None and ask_p is not None and bid_p >= ask_p:
        reason = "no_spread_within_deviation"
        prices = {side: _SidePrice(None, reason, sp.notes) for side, sp in prices.items()}
    return prices


@dataclass(frozen=True)
class _SideQuote:
    quote: Quote | None
    reason: str | None
    capped: bool
    notes: tuple[str, ...]


def _sized(
    side: Side,
    price: _SidePrice,
    mid: Decimal,
    position_qty: Decimal,
    spec: SymbolSpec,
    params: QuoteParams,
) -> _SideQuote:
    if price.price is None:
        return _SideQuote(None, price.reason, False, price.notes)
    size = _size(side, price.price, mid, position_qty, spec, params)
    notes = price.notes + ((f"{_label(side)}:capped_by_max_notional",) if size.capped else ())
    quote = None if size.qty is None else Quote(side, price.price, size.qty)
    return _SideQuote(quote, size.reason, size.capped, notes)


def _label(side: Side) -> str:
    return "bid" if side is Side.BUY else "ask"


# ---------------------------------------------------------------- settings that loop by design


def _bps_value(values: Mapping[str, Any], name: str) -> Decimal | None:
    """The setting as a finite Decimal, or None when absent or not a number (its own
    validation reports that; the loop rules only judge values that parse)."""
    try:
        number = Decimal(str(values[name]))  # str(None) is "None": not a number either
    except (KeyError, ArithmeticError):
        return None
    return number if number.is_finite() else None


# The distances a fresh quote keeps from the mid: (field, variable, how it applies).
_LOOP_DISTANCES = (
    ("spread_bps", "SPREAD_BPS", "each side sits SPREAD_BPS from the mid"),
    (
        "max_spread_deviation_bps",
        "MAX_SPREAD_DEVIATION_BPS",
        "quotes are clamped to MAX_SPREAD_DEVIATION_BPS from the mid",
    ),
)


def loop_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Strategy values under which every fresh quote is already a requote trigger, so each
    replacement is replaced at once (a requote loop): field -> why, in words a trader reads.

    Derived from compute_quotes above and decide.trigger_for's ``proximity`` rule (a bid
    at or above ``best_ask * (1 - guard)``, an ask at or below ``best_bid * (1 + guard)``):
    - A side sits SPREAD_BPS from the mid (the bid rounded down, the ask up) and the
      opposite touch is beyond the mid (a crossed book gets no quotes), so
      ``bid <= mid * (1 - spread) < best_ask * (1 - guard)`` whenever spread > guard: a
      fresh quote is never "near the touch", on any book and tick. With spread < guard, a
      liquid market's one-tick book puts every fresh quote inside the guard (once the gap
      is wider than a tick or so); equal values leave it on the guard's very edge, where
      the touch moving by half a book width triggers it. Both are refused.
    - A side further than MAX_SPREAD_DEVIATION_BPS is clamped to it, so a cap <= guard
      does the same to every clamped quote, whatever the spread. (BotConfig.clean and the
      settings also refuse SPREAD_BPS > MAX_SPREAD_DEVIATION_BPS, so no quote is clamped.)
    The other triggers are not self-inflicted: ``stale`` and ``drift`` need time or the
    market to move, ``exposure`` and ``config`` are consumed by the replacement itself.
    Values that are missing, not numbers or out of their own range (a distance <= 0, a
    negative guard) are left to their own validation: one message per mistake.
    Pure (no Django): BotConfig.clean() and the settings (BOT_DEFAULTS) both call it.
    """
    guard = _bps_value(values, "proximity_guard_bps")
    if guard is None or guard < 0:
        return {}
    problems: dict[str, str] = {}
    for field, name, why in _LOOP_DISTANCES:
        distance = _bps_value(values, field)
        if distance is not None and 0 < distance <= guard:
            problems[field] = (
                f"{name} ({plain(distance)}) is not wider than PROXIMITY_GUARD_BPS "
                f"({plain(guard)}). As {why}, every new bid would be within "
                "PROXIMITY_GUARD_BPS of the best ask (and every new ask within it of the best "
                "bid), so it would be replaced at once: a requote loop; make "
                f"{name} wider than PROXIMITY_GUARD_BPS."
            )
    return problems
