"""PURE readers for JSON values in StandX responses (used by protocol.py).

Decimals arrive as strings or JSON numbers depending on the endpoint and the docs' vintage,
ids as numbers or strings: accept both, via Decimal(str(x)), and reject what is unsafe to
trade on (NaN, infinity, unexpected negatives) with MalformedResponseError.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NoReturn, overload

from trading.core import bounded_json
from trading.core.domain import Side
from trading.standx.errors import MalformedResponseError

SNIPPET_CHARS = 120


def snippet(text: Any) -> str:
    """A short, single-line excerpt for error messages and logs."""
    return " ".join(str(text).split())[:SNIPPET_CHARS]


def parse_json(text: str | bytes) -> Any:
    try:
        return bounded_json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise MalformedResponseError(f"response is not JSON: {snippet(text)!r}") from None


def missing(key: str) -> NoReturn:
    raise MalformedResponseError(f"missing field {key!r}")


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedResponseError(f"{what} is not a JSON object: {snippet(value)!r}")
    return value


@overload
def dec(
    row: dict[str, Any],
    key: str,
    *,
    required: Literal[True] = True,
    signed: bool = False,
    default: Decimal | None = None,
) -> Decimal: ...
@overload
def dec(
    row: dict[str, Any], key: str, *, required: bool = True, signed: bool = False, default: Decimal
) -> Decimal: ...
@overload
def dec(
    row: dict[str, Any], key: str, *, required: bool, signed: bool = False, default: None = None
) -> Decimal | None: ...
def dec(
    row: dict[str, Any],
    key: str,
    *,
    required: bool = True,
    signed: bool = False,
    default: Decimal | None = None,
) -> Decimal | None:
    """Decimal from a string or JSON number; NaN/inf always, negatives unless signed, rejected."""
    value = row.get(key)
    if value is None or value == "":
        if required:
            missing(key)
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise MalformedResponseError(f"field {key!r} is not a number: {snippet(value)!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise MalformedResponseError(f"field {key!r} is not a number: {snippet(value)!r}") from None
    if not number.is_finite() or (number < 0 and not signed):
        raise MalformedResponseError(f"field {key!r} has an invalid value: {snippet(value)!r}")
    return number


@overload
def integer(value: Any, key: str, *, required: Literal[True]) -> int: ...
@overload
def integer(value: Any, key: str, *, required: bool = False) -> int | None: ...
def integer(value: Any, key: str, *, required: bool = False) -> int | None:
    """An integer from a JSON number or a numeric string (int64 ids arrive either way)."""
    if value is None or value == "":
        if required:
            missing(key)
        return None
    if isinstance(value, bool):
        raise MalformedResponseError(f"field {key!r} is not an integer")
    try:
        number = Decimal(str(value).strip())
        if not number.is_finite() or number != number.to_integral_value():
            raise InvalidOperation
        return int(number)
    except (InvalidOperation, ValueError):
        message = f"field {key!r} is not an integer: {snippet(value)!r}"
        raise MalformedResponseError(message) from None


def read_side(value: Any) -> Side:
    try:
        return Side(str(value).lower())
    except ValueError:
        raise MalformedResponseError(f"unknown side {snippet(value)!r}") from None


def first_text(row: dict[str, Any], *keys: str) -> str:
    """The first non-empty of keys as a string, or ''."""
    for key in keys:
        if row.get(key) not in (None, ""):
            return str(row[key])
    return ""


def required_text(row: dict[str, Any], key: str) -> str:
    return first_text(row, key) or missing(key)
