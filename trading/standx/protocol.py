"""PURE StandX wire formats: request bodies and response parsing (stream frames: frames.py).

Field names and formats live here and nowhere else. Parsers are tolerant where the protocol
notes list conflicting variants (docs/standx-protocol.md §11) and strict about
values that would be dangerous to trade on (NaN, infinity, negative prices).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from trading.core.domain import (
    Ack,
    Balance,
    Book,
    ExchangeOrder,
    Fill,
    Level,
    Position,
    PriceTick,
    Side,
    SymbolSpec,
)
from trading.core.times import iso_epoch
from trading.standx.errors import MalformedResponseError, OrderRejectedError
from trading.standx.values import dec, first_text, integer, obj, read_side, required_text, snippet

JSON_SEPARATORS = (",", ":")
AUTH_OK_CODES = frozenset({0, 200})  # docs say 200, one live client expects 0
STATUS_ALIASES = {"cancelled": "canceled", "expired": "canceled"}  # both mean "not resting"


# ---------------------------------------------------------------- request bodies


def compact_json(payload: Any) -> str:
    return json.dumps(payload, separators=JSON_SEPARATORS, ensure_ascii=False)


def format_decimal(value: Decimal | int | str, name: str) -> str:
    """A decimal as a plain string without exponent. Floats are refused: they hide rounding."""
    if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int, str)):
        raise TypeError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} is not a decimal number: {value!r}") from None
    if not number.is_finite() or number <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return format(number, "f")


def new_order_body(
    symbol: str,
    side: Side | str,
    qty: Decimal | int | str,
    price: Decimal | int | str,
    cl_ord_id: str,
    time_in_force: str = "alo",
    reduce_only: bool = False,
) -> str:
    """A limit order; ALO (post-only) by default. Field order matches the docs' example."""
    return compact_json(
        {
            "symbol": symbol,
            "side": Side(side).value,
            "order_type": "limit",
            "qty": format_decimal(qty, "qty"),
            "price": format_decimal(price, "price"),
            "time_in_force": time_in_force,
            "reduce_only": bool(reduce_only),
            "cl_ord_id": cl_ord_id,
        }
    )


def cancel_order_body(order_id: int | None = None, cl_ord_id: str | None = None) -> str:
    if order_id is None and not cl_ord_id:
        raise ValueError("cancel_order needs an order_id or a cl_ord_id")
    body: dict[str, Any] = {}
    if order_id is not None:
        body["order_id"] = _int_id(order_id)
    if cl_ord_id:
        body["cl_ord_id"] = cl_ord_id
    return compact_json(body)


def cancel_orders_body(
    order_ids: Iterable[int] | None = None, cl_ord_ids: Iterable[str] | None = None
) -> str:
    ids = list(order_ids or [])
    cl_ids = list(cl_ord_ids or [])
    if bool(ids) == bool(cl_ids):
        raise ValueError("cancel_orders needs exactly one non-empty list: order_ids or cl_ord_ids")
    if ids:
        return compact_json({"order_id_list": [_int_id(i) for i in ids]})
    return compact_json({"cl_ord_id_list": [str(c) for c in cl_ids]})


def _int_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"order ids are integers, got {type(value).__name__}")
    return value


def auth_frame(token: str) -> str:
    return compact_json({"auth": {"token": token}})


def subscribe_frame(subscription: dict[str, str]) -> str:
    return compact_json({"subscribe": subscription})


def pong_frame(value: Any) -> str:
    return compact_json({"pong": value})


def api_login_frame(session_id: str, request_id: str, token: str) -> str:
    """ws-api/v1 `auth:login` (docs/standx-protocol.md §5.2): binds this connection to
    `session_id`: the results of REST orders sent with that x-session-id arrive on it."""
    params = compact_json({"token": token})
    return compact_json(
        {
            "session_id": session_id,
            "request_id": request_id,
            "method": "auth:login",
            "params": params,
        }
    )


# ---------------------------------------------------------------- responses


def ack_error(payload: Any) -> OrderRejectedError | None:
    """The error a 2xx body reports through a non-zero `code`, or None."""
    if not isinstance(payload, dict) or payload.get("code") in (None, ""):
        return None
    code = integer(payload.get("code"), "code")
    if code == 0:
        return None
    return OrderRejectedError(first_text(payload, "message", "msg") or "rejected", code=code)


def parse_ack(payload: Any) -> Ack:
    """Write-endpoint acknowledgement; cancel_orders may answer a bare `[]`."""
    if isinstance(payload, list):
        return Ack(extra={"result": payload})
    row = obj(payload, "acknowledgement")
    error = ack_error(row)
    if error is not None:
        raise error
    known = {"code", "message", "request_id"}
    return Ack(
        code=0,
        message=first_text(row, "message") or "success",
        request_id=first_text(row, "request_id"),
        extra={k: v for k, v in row.items() if k not in known},
    )


