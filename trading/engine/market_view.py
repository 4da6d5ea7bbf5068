"""What the engine knows about the market and its feeds: latest book, price tick, mark, and the
state of each stream. Plain state, updated from stream events; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import Book, BookTop, PriceTick

CONNECTED, DISCONNECTED, STALE = "connected", "disconnected", "stale"


def feed_state(stream_state: str) -> str:
    """StreamStatus.state -> the snapshot's feed state ('fresh' is 'connected' again)."""
    return CONNECTED if stream_state in ("connected", "fresh") else stream_state


@dataclass
class MarketView:
    symbol: str
    book: Book | None = None
    tick: PriceTick | None = None
    mark: Decimal | None = None
    last_message_at: float | None = None
    market_feed: str = DISCONNECTED
    account_feed: str = DISCONNECTED
    trusted_after: float = float("-inf")  # books received before this are not quoted from
    # When one of our orders last filled: a book received before it shows the market before
    # the fill (a fill means the market reached our price), so nothing is placed from it.
    filled_at: float = float("-inf")

    def reset(self, symbol: str) -> None:
        """A symbol switch: nothing we knew applies any more."""
        self.symbol, self.book, self.tick, self.mark = symbol, None, None, None
        self.last_message_at = None

    def on_book(self, book: Book) -> bool:
        """Take a depth_book snapshot; False when it is for another symbol (stale switch)."""
        if book.symbol != self.symbol:
            return False
        self.book = book
        self.last_message_at = book.received_at
        return True

    def on_price(self, tick: PriceTick) -> bool:
        """Take a price tick; True when the mark changed (the uptime band moves with it)."""
        if tick.symbol != self.symbol:
            return False
        self.tick = tick
        self.last_message_at = tick.received_at
        changed = tick.mark_price is not None and tick.mark_price != self.mark
        if tick.mark_price is not None:
            self.mark = tick.mark_price
        return changed

    def on_fill(self, moment: float) -> None:
        """One of ours filled (the order or trade frame came in at ``moment``)."""
        self.filled_at = max(self.filled_at, moment)

    def book_before_fill(self) -> bool:
        """The book we have was received before our last fill: the pass may cancel from
        it, never place (a replacement priced from it could cross the market that took
        the fill, and be rejected). The next depth_book clears it; a feed that sends none
        goes stale and pulls our quotes (engine housekeeping)."""
        return self.book is not None and self.book.received_at <= self.filled_at

    def distrust_before(self, moment: float) -> None:
        """After a time jump: what was received until now may be old news."""
        self.trusted_after = moment

    def trusted(self) -> bool:
        return self.book is not None and self.book.received_at > self.trusted_after

    def top(self) -> BookTop | None:
        return self.book.top(self.mark) if self.book is not None else None

    def age(self, now: float) -> float | None:
        return None if self.last_message_at is None else max(0.0, now - self.last_message_at)

    def usable(self, now: float, stale_after: float) -> bool:
        """May we quote from this market data? Connected, not stale, and recent."""
        age = self.age(now)
        return (
            self.market_feed == CONNECTED
            and self.book is not None
            and age is not None
            and age <= stale_after
        )
