"""StandX's public market for some symbols, followed live: the public streams (`depth_book`,
`price`, `public_trade`, docs/standx-protocol.md §4.2-4.3) and public REST (symbol info,
depth and price, §3.1), as frames with their arrival times.

It holds no token and no signing key: its REST client has none to sign with (a private
call would fail before the network) and its stream never authenticates. After a reconnect
the time the stream was down becomes a `Gap`, followed by a fresh REST snapshot of each
symbol's book and price (the stream has no replay, §4.1).

Used by paper mode (the paper exchange follows it instead of a random walk,
trading/sim/feed.py) and by `manage.py recordmarket` (which writes what it delivers).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from trading.marketdata.frames import BOOK, MARKET_CHANNELS, PRICE, REST, Apply, Gap, MarketFrame
from trading.standx.errors import StandXError
from trading.standx.frames import RawFrame, parse_raw_stream_message
from trading.standx.rest import StandXRest
from trading.standx.stream import (
    CONNECTED,
    DISCONNECTED,
    StreamClient,
    StreamStatus,
    market_subscriptions,
)

log = logging.getLogger(__name__)
SNAPSHOT_PATHS = ((BOOK, "/api/query_depth_book"), (PRICE, "/api/query_symbol_price"))


class MarketDataError(Exception):
    """The public market could not be read (unreachable, or a symbol it does not list)."""


class LiveMarket:
    def __init__(
        self,
        api_base: str,
        ws_url: str,
        symbols: list[str],
        *,
        timeout: float = 5.0,
        stale_after: float = 5.0,
        clock: Callable[[], float] = time.time,
        listed_only: bool = False,
    ) -> None:
        """`listed_only`: follow those of `symbols` the exchange lists (at least one);
        otherwise every one must be listed."""
        self.api_base, self.ws_url, self.symbols = api_base, ws_url, list(symbols)
        self._listed_only = listed_only
        self._clock = clock
        self.rest = StandXRest(api_base, timeout=timeout, clock=clock)  # no token, no key
        self.stream = StreamClient(
            ws_url,
            [s for symbol in self.symbols for s in market_subscriptions(symbol)],
            name="public market",
            stale_after=stale_after,
            connect_timeout=timeout,
            clock=clock,
            parser=parse_raw_stream_message,
        )
        self.symbol_info: dict[str, dict[str, Any]] = {}
        self.initial: list[MarketFrame] = []
        self.counts: Counter[str] = Counter()  # frames by channel, "gaps"
        self.gap_seconds = 0.0
        self._apply: Apply | None = None
        self._down_since: float | None = None
        self._reason = ""

    async def prepare(self) -> None:
        """Each symbol's info, book and price over REST (MarketDataError when unreachable
        or not listed): what the market opens with."""
        try:
            rows = await self.rest.market_payload("/api/query_symbol_info")
        except StandXError as exc:
            raise MarketDataError(f"query_symbol_info at {self.api_base}: {exc}") from None
        if not isinstance(rows, list):
            raise MarketDataError(f"query_symbol_info at {self.api_base}: not a list")
        listed = {row.get("symbol"): row for row in rows if isinstance(row, dict)}
        missing = [s for s in self.symbols if s not in listed]
        if missing and (not self._listed_only or len(missing) == len(self.symbols)):
            raise MarketDataError(f"{self.api_base} does not list {', '.join(missing)}")
        self.symbols = [s for s in self.symbols if s in listed]
        self.symbol_info = {s: listed[s] for s in self.symbols}
        await self.stream.update_subscriptions(
            [s for symbol in self.symbols for s in market_subscriptions(symbol)]
        )
        self.initial = await self.snapshots()

    async def snapshots(self) -> list[MarketFrame]:
        """A REST book and price of every symbol, as frames."""
        frames = []
        for symbol in self.symbols:
            for channel, path in SNAPSHOT_PATHS:
                try:
                    data = await self.rest.market_payload(path, symbol)
                except StandXError as exc:
                    raise MarketDataError(f"{path} for {symbol}: {exc}") from None
                if not isinstance(data, dict):
                    raise MarketDataError(f"{path} for {symbol}: not a JSON object")
                frames.append(MarketFrame(self._clock(), channel, symbol, data, REST))
        return frames

    async def run(self, apply: Apply) -> None:
        """Deliver frames (and gaps) until cancelled; the stream reconnects by itself."""
        self._apply = apply
        await self.stream.run(self._on_event)

    async def aclose(self) -> None:
        await self.rest.aclose()

    def describe(self) -> dict[str, Any]:
        return {
            "source": "live",
            "api_base": self.api_base,
            "ws_url": self.ws_url,
            "symbols": self.symbols,
            "stream": self.stream.state,
            "frames": {c: self.counts[c] for c in MARKET_CHANNELS},
            "gaps": self.counts["gaps"],
            "gap_seconds": round(self.gap_seconds, 3),
        }

    def open_gap(self) -> Gap | None:
        """The outage still going on (the stream down, not yet back), up to now."""
        if self._down_since is None:
            return None
        return Gap(self._down_since, self._clock(), f"stream down: {self._reason}")

    async def _on_event(self, event: object) -> None:
        assert self._apply is not None
        if isinstance(event, RawFrame):
            if event.channel in MARKET_CHANNELS and event.symbol in self.symbols:
                self.counts[event.channel] += 1
                self._apply(MarketFrame(self._clock(), event.channel, event.symbol, event.data))
        elif isinstance(event, StreamStatus):
            await self._on_status(event)

    async def _on_status(self, status: StreamStatus) -> None:
        assert self._apply is not None
        if status.state == DISCONNECTED and self._down_since is None:
            self._down_since = self._clock()
            self._reason = status.detail
        elif status.state == CONNECTED and (gap := self.open_gap()) is not None:
            self._down_since = None
            self.counts["gaps"] += 1
            self.gap_seconds += gap.seconds
            self._apply(gap)
            try:
                frames = await self.snapshots()
            except MarketDataError as exc:  # the stream's next frames set the book anyway
                log.warning("public market: no REST snapshot after a reconnect: %s", exc)
                return
            for frame in frames:
                self._apply(frame)