def _tick(row: dict[str, Any], key: str) -> Decimal:
    decimals = integer(row.get(key), key, required=True)
    if decimals < 0 or decimals > 18:
        raise MalformedResponseError(f"field {key!r} is out of range: {decimals}")
    return Decimal(1).scaleb(-decimals)


def _enabled(row: dict[str, Any]) -> bool:
    """Docs carry `enabled`, live answers carry `status: "trading"`; both must agree if present."""
    enabled = row.get("enabled", True) is not False
    if "status" in row and row["status"] is not None:
        enabled = enabled and str(row["status"]).lower() == "trading"
    return enabled


def parse_symbol_spec(payload: Any) -> SymbolSpec:
    row = obj(payload, "symbol info")
    qty_tick = _tick(row, "qty_tick_decimals")
    max_open = dec(row, "max_open_orders", required=False)
    max_lev = dec(row, "max_leverage", required=False)
    return SymbolSpec(
        symbol=required_text(row, "symbol"),
        price_tick=_tick(row, "price_tick_decimals"),
        qty_tick=qty_tick,
        min_qty=dec(row, "min_order_qty", required=False) or qty_tick,
        max_qty=dec(row, "max_order_qty", required=False),
        max_open_orders=int(max_open) if max_open is not None else None,
        max_leverage=int(max_lev) if max_lev is not None else None,
        enabled=_enabled(row),
    )


def _rows(payload: Any, what: str) -> list[Any]:
    """A bare array, or the `result` array of a page / envelope (code/message optional)."""
    if isinstance(payload, dict):
        error = ack_error(payload)
        if error is not None:
            raise error
        payload = payload.get("result", payload.get("data"))
    if not isinstance(payload, list):
        raise MalformedResponseError(f"{what} is not a list: {snippet(payload)!r}")
    return payload


def parse_symbol_info(payload: Any) -> list[SymbolSpec]:
    if isinstance(payload, dict) and "symbol" in payload:
        payload = [payload]
    return [parse_symbol_spec(row) for row in _rows(payload, "symbol info")]


def parse_symbol_price(payload: Any, received_at: float = 0.0) -> PriceTick:
    """REST query_symbol_price (spread_bid/spread_ask) or the `price` channel (spread: [b, a])."""
    row = obj(payload, "price")
    spread = row.get("spread")
    if isinstance(spread, (list, tuple)) and len(spread) == 2:
        row = {**row, "spread_bid": spread[0], "spread_ask": spread[1]}
    optional = {
        k: dec(row, k, required=False)
        for k in (
            "mark_price",
            "index_price",
            "last_price",
            "mid_price",
            "spread_bid",
            "spread_ask",
        )
    }
    return PriceTick(
        symbol=required_text(row, "symbol"),
        mark_price=optional["mark_price"],
        index_price=optional["index_price"],
        last_price=optional["last_price"],
        mid_price=optional["mid_price"],
        best_bid=optional["spread_bid"],
        best_ask=optional["spread_ask"],
        time=first_text(row, "time"),
        received_at=received_at,
    )


def _levels(raw: Any, side: str) -> list[Level]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MalformedResponseError(f"depth {side} is not a list")
    levels = []
    for entry in raw:
        if isinstance(entry, (list, tuple)) and len(entry) >= 2:
            entry = {"price": entry[0], "qty": entry[1]}
        entry = obj(entry, f"depth {side} level")
        level = Level(dec(entry, "price"), dec(entry, "qty"))
        if level.qty > 0 and level.price > 0:  # empty levels carry no liquidity
            levels.append(level)
    return levels


def parse_depth_book(payload: Any, received_at: float = 0.0) -> Book:
    """A full snapshot; level order is not guaranteed, so sort: bids desc, asks asc."""
    row = obj(payload, "depth book")
    bids = sorted(_levels(row.get("bids"), "bids"), key=lambda lv: lv.price, reverse=True)
    asks = sorted(_levels(row.get("asks"), "asks"), key=lambda lv: lv.price)
    symbol = required_text(row, "symbol")
    return Book(symbol, tuple(bids), tuple(asks), received_at)


def parse_order(payload: Any) -> ExchangeOrder:
    """An order object; unknown statuses pass through (ExchangeOrder treats them as live)."""
    row = obj(payload, "order")
    status = required_text(row, "status").lower()
    return ExchangeOrder(
        id=integer(row.get("id"), "id"),
        cl_ord_id=first_text(row, "cl_ord_id"),
        symbol=required_text(row, "symbol"),
        side=read_side(row.get("side")),
        price=dec(row, "price", required=False, default=Decimal("0")),  # market orders: "0"/null
        qty=dec(row, "qty"),
        fill_qty=dec(row, "fill_qty", required=False, default=Decimal("0")),
        status=STATUS_ALIASES.get(status, status),
        order_type=first_text(row, "order_type").lower() or "limit",
        time_in_force=first_text(row, "time_in_force").lower() or "alo",
        fill_avg_price=dec(row, "fill_avg_price", required=False, default=Decimal("0")),
        created_at=first_text(row, "created_at"),
        updated_at=first_text(row, "updated_at"),
    )


