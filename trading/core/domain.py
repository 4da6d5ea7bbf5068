"""Value objects shared by the client, the simulator, the pure core and the engine.

Frozen dataclasses, Decimal for every price, size and amount. Times are float seconds
since the epoch (UTC) unless a name says otherwise; nothing here reads a clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

BPS = Decimal("10000")


def plain(value: Decimal) -> str:
    """The one way a Decimal is written as text: as a person writes it, 50 not 50.0000 (a
    column's scale) or 5E+1, 0.5 not .5, never in exponent form."""
    return format(value.normalize(), "f")


def plain_or_none(value: Decimal | None) -> str | None:
    return None if value is None else plain(value)


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class RunState(enum.StrEnum):
    """Whether a bot quotes. Persisted in BotConfig.run_state; killed stays killed until a
    person starts the bot again."""

    RUNNING = "running"
    STOPPED = "stopped"
    KILLED = "killed"


@dataclass(frozen=True)
class SymbolSpec:
    symbol: str
    price_tick: Decimal  # e.g. 0.01
    qty_tick: Decimal  # lot, e.g. 0.0001
    min_qty: Decimal  # min_order_qty
    max_qty: Decimal | None = None
    max_open_orders: int | None = None
    max_leverage: int | None = None
    enabled: bool = True


@dataclass(frozen=True)
class Level:
    price: Decimal
    qty: Decimal


@dataclass(frozen=True)
class Book:
    """A full depth_book snapshot, levels sorted: bids descending, asks ascending."""

    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    received_at: float = 0.0  # local receive time (epoch seconds)

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    def top(self, mark: Decimal | None = None) -> BookTop | None:
        if not self.bids or not self.asks:
            return None
        return BookTop(self.symbol, self.bids[0].price, self.asks[0].price, mark, self.received_at)


@dataclass(frozen=True)
class BookTop:
    symbol: str
    best_bid: Decimal
    best_ask: Decimal
    mark: Decimal | None = None
    received_at: float = 0.0

    @property
    def mid(self) -> Decimal:
        return (self.best_bid + self.best_ask) / 2

    @property
    def crossed(self) -> bool:
        return self.best_bid >= self.best_ask


@dataclass(frozen=True)
class PriceTick:
    """The `price` channel / query_symbol_price payload."""

    symbol: str
    mark_price: Decimal | None
    index_price: Decimal | None
    last_price: Decimal | None
    mid_price: Decimal | None
    best_bid: Decimal | None
    best_ask: Decimal | None
    time: str = ""
    received_at: float = 0.0


@dataclass(frozen=True)
class Quote:
    """A desired resting order (what quoting proposes)."""

    side: Side
    price: Decimal
    qty: Decimal


@dataclass(frozen=True)
class ExchangeOrder:
    """An order as the exchange reports it (REST query or `order` channel)."""

    id: int | None
    cl_ord_id: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fill_qty: Decimal
    status: str  # open, new, partially_filled, filled, canceled, rejected, ...
    order_type: str = "limit"
    time_in_force: str = "alo"
    fill_avg_price: Decimal = Decimal("0")
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class Fill:
    """A user trade (`trade` channel / query_trades row)."""

    id: int | None
    order_id: int | None
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal = Decimal("0")
    time: str = ""
    pnl: Decimal = Decimal("0")  # realised by this fill (the exchange's figure)


@dataclass(frozen=True)
class Position:
    symbol: str
    qty: Decimal  # signed: negative is short
    entry_price: Decimal = Decimal("0")
    mark_price: Decimal | None = None
    upnl: Decimal = Decimal("0")
    leverage: Decimal | None = None
    margin: Decimal | None = None  # initial margin the position holds


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    equity: Decimal
    cross_available: Decimal
    locked: Decimal = Decimal("0")
    upnl: Decimal = Decimal("0")


@dataclass(frozen=True)
class Ack:
    """Acknowledgement envelope of a write endpoint: submitted, not yet resting."""

    code: int = 0
    message: str = "success"
    request_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def bps_between(price: Decimal, reference: Decimal) -> Decimal:
    """Signed distance of price from reference in basis points."""
    return (price - reference) / reference * BPS


class OrderState(enum.StrEnum):
    """Our view of one of our orders. Explicit states: nothing is 'maybe'."""

    PENDING_NEW = "pending_new"  # request sent, exchange has not confirmed it rests
    OPEN = "open"  # confirmed resting (order channel or REST)
    PENDING_CANCEL = "pending_cancel"  # cancel sent, not yet confirmed
    CANCELED = "canceled"
    FILLED = "filled"
    REJECTED = "rejected"

    @property
    def is_live(self) -> bool:
        return self in (OrderState.PENDING_NEW, OrderState.OPEN, OrderState.PENDING_CANCEL)


@dataclass(frozen=True)
class LiveOrder:
    """One of our orders as the engine tracks it (input of the pure decide step)."""

    cl_ord_id: str
    side: Side
    price: Decimal
    qty: Decimal
    state: OrderState
    sent_at: float  # when we sent new_order
    ref_mid: Decimal  # mid the quote was priced from
    rested_at: float | None = None  # when the exchange confirmed it open
    exchange_id: int | None = None
    fill_qty: Decimal = Decimal("0")
    # The strategy it was priced under (OrderTracker.strategy_version): an order from an
    # older strategy is replaced with the reason "config".
    strategy_version: int = 0
