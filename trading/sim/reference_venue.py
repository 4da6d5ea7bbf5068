"""The reference venue served by the simulator (issue 23), on the simulator's own port, so a
bot's reference feed meets the protocols it will meet live:

- Binance USD-M futures, raw stream `/ws/<symbol>@bookTicker` (symbol lower-case, `btcusdt`
  for BTC-USD): one message per change of the reference price, as Binance pushes it,
  `{"e": "bookTicker", "u": update id, "s": "BTCUSDT", "b", "B", "a", "A", "T", "E"}` (prices and
  sizes as decimal strings, times in ms). A stream it does not serve is closed (1008).
- Hyperliquid, `/hyperliquid/ws` (the venue's `wss://api.hyperliquid.xyz/ws`): the client sends
  `{"method": "subscribe", "subscription": {"type": "allMids"}}`, the server answers
  `{"channel": "subscriptionResponse", "data": <the request>}` and then
  `{"channel": "allMids", "data": {"mids": {"BTC": "...", ...}}}` on every change;
  `{"method": "ping"}` gets `{"channel": "pong"}`; anything else
  `{"channel": "error", "data": ...}`. Like Hyperliquid, a connection the server has sent
  nothing to for 60 s is closed (clients ping to keep a quiet one).

The price is StandX's mid carried by the lead model (reference.py). Scripting for tests and
benches (in process, or `POST /sim/reference`): a jump led by the reference (StandX's mid and
mark make it `lag_s` later, or never when not `covered`), `silent` (connections stay open,
nothing is pushed), `drop` (every connection closed), `inject` (a raw text frame, e.g. a
malformed one, to every connection). Reference connections are not StandX's: they do not
count toward the simulator's per-IP WebSocket limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from trading.core import bounded_json
from trading.core.domain import BPS
from trading.reference.venues import BINANCE, HYPERLIQUID, default_symbol
from trading.sim.errors import bad_request
from trading.sim.reference import LeadModel
from trading.sim.validation import parse_json_object, symbol_field

log = logging.getLogger(__name__)
BINANCE_PATH = "/ws/{stream}"
HYPERLIQUID_PATH = "/hyperliquid/ws"
BOOK_TICKER = "@bookTicker"
IDLE_CLOSE_S = 60.0  # Hyperliquid closes a connection it sent nothing to for this long
SEND_TIMEOUT_S = 5.0  # a client that does not take a frame this long is dropped


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


@dataclass(eq=False)
class _Connection:
    ws: WebSocket
    symbols: tuple[str, ...]  # whose prices it streams
    render: Callable[[], str] | None  # the price message, once subscribed
    idle_close: bool  # Hyperliquid's 60 s rule
    outbox: list[str | _Close] = field(default_factory=list)  # replies and injected frames
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    version: int = -1  # the version of its symbols' prices last sent


class ReferenceVenue:
    def __init__(self, exchange) -> None:
        lead = exchange.market.lead
        assert isinstance(lead, LeadModel), "the simulator was started without a reference"
        self.lead = lead
        self.market = exchange.market
        self.symbols = exchange.symbols
        self.clock = exchange.clock
        self.scheduler = exchange.scheduler
        self.silent = False
        self.injected: Counter = Counter()
        self.versions: Counter = Counter()  # symbol -> bumped on every change of its price
        self._connections: set[_Connection] = set()
        self._update_ids = itertools.count(1)
        self.market.listeners.append(self._on_market)

    # ---- prices ----------------------------------------------------------------------------
    def price(self, symbol: str) -> Decimal:
        m = self.market.get(symbol)
        offset = Decimal(str(round(self.lead.offset_bps(symbol), 6)))
        return (m.mid * (1 + offset / BPS)).quantize(m.tick)

    def _on_market(self, symbol: str) -> None:
        self._changed(symbol)

    def _changed(self, symbol: str | None = None) -> None:
        if symbol is not None:
            self.versions[symbol] += 1
        for connection in self._connections:
            connection.wake.set()

    def _version(self, connection: _Connection) -> int:
        return sum(self.versions[s] for s in connection.symbols)

    def book_ticker(self, symbol: str) -> str:
        tick = self.market.get(symbol).tick
        bid = self.price(symbol).quantize(tick, rounding=ROUND_FLOOR)
        qty = str(self.symbols[symbol].level_qty)
        now_ms = int(self.clock() * 1000)
        message = {
            "e": "bookTicker",
            "u": next(self._update_ids),
            "s": default_symbol(BINANCE, symbol).upper(),
            "b": str(bid),
            "B": qty,
            "a": str(bid + tick),
            "A": qty,
            "T": now_ms,
            "E": now_ms,
        }
        return json.dumps(message, separators=(",", ":"))

    def all_mids(self) -> str:
        mids = {default_symbol(HYPERLIQUID, s): str(self.price(s)) for s in self.symbols}
        return json.dumps({"channel": "allMids", "data": {"mids": mids}}, separators=(",", ":"))

    # ---- scripting -------------------------------------------------------------------------
    def script_jump(
        self, symbol: str, bps: float, lag_s: float | None = None, covered: bool = True
    ) -> float:
        """The reference jumps `bps` now; StandX's mid and mark make the same jump `lag_s`
        later (a draw of the lead's law when None), or the reference takes it back then when
        not `covered`. Returns the lag."""
        lag = self.lead.lag_s() if lag_s is None else lag_s
        self.lead.script(symbol, bps)
        self._changed(symbol)

        def land() -> None:
            self.lead.unscript(symbol, bps)
            if covered:
                m = self.market.get(symbol)
                factor = 1 + Decimal(str(bps)) / BPS
                self.market.set_mid(symbol, m.mid * factor, m.mark * factor)
            else:
                self._changed(symbol)

        self.scheduler.call_later(lag, land)
        return lag

    def set_silent(self, silent: bool) -> None:
        self.silent = silent
        self._changed()

    def drop(self) -> None:
        self.injected["drop"] += 1
        for connection in list(self._connections):
            self._close_soon(connection, 1011, "connection dropped (injected fault)")

    def inject(self, text: str) -> None:
        self.injected["inject"] += 1
        for connection in self._connections:
            connection.outbox.append(text)
            connection.wake.set()

    def close_all(self) -> None:
        for connection in list(self._connections):
            self._close_soon(connection, 1001, "simulator shutting down")

    @staticmethod
    def _close_soon(connection: _Connection, code: int, reason: str) -> None:
        connection.render = None
        connection.outbox.append(_Close(code, reason))
        connection.wake.set()

    # ---- connections -----------------------------------------------------------------------
    async def serve_binance(self, websocket: WebSocket) -> None:
        stream = websocket.path_params["stream"]
        wanted = {default_symbol(BINANCE, s) + BOOK_TICKER: s for s in self.symbols}
        await websocket.accept()
        symbol = wanted.get(stream)
        if symbol is None:
            await websocket.close(1008, f"unknown stream {stream!r}")
            return
        connection = _Connection(
            websocket, (symbol,), lambda: self.book_ticker(symbol), idle_close=False
        )
        await self._serve(connection, on_text=None)

    async def serve_hyperliquid(self, websocket: WebSocket) -> None:
        await websocket.accept()
        connection = _Connection(websocket, tuple(self.symbols), None, idle_close=True)
        await self._serve(connection, on_text=self._hyperliquid_request)

    def _hyperliquid_request(self, connection: _Connection, text: str) -> None:
        try:
            request = bounded_json.loads(text)
        except ValueError:
            request = None
        if isinstance(request, dict) and request.get("method") == "ping":
            reply: dict = {"channel": "pong"}
        elif (
            isinstance(request, dict)
            and request.get("method") == "subscribe"
            and isinstance(request.get("subscription"), dict)
            and request["subscription"].get("type") == "allMids"
        ):
            reply = {"channel": "subscriptionResponse", "data": request}
            connection.render = self.all_mids
            connection.version = -1  # the first mids go out at once
        else:
            reply = {"channel": "error", "data": f"Invalid websocket request: {text[:200]}"}
        connection.outbox.append(json.dumps(reply, separators=(",", ":")))
        connection.wake.set()

    async def _serve(self, connection: _Connection, on_text) -> None:
        self._connections.add(connection)
        writer = asyncio.create_task(self._write(connection), name="sim-reference-writer")
        try:
            while not writer.done():
                message = await connection.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if on_text is not None and text is not None:
                    on_text(connection, text)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self._connections.discard(connection)
            writer.cancel()
            with contextlib.suppress(BaseException):
                await writer

    async def _write(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        last_sent = loop.time()
        while True:
            connection.wake.clear()
            while connection.outbox:
                item = connection.outbox.pop(0)
                if isinstance(item, _Close):
                    await connection.ws.close(item.code, item.reason)
                    return
                await self._send(connection, item)
                last_sent = loop.time()
            version = self._version(connection)
            if connection.render and not self.silent and connection.version != version:
                connection.version = version
                await self._send(connection, connection.render())
                last_sent = loop.time()
            if connection.idle_close and loop.time() - last_sent > IDLE_CLOSE_S:
                await connection.ws.close(1000, "no message sent for 60 s")
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(connection.wake.wait(), timeout=1.0)

    @staticmethod
    async def _send(connection: _Connection, text: str) -> None:
        await asyncio.wait_for(connection.ws.send_text(text), SEND_TIMEOUT_S)


def reference_routes(venue: ReferenceVenue) -> list[BaseRoute]:
    return [
        WebSocketRoute(BINANCE_PATH, venue.serve_binance),
        WebSocketRoute(HYPERLIQUID_PATH, venue.serve_hyperliquid),
    ]


async def script_reference(exchange, ctx) -> dict:
    """POST /sim/reference: {"symbol", "jump_bps", "lag_s", "covered"} scripts a jump led by
    the reference; {"silent": bool} stops or resumes its pushes; {"drop": true} closes its
    connections. Answers the reference prices and switches."""
    venue: ReferenceVenue | None = exchange.reference
    if venue is None:
        raise bad_request("the simulator runs without a reference venue (runsim --reference)")
    body = parse_json_object(ctx.raw_body) if ctx.raw_body.strip() else {}
    silent, drop, jump = body.get("silent"), body.get("drop"), body.get("jump_bps")
    if silent is not None and not isinstance(silent, bool):
        raise bad_request("silent must be a boolean")
    if drop is not None and not isinstance(drop, bool):
        raise bad_request("drop must be a boolean")
    lag = None
    if jump is not None:
        symbol = symbol_field(body, exchange.symbols).symbol
        lag = _jump(venue, symbol, jump, body.get("lag_s"), body.get("covered", True))
    if silent is not None:
        venue.set_silent(silent)
    if drop:
        venue.drop()
    prices = {s: str(venue.price(s)) for s in exchange.symbols}
    return {"silent": venue.silent, "prices": prices, "lag_s": lag}


def _jump(venue: ReferenceVenue, symbol: str, jump, lag_s, covered) -> float:
    number = (int, float)
    if isinstance(jump, bool) or not isinstance(jump, number) or abs(jump) > 1000:
        raise bad_request("jump_bps must be a number within +-1000")
    if lag_s is not None and (isinstance(lag_s, bool) or not isinstance(lag_s, number)):
        raise bad_request("lag_s must be a number of seconds")
    if lag_s is not None and not 0 <= lag_s <= 600:
        raise bad_request("lag_s must be within 0..600 seconds")
    if not isinstance(covered, bool):
        raise bad_request("covered must be a boolean")
    return venue.script_jump(symbol, float(jump), None if lag_s is None else float(lag_s), covered)
