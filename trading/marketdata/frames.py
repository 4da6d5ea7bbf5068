"""One public market frame with its arrival time, a gap in what was seen, and what a market
source (live or a recording) offers the simulator's feed-driven market (trading/sim/feed.py).

A frame keeps StandX's payload as it came (`data`, the `data` object of a `depth_book`,
`price` or `public_trade` frame, docs/standx-protocol.md §4.3, or a public REST answer of the
same shape, §3.1): fields the bot does not read today survive in a recording. It is parsed
when used, by the client's own parsers (trading/standx/frames.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from trading.standx.frames import BookEvent, PriceEvent, TradePrint, parse_channel_data

BOOK, PRICE, TRADE = "depth_book", "price", "public_trade"
MARKET_CHANNELS = (BOOK, PRICE, TRADE)
STREAM, REST = "stream", "rest"


@dataclass(frozen=True)
class MarketFrame:
    at: float  # local arrival time, epoch seconds
    channel: str  # depth_book | price | public_trade
    symbol: str
    data: dict[str, Any]  # the payload as StandX sent it
    source: str = STREAM  # or REST: a snapshot read over REST (at the start, after a gap)

    def event(self) -> BookEvent | PriceEvent | TradePrint:
        """The payload parsed (MalformedResponseError when it cannot be)."""
        event = parse_channel_data(self.channel, self.data, self.at)
        if not isinstance(event, BookEvent | PriceEvent | TradePrint):
            raise TypeError(f"{self.channel} is not a public market channel")
        return event


@dataclass(frozen=True)
class Gap:
    """A stretch in which nothing was seen (the stream was down, or the recorder was not
    running): the market then is unknown, not quiet."""

    start: float
    end: float
    reason: str

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


Apply = Callable[[MarketFrame | Gap], None]


class MarketSource(Protocol):
    """A market the simulator can follow instead of its random walk."""

    # symbol -> its row of query_symbol_info as the source has it (tick, lot, fees, ...)
    symbol_info: dict[str, dict[str, Any]]
    # A book and a price per symbol to open with, before `run` delivers anything.
    initial: list[MarketFrame]

    async def run(self, apply: Apply) -> None:
        """Deliver frames and gaps in order until the source ends or is cancelled."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the source is and how far it got (for GET /sim/stats)."""
        ...
