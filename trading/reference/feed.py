"""The reference venue's public price stream as a reconnecting websocket feed (no keys).

`ReferenceFeed(feed, symbol, ws_url).run(handler)` runs until cancelled and delivers to the
handler a `ReferencePrice` per price (with the local time it arrived) and `StreamStatus`
changes named "reference": `connected`, `disconnected` (once per outage), `stale` (no price
for `stale_after` seconds while connected) and `fresh` (prices again). It never gives up and
never stops anything: a reference that is down is the guard's business (it turns itself off).

Every wait is bounded: the connect and each send by `connect_timeout`, each read by the time
to the next staleness check or ping, a dead socket by the protocol ping, and a connection that
stays silent for `silent_reconnect_after` is rebuilt (a stuck stream). Reconnects follow the
project's one backoff rule (trading/core/backoff.py, jittered). Hyperliquid closes a
connection it has sent nothing to for 60 s, so a quiet one is kept with `{"method": "ping"}`
every `ping_interval`. A malformed message is logged and skipped (`skipped` counts them), a
venue's error message logged; neither ends the connection.

A small adapter on `websockets` (already the StandX client's), not ccxt's websocket API: see
docs/architecture.md ("Reference feed") for the measurements behind that choice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal, NoReturn

from websockets.asyncio.client import ClientConnection

from trading.core.backoff import Backoff
from trading.reference.frames import (
    PING,
    SUBSCRIBE_ALL_MIDS,
    ReferencePrice,
    VenueAck,
    VenueError,
    parse_binance,
    parse_hyperliquid,
)
from trading.reference.venues import BINANCE, HYPERLIQUID, check_symbol, stream_url
from trading.standx.errors import MalformedResponseError
from trading.standx.stream import (
    CONNECTED,
    DISCONNECTED,
    FRESH,
    STALE,
    Handler,
    StreamStatus,
    deliver_bounded,
    open_connection,
)
from trading.standx.values import snippet

log = logging.getLogger(__name__)
NAME = "reference"


class SilentStream(Exception):
    """Connected, but no price for so long that the stream is taken as stuck."""


class ReferenceFeed:
    def __init__(
        self,
        feed: str,
        symbol: str,
        ws_url: str,
        *,
        stale_after: float = 3.0,
        connect_timeout: float = 5.0,
        backoff_base: float = 0.25,
        backoff_max: float = 10.0,
        ping_interval: float = 20.0,
        protocol_ping_interval: float = 10.0,
        silent_reconnect_after: float = 30.0,
        handler_timeout: float = 5.0,
        proxy: str | Literal[True] | None = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if feed not in (BINANCE, HYPERLIQUID):
            raise ValueError(f"no reference venue {feed!r}")
        if not 0 < stale_after < silent_reconnect_after:
            raise ValueError("stale_after must be > 0 and below silent_reconnect_after")
        self.feed, self.symbol = feed, check_symbol(feed, symbol)
        self.url = stream_url(feed, ws_url, self.symbol)
        self._stale_after, self._silent_after = stale_after, silent_reconnect_after
        self._connect_timeout, self._ping_interval = connect_timeout, ping_interval
        self._protocol_ping = protocol_ping_interval
        self._backoff = Backoff(backoff_base, backoff_max, jitter=True)
        self._handler_timeout, self._proxy, self._clock = handler_timeout, proxy, clock
        self._state: str | None = None
        self._was_healthy = False
        self.latest: ReferencePrice | None = None
        self.skipped = 0  # malformed messages skipped since the feed was made

    def __repr__(self) -> str:
        return f"ReferenceFeed({self.feed!r}, {self.symbol!r}, url={self.url!r})"

    @property
    def state(self) -> str | None:
        return self._state

    async def run(self, handler: Handler) -> None:
        """Connect, subscribe and deliver prices and status changes until cancelled."""
        failures = 0
        while True:
            try:
                await self._session(handler)
                detail = "closed by the venue"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  every failure means "reconnect", never "stop"
                detail = f"{type(exc).__name__}: {snippet(exc)}".rstrip(": ")
            await self._report(handler, DISCONNECTED, detail)
            log.warning("reference feed (%s) disconnected: %s", self.feed, detail)
            failures = 0 if self._was_healthy else failures + 1
            await asyncio.sleep(self._backoff.delay(failures))

    async def _session(self, handler: Handler) -> None:
        self._was_healthy = False
        ws = await open_connection(
            self.url, self._connect_timeout, self._protocol_ping, self._proxy
        )
        try:
            if self.feed == HYPERLIQUID:
                await self._send(ws, SUBSCRIBE_ALL_MIDS)
            await self._report(handler, CONNECTED, self.url)
            await self._read_loop(ws, handler)
        finally:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    await ws.close()
            except (TimeoutError, OSError):
                pass  # the socket is being dropped anyway

    async def _read_loop(self, ws: ClientConnection, handler: Handler) -> NoReturn:
        loop = asyncio.get_running_loop()
        last_price = next_ping = loop.time()
        next_ping += self._ping_interval
        stale = False
        while True:
            now = loop.time()
            deadlines = [last_price + (self._silent_after if stale else self._stale_after)]
            if self.feed == HYPERLIQUID:
                deadlines.append(next_ping)
            try:
                async with asyncio.timeout(max(min(deadlines) - now, 0.0)):
                    raw = await ws.recv()
            except TimeoutError:
                now = loop.time()
                if self.feed == HYPERLIQUID and now >= next_ping:
                    await self._send(ws, PING)
                    next_ping = now + self._ping_interval
                silent = now - last_price
                if silent >= self._silent_after:
                    raise SilentStream(f"no price for {silent:.0f} s") from None
                if not stale and silent >= self._stale_after:
                    stale = True
                    await self._report(handler, STALE, f"no price for {self._stale_after:g} s")
                continue
            price = self._parse(raw)
            if price is None:
                continue
            last_price = loop.time()
            self._was_healthy = True
            if stale:
                stale = False
                await self._report(handler, FRESH, "")
            self.latest = price
            await deliver_bounded(handler, price, self._handler_timeout, log, "reference feed")

    def _parse(self, raw: str | bytes) -> ReferencePrice | None:
        received_at = self._clock()
        try:
            if self.feed == BINANCE:
                return parse_binance(raw, self.symbol, received_at)
            event = parse_hyperliquid(raw, self.symbol, received_at)
        except MalformedResponseError as exc:
            self.skipped += 1
            log.warning(
                "reference feed (%s): skipped a malformed message (%s): %r",
                self.feed,
                exc.message,
                snippet(raw),
            )
            return None
        except VenueError as exc:
            log.warning("reference feed (%s): %s", self.feed, exc)
            return None
        return None if isinstance(event, VenueAck) else event

    async def _report(self, handler: Handler, state: str, detail: str) -> None:
        if state == self._state and state == DISCONNECTED:
            return  # one "disconnected" per outage, not one per retry
        self._state = state
        status = StreamStatus(NAME, state, detail)
        await deliver_bounded(handler, status, self._handler_timeout, log, "reference feed")

    async def _send(self, ws: ClientConnection, text: str) -> None:
        async with asyncio.timeout(self._connect_timeout):
            await ws.send(text)
