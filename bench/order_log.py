"""The reward benchmark's order figures (issue 21), from the simulator's own log of each
row's account, read before the engines stop: every order it created (GET /sim/orders?since=,
pending from its acceptance to the moment it left the book), every fill (query_trades) and
the request rejections counted in GET /sim/stats.

- max orders per side: the most quotes of ours live on one side at one moment (pending or
  resting, cancel in flight included: what the exchange holds). Reduce-only flattening
  orders are not quotes and are left out.
- exposure: the position plus the quotes live on the side that would grow it (both sides
  when flat, the larger one counts), in USD: the position at the price of its last fill, each
  order at its own price, a partly filled order at what is left of it. `exposure_max_usd` is
  its peak, `over_limit_pct` the share of the time it was above the row's MAX_NOTIONAL.
- rejected requests: every error answer to the account's requests and every order the
  matching engine rejected after the ack; `alo_rejected` and `reduce_only_refused` are the
  two reasons issue 21 is about.

Pure: lists of dicts in, figures out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from trading.core.times import iso_epoch

ZERO = Decimal("0")
ALO_REJECTED = "400 alo order rejected"
REDUCE_ONLY_REFUSED = "400 reduce_only order would not reduce the position"
LIVE = ("new", "open")


@dataclass(frozen=True)
class _Event:
    at: float
    rank: int  # at one moment: fills first, then orders leaving, then orders arriving
    kind: str
    order_id: int
    qty: Decimal = ZERO
    price: Decimal = ZERO


def order_figures(
    orders: list[dict], trades: list[dict], rejections: dict[str, int], limit: Decimal, until: float
) -> dict:
    """Max quotes per side, the exposure's peak and time over `limit`, rejected requests."""
    quotes = {o["id"]: o for o in orders if not o.get("reduce_only")}
    max_per_side, exposure_max, over_s, span = _sweep(quotes, trades, limit, until)
    return {
        "max_orders_per_side": max_per_side,
        "exposure_max_usd": round(float(exposure_max), 2),
        "over_limit_pct": round(over_s / span * 100, 2) if span > 0 else None,
        "rejected_requests": sum(rejections.values()),
        "alo_rejected": rejections.get(ALO_REJECTED, 0),
        "reduce_only_refused": rejections.get(REDUCE_ONLY_REFUSED, 0),
        "rejections": rejections,
    }


def _events(quotes: dict[int, dict], trades: list[dict], until: float) -> list[_Event]:
    events: list[_Event] = []
    for order in quotes.values():
        if order["created_at"] > until:
            continue  # created while the log was being read: after the measured span
        end = until if order["status"] in LIVE else min(order["updated_at"], until)
        events.append(_Event(order["created_at"], 2, "arrive", order["id"]))
        events.append(_Event(end, 1, "leave", order["id"]))
    for trade in trades:
        at = iso_epoch(trade["time"])
        if at is not None and at <= until:
            qty = Decimal(trade["qty"]) * (1 if trade["side"] == "buy" else -1)
            events.append(_Event(at, 0, "fill", trade["order_id"], qty, Decimal(trade["price"])))
    return sorted(events, key=lambda e: (e.at, e.rank))


def _sweep(
    quotes: dict[int, dict], trades: Iterable[dict], limit: Decimal, until: float
) -> tuple[int, Decimal, float, float]:
    live: dict[int, Decimal] = {}  # order id -> quantity left
    position, last_price = ZERO, ZERO
    most, peak, over_s = 0, ZERO, 0.0
    events = _events(quotes, list(trades), until)
    start = events[0].at if events else until
    previous_at, previous_exposure = start, ZERO
    for event in events:
        if previous_exposure > limit:
            over_s += event.at - previous_at
        if event.kind == "fill":
            position += event.qty
            last_price = event.price
            if event.order_id in live:
                live[event.order_id] -= abs(event.qty)
        elif event.kind == "arrive":
            live[event.order_id] = Decimal(quotes[event.order_id]["qty"])
        else:
            live.pop(event.order_id, None)
        per_side = {"buy": 0, "sell": 0}
        for order_id in live:
            per_side[quotes[order_id]["side"]] += 1
        most = max(most, *per_side.values())
        previous_at = event.at
        previous_exposure = _exposure(quotes, live, position, last_price)
        peak = max(peak, previous_exposure)
    if previous_exposure > limit:
        over_s += until - previous_at
    return most, peak, over_s, until - start


def _exposure(
    quotes: dict[int, dict], live: dict[int, Decimal], position: Decimal, price: Decimal
) -> Decimal:
    resting = {"buy": ZERO, "sell": ZERO}
    for order_id, left in live.items():
        order = quotes[order_id]
        resting[order["side"]] += max(left, ZERO) * Decimal(order["price"])
    held = abs(position) * price
    if position > 0:
        return held + resting["buy"]
    if position < 0:
        return held + resting["sell"]
    return max(resting.values())
