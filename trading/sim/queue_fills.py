"""When a resting order fills in a market the simulator does not make: a recording
(`runsim --replay`) or StandX's live public streams (paper mode). The orders are virtual:
nobody else saw them, so each waits in a queue behind the size displayed at its price when
it rested, and fills only when the public market shows that queue traded through.

For a resting buy at price P (a sell mirrors it):
- at rest: `ahead` = the displayed bid size at P (0 when P improves the best bid);
- every book: `ahead` = min(ahead, displayed bid size at P): whoever was ahead is in that
  level, so it cannot hold more than the level shows. Size leaving a level that still holds
  more than `ahead` is taken to have left from behind us (the cautious reading);
- every book whose best ask is at or below P: the book crossed the order, so a seller traded
  through it: it fills completely;
- a public trade whose taker sold: below P, it traded through P, so the order fills
  completely; at P, the trade's size first takes `ahead`, then fills our orders at P in the
  order they rested; above P, nothing.

Fills are at the order's own price, as a maker. Pure: the matching engine (matching.py)
applies what these functions return.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from trading.core.domain import Level, Side
from trading.sim.accounts import ZERO, SimOrder
from trading.sim.market import PublicTrade, SymbolMarket

Fill = tuple[SimOrder, Decimal]


def displayed(levels: Iterable[Level], price: Decimal) -> Decimal:
    return sum((lv.qty for lv in levels if lv.price == price), ZERO)


def _side_levels(market: SymbolMarket, side: Side) -> tuple[Level, ...]:
    return market.bids if side is Side.BUY else market.asks


def _crossed(side: Side, price: Decimal, opposite_best: Decimal) -> bool:
    """A buy at `price` is crossed by an ask at or below it, a sell by a bid at or above it."""
    return opposite_best <= price if side is Side.BUY else opposite_best >= price


class QueueFills:
    def __init__(self) -> None:
        self.ahead: dict[int, Decimal] = {}  # order id -> size displayed ahead of it

    def rested(self, order: SimOrder, market: SymbolMarket) -> None:
        self.ahead[order.id] = displayed(_side_levels(market, order.side), order.limit_price)

    def left(self, order_id: int) -> None:
        self.ahead.pop(order_id, None)

    def on_book(self, orders: Iterable[SimOrder], market: SymbolMarket) -> list[Fill]:
        fills = []
        for order in orders:
            price = order.limit_price
            opposite = _side_levels(market, order.side.opposite)
            if opposite and _crossed(order.side, price, opposite[0].price):
                fills.append((order, order.remaining))
                continue
            shown = displayed(_side_levels(market, order.side), price)
            self.ahead[order.id] = min(self.ahead.get(order.id, ZERO), shown)
        return fills

    def on_trade(self, orders: Iterable[SimOrder], trade: PublicTrade) -> list[Fill]:
        hit = Side.SELL if trade.is_buyer_taker else Side.BUY  # the side the taker took from
        fills: list[Fill] = []
        left = trade.qty
        in_turn = sorted(  # price, then the order they were placed in
            (o for o in orders if o.side is hit),
            key=lambda o: (-o.limit_price if hit is Side.BUY else o.limit_price, o.id),
        )
        for order in in_turn:
            price = order.limit_price
            beyond = trade.price < price if hit is Side.BUY else trade.price > price
            if beyond:
                fills.append((order, order.remaining))  # the trade went past our price
            elif price == trade.price:
                ahead = self.ahead.get(order.id, ZERO)
                taken = min(ahead, left)
                self.ahead[order.id] = ahead - taken
                left -= taken
                qty = min(left, order.remaining)
                if qty > 0:
                    left -= qty
                    fills.append((order, qty))
        return fills
