"""StandX ws-stream client: auth, subscribe, staleness, reconnect with jittered backoff.

One StreamClient owns one connection at a time and delivers parsed protocol events plus
StreamStatus changes to an async handler. It never gives up: failures are reported and the
connection is rebuilt (auth and every subscription resent; the stream has no replay, so the
engine reconciles account state by REST after a "connected" that follows a "disconnected").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from websockets.asyncio.client import ClientConnection, connect

from trading.core.backoff import Backoff
from trading.standx import frames, protocol
from trading.standx.errors import MalformedResponseError
from trading.standx.values import snippet

log = logging.getLogger(__name__)

ACCOUNT_CHANNELS = ("order", "position", "trade", "balance")
MARKET_CHANNELS = ("depth_book", "price", "public_trade")
CONNECTED, DISCONNECTED, STALE, FRESH = "connected", "disconnected", "stale", "fresh"


@dataclass(frozen=True)
class StreamStatus:
    name: str  # which stream ("market", "account", ...)
    state: str  # connected | disconnected | stale | fresh
    detail: str = ""


def market_subscriptions(symbol: str) -> list[dict[str, str]]:
    return [{"channel": channel, "symbol": symbol} for channel in MARKET_CHANNELS]


def account_subscriptions() -> list[dict[str, str]]:
    return [{"channel": channel} for channel in ACCOUNT_CHANNELS]


class AuthFailed(Exception):
    """The server refused the token (or never answered the auth frame)."""


Handler = Callable[[Any], Awaitable[Any]]
# One frame's text and its arrival time -> its event (frames.parse_stream_message, or
# frames.parse_raw_stream_message for a recorder that keeps frames as they came).
Parser = Callable[[str | bytes, float], frames.StreamEvent]


class StreamClient:
    def __init__(
        self,
        url: str,
        subscriptions: list[dict[str, str]],
        token: object | None = None,
        name: str = "market",
        stale_after: float = 5.0,
        connect_timeout: float = 5.0,
        backoff_base: float = 0.25,
        backoff_max: float = 10.0,
        ping_interval: float = 10.0,
        *,
        handler_timeout: float = 30.0,
        proxy: str | Literal[True] | None = True,
        clock: Callable[[], float] = time.time,
        parser: Parser = frames.parse_stream_message,
    ):
        self.url, self.name = url, name
        self._subscriptions = [dict(s) for s in subscriptions]
        self._token = token
        self._stale_after, self._connect_timeout = stale_after, connect_timeout
        self._backoff = Backoff(backoff_base, backoff_max, jitter=True)
        self._ping_interval, self._handler_timeout = ping_interval, handler_timeout
        self._proxy, self._clock, self._parser = proxy, clock, parser
        self._ws: ClientConnection | None = None
        self._state: str | None = None
        self._was_healthy = False  # the last connection delivered at least one frame

    def __repr__(self) -> str:
        return f"StreamClient(name={self.name!r}, url={self.url!r})"

    @property
    def state(self) -> str | None:
        """The last status reported: connected, disconnected, stale or fresh."""
        return self._state

    @property
    def subscriptions(self) -> list[dict[str, str]]:
        return [dict(s) for s in self._subscriptions]

    def set_token(self, token: object | None) -> None:
        """Use a new access token from the next (re)connection on, e.g. after a fresh login."""
        self._token = token

    async def update_subscriptions(self, subscriptions: list[dict[str, str]]) -> None:
        """Subscribe what is new on the live connection, without reconnecting (the other
        subscriptions keep streaming); the next connection subscribes exactly these (what
        is no longer wanted is dropped then: StandX documents no unsubscribe)."""
        new = [dict(s) for s in subscriptions if s not in self._subscriptions]
        self._subscriptions = [dict(s) for s in subscriptions]
        ws = self._ws
        if ws is not None:
            for subscription in new:
                await self._send(ws, protocol.subscribe_frame(subscription))

    async def run(self, handler: Handler) -> None:
        """Connect, subscribe and deliver events to `handler` until cancelled."""
        failures = 0
        while True:
            try:
                await self._session(handler)
                detail = "closed by server"
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001  every failure means "reconnect", never "stop"
                detail = _describe(exc)
            await self._report(handler, DISCONNECTED, detail)
            log.warning("%s stream disconnected: %s", self.name, detail)
            failures = 0 if self._was_healthy else failures + 1
            await asyncio.sleep(self._backoff.delay(failures))

    # ---------------------------------------------------------- one connection

    async def _session(self, handler: Handler) -> None:
        self._was_healthy = False
        ws = await open_connection(
            self.url, self._connect_timeout, self._ping_interval, self._proxy
        )
        self._ws = ws
        try:
            last_seq = await self._authenticate(ws, handler) if self._token else None
            for subscription in self._subscriptions:
                await self._send(ws, protocol.subscribe_frame(subscription))
            await self._report(handler, CONNECTED, self.url)
            await self._read_loop(ws, handler, last_seq)
        finally:
            self._ws = None
            await self._close(ws)

    async def _authenticate(self, ws: ClientConnection, handler: Handler) -> int | None:
        """Send the token and wait (bounded) for the auth reply; code 0 or 200 is success."""
        await self._send(ws, protocol.auth_frame(_reveal(self._token)))
        # The reply is documented as the first frame; anything before it predates our
        # subscriptions and is skipped.
        try:
            async with asyncio.timeout(self._connect_timeout):
                while True:
                    event = self._parse(await ws.recv())
                    if isinstance(event, frames.AuthResult):
                        break
        except TimeoutError:
            raise AuthFailed("no auth reply") from None
        await self._deliver(handler, event)
        if not event.ok:
            raise AuthFailed(f"auth refused (code {event.code}): {snippet(event.message)}")
        return event.seq

    async def _read_loop(
        self, ws: ClientConnection, handler: Handler, last_seq: int | None
    ) -> NoReturn:
        stale = False
        while True:
            try:
                async with asyncio.timeout(self._stale_after):
                    raw = await ws.recv()  # cancellation-safe in websockets' asyncio API
            except TimeoutError:
                if not stale:
                    stale = True
                    await self._report(handler, STALE, f"no message for {self._stale_after}s")
                continue
            self._was_healthy = True
            if stale:
                stale = False
                await self._report(handler, FRESH, "")
            last_seq = await self._handle_frame(ws, handler, raw, last_seq)

    async def _handle_frame(
        self, ws: ClientConnection, handler: Handler, raw: str | bytes, last_seq: int | None
    ) -> int | None:
        """Parse, drop out-of-order frames, answer JSON pings, deliver; returns the last seq."""
        event = self._parse(raw)
        if event is None:
            return last_seq
        if event.seq is not None:
            if last_seq is not None and event.seq <= last_seq:
                log.warning(
                    "%s stream: dropped an out-of-order frame (seq %s after %s)",
                    self.name,
                    event.seq,
                    last_seq,
                )
                return last_seq
            last_seq = event.seq
        if isinstance(event, frames.PingMessage):
            await self._send(ws, protocol.pong_frame(event.value))
        else:
            await self._deliver(handler, event)
        return last_seq

    def _parse(self, raw: str | bytes) -> frames.StreamEvent | None:
        try:
            return self._parser(raw, self._clock())
        except MalformedResponseError as exc:
            log.warning(
                "%s stream: skipped malformed frame (%s): %r", self.name, exc.message, snippet(raw)
            )
            return None

    # ---------------------------------------------------------- helpers

    async def _deliver(self, handler: Handler, event: Any) -> None:
        await deliver_bounded(handler, event, self._handler_timeout, log, f"{self.name} stream")

    async def _report(self, handler: Handler, state: str, detail: str) -> None:
        if state == self._state and state == DISCONNECTED:
            return  # one "disconnected" per outage, not one per retry
        self._state = state
        await self._deliver(handler, StreamStatus(self.name, state, detail))

    async def _send(self, ws: ClientConnection, text: str) -> None:
        async with asyncio.timeout(self._connect_timeout):
            await ws.send(text)

    async def _close(self, ws: ClientConnection) -> None:
        try:
            async with asyncio.timeout(self._connect_timeout):
                await ws.close()
        except (TimeoutError, OSError):
            pass  # the socket is being dropped anyway


def _reveal(token: object) -> str:
    reveal = getattr(token, "reveal", None)
    return reveal() if callable(reveal) else str(token)


def _describe(exc: BaseException) -> str:
    """A short reason for logs and status details (our exceptions never hold the token)."""
    text = snippet(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def deliver_bounded(
    handler: Handler, event: Any, timeout: float, logger: logging.Logger, who: str
) -> None:
    """Run the handler, bounded by `timeout`; its failure is logged (as `who`, on the
    caller's logger), never fatal to the connection that delivers."""
    try:
        async with asyncio.timeout(timeout):
            await handler(event)
    except asyncio.CancelledError:
        raise
    except Exception:
        logger.exception("%s: handler failed on %s", who, type(event).__name__)


async def open_connection(
    url: str, connect_timeout: float, ping_interval: float | None, proxy: Any
) -> ClientConnection:
    """A websocket connection, opened within `connect_timeout`; a dead one is found by the
    protocol ping every `ping_interval`."""
    async with asyncio.timeout(connect_timeout):
        return await connect(
            url,
            open_timeout=connect_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_interval,
            close_timeout=connect_timeout,
            proxy=proxy,
        )
