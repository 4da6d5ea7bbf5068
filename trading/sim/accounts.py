"""Accounts of the simulated exchange: orders, positions, balance and margin arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from trading.core.domain import Side
from trading.sim.symbols import SYMBOLS

ZERO = Decimal("0")
# Internal status of an accepted order that has not reached the matching engine yet.
PENDING = "new"
LIVE_STATUSES = frozenset({PENDING, "open"})


@dataclass
class SimOrder:
    id: int
    cl_ord_id: str
    user: str
    symbol: str
    side: Side
    order_type: str
    time_in_force: str
    reduce_only: bool
    price: Decimal | None
    qty: Decimal
    leverage: int
    locked: Decimal  # margin held while the order is live
    created_at: float
    updated_at: float
    fill_qty: Decimal = ZERO
    fill_value: Decimal = ZERO
    status: str = PENDING
    session_id: str | None = None  # ws-api session to receive the async result
    request_id: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.qty - self.fill_qty

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def limit_price(self) -> Decimal:
        """The price of a limit order (every order that rests or is checked for crossing)."""
        if self.price is None:
            raise ValueError(f"order {self.id} is a market order: it has no limit price")
        return self.price

    @property
    def fill_avg_price(self) -> Decimal:
        return self.fill_value / self.fill_qty if self.fill_qty else ZERO


@dataclass
class SimPosition:
    symbol: str
    id: int
    qty: Decimal = ZERO  # signed, negative = short
    entry_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    created_at: float = 0.0
    updated_at: float = 0.0

    def apply_fill(self, side: Side, qty: Decimal, price: Decimal) -> Decimal:
        """Update qty/entry for a fill; returns the realized PnL of the reduced part."""
        signed = qty if side is Side.BUY else -qty
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            total = abs(self.qty) + qty
            self.entry_price = (abs(self.qty) * self.entry_price + qty * price) / total
            self.qty += signed
            return ZERO
        closed = min(abs(self.qty), qty)
        direction = 1 if self.qty > 0 else -1
        pnl = (price - self.entry_price) * closed * direction
        self.realized_pnl += pnl
        self.qty += signed
        if self.qty == 0:
            self.entry_price = ZERO
        elif (self.qty > 0) != (direction > 0):
            self.entry_price = price  # flipped: the remainder opened at this price
        return pnl


@dataclass
class Account:
    user: str
    address: str
    pubkey: bytes
    balance: Decimal  # cross wallet balance: deposits + realized pnl - fees
    leverage: dict[str, int] = field(default_factory=dict)
    margin_mode: dict[str, str] = field(default_factory=dict)  # symbol -> cross | isolated
    positions: dict[str, SimPosition] = field(default_factory=dict)
    orders: dict[int, SimOrder] = field(default_factory=dict)
    by_cl_ord_id: dict[str, int] = field(default_factory=dict)
    trades: list[dict] = field(default_factory=list)

    def live_orders(self, symbol: str | None = None) -> list[SimOrder]:
        return [
            o for o in self.orders.values() if o.live and (symbol is None or o.symbol == symbol)
        ]

    def find_order(self, order_id: int | None, cl_ord_id: str | None) -> SimOrder | None:
        if order_id is not None:
            return self.orders.get(order_id)
        if cl_ord_id is not None and cl_ord_id in self.by_cl_ord_id:
            return self.orders[self.by_cl_ord_id[cl_ord_id]]
        return None

    def locked(self) -> Decimal:
        return sum((o.locked for o in self.orders.values() if o.live), ZERO)

    def position_margin(self, marks: dict[str, Decimal]) -> Decimal:
        return sum((self.margin_of(p, marks[s]) for s, p in self.positions.items() if p.qty), ZERO)

    def margin_of(self, p: SimPosition, mark: Decimal) -> Decimal:
        """Initial margin of one position at the mark (the same figure query_positions shows)."""
        return abs(p.qty) * mark / self.leverage_for(p.symbol, SYMBOLS[p.symbol].def_leverage)

    def upnl(self, marks: dict[str, Decimal]) -> Decimal:
        return sum((upnl_of(p, marks[s]) for s, p in self.positions.items() if p.qty), ZERO)

    def available(self, marks: dict[str, Decimal]) -> Decimal:
        """cross_available = balance - margin - locked + upnl (docs/standx-protocol.md §3.3)."""
        return self.balance - self.position_margin(marks) - self.locked() + self.upnl(marks)

    def leverage_for(self, symbol: str, default: int) -> int:
        return self.leverage.get(symbol, default)

    def margin_mode_for(self, symbol: str) -> str:
        return self.margin_mode.get(symbol, "cross")


def upnl_of(p: SimPosition, mark: Decimal) -> Decimal:
    return (mark - p.entry_price) * p.qty