def parse_orders(payload: Any) -> list[ExchangeOrder]:
    """query_open_orders / query_orders page {page_size,result,total}, with or without code."""
    return [parse_order(row) for row in _rows(payload, "orders")]


def parse_position(payload: Any) -> Position:
    """Signed qty (negative = short); a `side` of sell/short on a positive qty also means short."""
    row = obj(payload, "position")
    qty = dec(row, "qty", signed=True)
    if qty > 0 and str(row.get("side", "")).lower() in ("sell", "short"):
        qty = -qty
    return Position(
        symbol=required_text(row, "symbol"),
        qty=qty,
        entry_price=dec(row, "entry_price", required=False, default=Decimal("0")),
        mark_price=dec(row, "mark_price", required=False),
        upnl=dec(row, "upnl", required=False, signed=True, default=Decimal("0")),
        leverage=dec(row, "leverage", required=False),
        margin=dec(row, "initial_margin", required=False),
    )


def parse_positions(payload: Any) -> list[Position]:
    return [parse_position(row) for row in _rows(payload, "positions")]


def parse_maker_uptime(payload: Any) -> dict[float, float]:
    """GET /api/maker/uptime (undocumented, docs/standx-protocol.md §3.3): hour start (epoch s) ->
    in-band seconds as StandX counts them. Accepts in_band_seconds, uptime_seconds,
    uptime_minutes or uptime_pct per row, the hour as ISO text or epoch (ms or s)."""
    rows = payload.get("hours") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise MalformedResponseError(
            f"maker uptime: expected a list of hours, got {snippet(payload)}"
        )
    hours = {}
    for row in rows:
        row = obj(row, "maker uptime hour")
        hours[_hour_of(row.get("hour"))] = _in_band_seconds(row)
    return hours


def _hour_of(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value / 1000 if value > 1e11 else value)
    when = iso_epoch(value)
    if when is None:
        raise MalformedResponseError(f"maker uptime: bad hour {snippet(value)}")
    return when


def _in_band_seconds(row: dict[str, Any]) -> float:
    for key, scale in (
        ("in_band_seconds", 1),
        ("uptime_seconds", 1),
        ("uptime_minutes", 60),
        ("uptime_pct", 36),
    ):
        if key in row:
            value = float(dec(row, key))
            if not 0 <= value * scale <= 3600 + 1e-6:
                raise MalformedResponseError(f"maker uptime: {key} {value} is not within an hour")
            return value * scale
    raise MalformedResponseError(f"maker uptime: no uptime figure in {snippet(row)}")


def parse_balance(payload: Any) -> Balance:
    """REST query_balance; cross_available may be negative."""
    row = obj(payload, "balance")
    return Balance(
        balance=dec(row, "balance", signed=True),
        equity=dec(row, "equity", signed=True),
        cross_available=dec(row, "cross_available", signed=True),
        locked=dec(row, "locked", required=False, default=Decimal("0")),
        upnl=dec(row, "upnl", required=False, signed=True, default=Decimal("0")),
    )


def parse_fill(payload: Any) -> Fill:
    """A user trade (`trade` channel or query_trades row)."""
    row = obj(payload, "trade")
    return Fill(
        id=integer(row.get("id"), "id"),
        order_id=integer(row.get("order_id"), "order_id"),
        symbol=required_text(row, "symbol"),
        side=read_side(row.get("side")),
        price=dec(row, "price"),
        qty=dec(row, "qty"),
        fee=dec(row, "fee_qty", required=False, signed=True, default=Decimal("0")),
        time=first_text(row, "time", "created_at", "updated_at"),
        pnl=dec(row, "pnl", required=False, signed=True, default=Decimal("0")),
    )


def parse_fills(payload: Any) -> list[Fill]:
    return [parse_fill(row) for row in _rows(payload, "trades")]


def _spec(symbol: str, qty_tick: str, price_tick: str) -> SymbolSpec:
    return SymbolSpec(symbol, Decimal(price_tick), Decimal(qty_tick), min_qty=Decimal(qty_tick))


# The original README's table, used only when query_symbol_info fails (min qty = one lot).
FALLBACK_SPECS: dict[str, SymbolSpec] = {
    "BTC-USD": _spec("BTC-USD", "0.0001", "0.01"),
    "ETH-USD": _spec("ETH-USD", "0.001", "0.1"),
    "XAU-USD": _spec("XAU-USD", "0.01", "0.1"),
    "XAG-USD": _spec("XAG-USD", "0.1", "0.01"),
}
