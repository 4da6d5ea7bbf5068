"""PURE parsing of StandX ws-stream frames into events (docs/standx-protocol.md §4.3, §5.1).

Each frame is `{seq, channel, symbol?, data}`; the payloads are the REST objects, so the
parsers of protocol.py do the field work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading.core.domain import Book, ExchangeOrder, Fill, Position, PriceTick
from trading.standx.errors import MalformedResponseError
from trading.standx.protocol import (
    AUTH_OK_CODES,
    parse_depth_book,
    parse_fill,
    parse_order,
    parse_position,
    parse_symbol_price,
)
from trading.standx.values import dec, first_text, integer, obj, parse_json, required_text, snippet


@dataclass(frozen=True)
class BookEvent:
    book: Book
    seq: int | None = None


@dataclass(frozen=True)
class PriceEvent:
    tick: PriceTick
    seq: int | None = None


@dataclass(frozen=True)
class TradePrint:
    """A public trade (`public_trade` channel)."""

    symbol: str
    price: Decimal
    qty: Decimal
    is_buyer_taker: bool
    time: str
    seq: int | None = None


@dataclass(frozen=True)
class OrderUpdate:
    order: ExchangeOrder
    seq: int | None = None


@dataclass(frozen=True)
class PositionUpdate:
    position: Position
    seq: int | None = None


@dataclass(frozen=True)
class FillUpdate:
    fill: Fill
    seq: int | None = None


@dataclass(frozen=True)
class BalanceUpdate:
    """The `balance` channel's wallet record (a different shape from REST query_balance)."""

    token: str
    free: Decimal
    total: Decimal
    locked: Decimal
    seq: int | None = None


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    code: int | None
    message: str
    seq: int | None = None


@dataclass(frozen=True)
class PingMessage:
    """A JSON-level {"ping": x}; the stream client answers {"pong": x}."""

    value: Any
    seq: int | None = None


@dataclass(frozen=True)
class UnknownMessage:
    raw: Any
    seq: int | None = None


@dataclass(frozen=True)
class RawFrame:
    """A channel frame as StandX sent it, unparsed (what a market recording keeps:
    trading/marketdata/recording.py); `data` is the frame's payload object."""

    channel: str
    symbol: str
    data: dict[str, Any]
    seq: int | None = None


@dataclass(frozen=True)
class OrderResponse:
    """A ws-api/v1 answer (docs/standx-protocol.md §5.2): `{code, message, request_id}`,
    for a request sent on the session or over REST with its x-session-id. A frame with
    `status: "accepted"` only passed the gateway: not final, another one follows."""

    request_id: str
    code: int
    message: str
    final: bool = True

    @property
    def ok(self) -> bool:
        return self.code == 0


StreamEvent = (
    BookEvent
    | PriceEvent
    | TradePrint
    | OrderUpdate
    | PositionUpdate
    | FillUpdate
    | BalanceUpdate
    | AuthResult
    | PingMessage
    | UnknownMessage
    | RawFrame
)


def _auth_result(data: dict[str, Any], seq: int | None, _received_at: float) -> AuthResult:
    code = integer(data.get("code"), "code")
    return AuthResult(code in AUTH_OK_CODES, code, first_text(data, "msg", "message"), seq)


def _trade_print(data: dict[str, Any], seq: int | None, _received_at: float) -> TradePrint:
    return TradePrint(
        required_text(data, "symbol"),
        dec(data, "price"),
        dec(data, "qty"),
        bool(data.get("is_buyer_taker")),
        first_text(data, "time"),
        seq,
    )


def _balance_update(data: dict[str, Any], seq: int | None, _received_at: float) -> BalanceUpdate:
    zero = Decimal("0")
    return BalanceUpdate(
        first_text(data, "token"),
        dec(data, "free", required=False, signed=True, default=zero),
        dec(data, "total", required=False, signed=True, default=zero),
        dec(data, "locked", required=False, default=zero),
        seq,
    )


# channel -> parser(data, seq, received_at)
_CHANNEL_PARSERS: dict[str, Callable[[dict[str, Any], int | None, float], StreamEvent]] = {
    "auth": _auth_result,
    "depth_book": lambda data, seq, at: BookEvent(parse_depth_book(data, at), seq),
    "price": lambda data, seq, at: PriceEvent(parse_symbol_price(data, at), seq),
    "public_trade": _trade_print,
    "order": lambda data, seq, _at: OrderUpdate(parse_order(data), seq),
    "position": lambda data, seq, _at: PositionUpdate(parse_position(data), seq),
    "trade": lambda data, seq, _at: FillUpdate(parse_fill(data), seq),
    "balance": _balance_update,
}


def parse_stream_message(text: str | bytes, received_at: float = 0.0) -> StreamEvent:
    """One ws-stream frame -> one event. Raises MalformedResponseError on a broken frame."""
    frame = obj(parse_json(text), "stream frame")
    seq = integer(frame.get("seq"), "seq")
    if "ping" in frame and "channel" not in frame:
        return PingMessage(frame["ping"], seq)
    channel = frame.get("channel")
    parser = _CHANNEL_PARSERS.get(channel) if isinstance(channel, str) else None
    if parser is None:
        return UnknownMessage(frame, seq)
    return parser(obj(frame.get("data"), f"{channel} data"), seq, received_at)


def parse_channel_data(
    channel: str, data: Any, received_at: float = 0.0, seq: int | None = None
) -> StreamEvent:
    """A channel's payload (a frame's `data`, as a recording keeps it) -> its event.
    Raises MalformedResponseError on a broken payload or an unknown channel."""
    parser = _CHANNEL_PARSERS.get(channel)
    if parser is None:
        raise MalformedResponseError(f"unknown channel {snippet(channel)!r}")
    return parser(obj(data, f"{channel} data"), seq, received_at)


def parse_raw_stream_message(text: str | bytes, received_at: float = 0.0) -> StreamEvent:
    """One ws-stream frame -> a `RawFrame` of its channel and payload, unparsed (pings and
    the auth answer as parse_stream_message makes them, so the stream client still answers
    and authenticates). Raises MalformedResponseError on a frame that is no JSON object."""
    frame = obj(parse_json(text), "stream frame")
    channel = frame.get("channel")
    if channel == "auth" or ("ping" in frame and "channel" not in frame):
        return parse_stream_message(text, received_at)
    seq = integer(frame.get("seq"), "seq")
    data = frame.get("data")
    if not isinstance(channel, str) or not isinstance(data, dict):
        return UnknownMessage(frame, seq)
    symbol = frame.get("symbol") if isinstance(frame.get("symbol"), str) else data.get("symbol")
    return RawFrame(channel, symbol if isinstance(symbol, str) else "", data, seq)


def parse_order_response(text: str | bytes) -> OrderResponse | PingMessage | UnknownMessage:
    """One ws-api frame -> one event. Raises MalformedResponseError on a broken frame."""
    frame = obj(parse_json(text), "ws-api frame")
    if "ping" in frame and "request_id" not in frame:
        return PingMessage(frame["ping"])
    request_id = first_text(frame, "request_id")
    code = integer(frame.get("code"), "code")
    if not request_id or code is None:
        return UnknownMessage(frame)
    final = first_text(frame, "status").lower() != "accepted"
    return OrderResponse(request_id, code, first_text(frame, "message", "msg"), final)
