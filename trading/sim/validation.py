"""Strict parsing of write-request bodies. Decimals must be JSON strings, ints must be JSON
integers, symbols must exist, prices/quantities must sit on the symbol's ticks. Every
failure raises ApiError(400, <what is wrong>) before any state is touched."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from trading.core import bounded_json
from trading.core.domain import Side
from trading.sim.errors import bad_request
from trading.sim.symbols import SymbolDef
from trading.sim.util import is_multiple

ORDER_TYPES = ("limit", "market")
TIME_IN_FORCE = ("gtc", "ioc", "alo")
MARGIN_MODES = ("cross", "isolated")


@dataclass(frozen=True)
class OrderRequest:
    symbol: str
    side: Side
    order_type: str
    qty: Decimal
    price: Decimal | None
    time_in_force: str
    reduce_only: bool
    cl_ord_id: str | None
    leverage: int | None


def parse_json_object(raw: bytes | str) -> dict:
    try:
        body = bounded_json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("malformed JSON body") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def require(body: dict, name: str) -> object:
    if body.get(name) is None:
        raise bad_request(f"missing required field: {name}")
    return body[name]


def decimal_field(body: dict, name: str) -> Decimal:
    value = require(body, name)
    if not isinstance(value, str):
        raise bad_request(f'{name} must be a decimal string, e.g. "0.1"')
    try:
        parsed = Decimal(value.strip())
    except InvalidOperation:
        raise bad_request(f"{name} is not a valid decimal: {value!r}") from None
    if not parsed.is_finite():
        raise bad_request(f"{name} is not a valid decimal: {value!r}")
    return parsed


def int_field(body: dict, name: str, required: bool = True) -> int | None:
    if body.get(name) is None:
        if required:
            raise bad_request(f"missing required field: {name}")
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} must be an integer")
    return value


def choice_field(body: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = require(body, name)
    if not isinstance(value, str) or value not in allowed:
        raise bad_request(f"{name} must be one of {', '.join(allowed)}")
    return value


def symbol_field(body: dict, symbols: dict[str, SymbolDef]) -> SymbolDef:
    value = require(body, "symbol")
    if not isinstance(value, str) or value not in symbols:
        raise bad_request(f"unknown symbol: {value!r}")
    return symbols[value]


def parse_new_order(body: dict, symbols: dict[str, SymbolDef]) -> OrderRequest:
    d = symbol_field(body, symbols)
    side = Side(choice_field(body, "side", ("buy", "sell")))
    order_type = choice_field(body, "order_type", ORDER_TYPES)
    tif = choice_field(body, "time_in_force", TIME_IN_FORCE)
    qty = _checked_qty(decimal_field(body, "qty"), d)
    price = _checked_price(decimal_field(body, "price"), d) if order_type == "limit" else None
    reduce_only = body.get("reduce_only", False)
    if not isinstance(reduce_only, bool):
        raise bad_request("reduce_only must be a boolean")
    if body.get("margin_mode") is not None:
        choice_field(body, "margin_mode", MARGIN_MODES)
    leverage = int_field(body, "leverage", required=False)
    if leverage is not None:
        check_leverage(leverage, d)
    return OrderRequest(
        d.symbol, side, order_type, qty, price, tif, reduce_only, _cl_ord_id(body), leverage
    )


def check_leverage(leverage: int, d: SymbolDef) -> None:
    if leverage < 1 or leverage > d.max_leverage:
        raise bad_request(
            f"leverage {leverage} is outside 1..{d.max_leverage} (max leverage for {d.symbol})"
        )


def _checked_qty(qty: Decimal, d: SymbolDef) -> Decimal:
    if qty <= 0:
        raise bad_request("qty must be positive")
    if not is_multiple(qty, d.qty_tick):
        raise bad_request(f"qty {qty} is not a multiple of the lot size {d.qty_tick}")
    if qty < d.min_qty:
        raise bad_request(f"qty {qty} is below min_order_qty {d.min_qty}")
    if qty > d.max_order_qty:
        raise bad_request(f"qty {qty} is above max_order_qty {d.max_order_qty}")
    return qty


def _checked_price(price: Decimal, d: SymbolDef) -> Decimal:
    if price <= 0:
        raise bad_request("price must be positive for a limit order")
    if not is_multiple(price, d.price_tick):
        raise bad_request(f"price {price} is not a multiple of the price tick {d.price_tick}")
    return price


def _cl_ord_id(body: dict) -> str | None:
    value = body.get("cl_ord_id")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 128:
        raise bad_request("cl_ord_id must be a string of at most 128 characters")
    return value


def parse_cancel(body: dict) -> tuple[int | None, str | None]:
    """cancel_order: order_id (int) or cl_ord_id (string); both may be sent."""
    order_id = int_field(body, "order_id", required=False)
    cl_ord_id = body.get("cl_ord_id")
    if cl_ord_id is not None and not isinstance(cl_ord_id, str):
        raise bad_request("cl_ord_id must be a string")
    if order_id is None and not cl_ord_id:
        raise bad_request("missing required field: order_id or cl_ord_id")
    return order_id, cl_ord_id or None


def parse_cancel_many(body: dict) -> tuple[list[int], list[str]]:
    ids = body.get("order_id_list") or []
    cls = body.get("cl_ord_id_list") or []
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise bad_request("order_id_list must be a list of integers")
    if not isinstance(cls, list) or any(not isinstance(c, str) for c in cls):
        raise bad_request("cl_ord_id_list must be a list of strings")
    if not ids and not cls:
        raise bad_request("missing required field: order_id_list or cl_ord_id_list")
    return ids, cls
