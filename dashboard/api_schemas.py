"""What the API accepts and answers, as pydantic schemas: django-ninja validates with them
and publishes them in the OpenAPI document, so the document is the truth schemathesis checks
(tests/dashboard/test_api_fuzz.py runs all its checks).

ConfigIn is built from BotConfig's own fields (their validators' bounds, decimal places and
choices), so a schema-valid value is one the model accepts on its own; rules between fields
(spread within the maximum deviation, say) cannot be written in JSON Schema: breaking one is
a 409 (the change conflicts with the stored values or with another value sent). Decimals may
be JSON numbers or, exactly, plain decimal strings ("12.5"); the string form's pattern
(dashboard.decimal_pattern) states the range that JSON Schema cannot state for strings.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema, create_model

from dashboard.decimal_pattern import decimal_pattern
from dashboard.positions import CONFIRM_FIELD
from trading.core.bot_settings import SPEC
from trading.models import BotConfig


class ErrorOut(Schema):
    detail: str


class FieldError(Schema):
    model_config = ConfigDict(extra="allow")  # pydantic adds ctx for some errors
    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(Schema):
    detail: list[FieldError]


class ActionOut(Schema):
    action: str
    sent: bool
    detail: str


class ConfigOut(Schema):
    config: dict[str, str | int]
    sent: bool
    detail: str


Part = dict[str, Any] | None  # nested parts of the snapshot (docs/architecture.md)


class StatusOut(Schema):
    bot: str
    state: str
    state_reason: str | None
    mode: str | None
    symbol: str | None
    feed: Part
    market: Part
    quotes: Part
    failures: Part
    position: Part
    token_expires_at: str | None
    updated_at: str | None
    config: Part
    latency: Part
    strategy: Part
    account: Part  # every position of the account, balance, available margin, equity
    engine_connected: bool


class OrdersOut(Schema):
    mode: str | None  # sim, paper or live: the engine's (None: no engine connected)
    count: int
    orders: list[dict[str, Any]]


class FillOut(Schema):
    """One fill of the bot's orders. Money and sizes are decimal strings; markout_bps is
    the mark 5 s after the fill against its price (positive: the mark moved our way)."""

    time: str
    symbol: str
    side: Literal["buy", "sell"]
    price: str
    qty: str
    fee: str
    liquidity: Literal["maker", "taker", ""]
    realized_pnl: str
    markout_bps: str | None
    trade_id: int
    cl_ord_id: str


class DayOut(Schema):
    """One UTC day's fills, fees paid and realised PnL (decimal strings)."""

    day: str
    fills: int
    fees: str
    realized_pnl: str


class FillsOut(Schema):
    mode: str | None  # sim, paper or live: the engine's (None: no engine connected)
    count: int
    summary: dict[str, Any]  # this hour's and today's fills, fees, PnL, cost per in-band hour
    days: list[DayOut]  # the last 7 UTC days with fills, newest first
    fills: list[FillOut]  # newest first, at most 200


class UptimeOut(Schema):
    mode: str | None  # sim, paper or live: the engine's (None: no engine connected)
    current: Part
    tier: Part
    history: list[dict[str, Any]]
    exchange_uptime: Part


class BotRowOut(Schema):
    """trading.core.summary.summarize of a bot's snapshot."""

    bot: str
    state: str
    state_reason: str | None
    mode: str | None
    symbol: str | None
    engine: bool
    feed: str | None
    bid: str | None
    ask: str | None
    orders: int
    uptime: Part
    failures: Part
    position: Part
    latency: Part
    strategy: Part
    tier: Part
    updated_at: str | None


# ---------------------------------------------------------------- errors per operation

RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 1},
    }
}
ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut, 503: ErrorOut}
NAMED_ERRORS = {**ERRORS, 404: ErrorOut, 422: InvalidOut}  # 422: a name that is no slug
CONFIG_ERRORS = {400: ErrorOut, 409: InvalidOut, 422: InvalidOut}


def responses(ok: Any, named: bool = False, config: bool = False) -> dict:
    return {200: ok, **(NAMED_ERRORS if named else ERRORS), **(CONFIG_ERRORS if config else {})}


def add_retry_after(openapi: dict) -> dict:
    """ninja has no place for response headers: 429 and 503 carry Retry-After."""
    for operations in openapi["paths"].values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if str(status) in ("429", "503"):
                    response["headers"] = RETRY_AFTER
    return openapi


# ---------------------------------------------------------------- POST /api/config


def _bounds(field: models.Field) -> tuple[Decimal | None, Decimal]:
    """The tightest of the field's Min/MaxValueValidators (Django adds the column's own).
    A field without a maximum has no range to publish: that is a TypeError at import."""
    lows = [
        Decimal(str(v.limit_value)) for v in field.validators if isinstance(v, MinValueValidator)
    ]
    highs = [
        Decimal(str(v.limit_value)) for v in field.validators if isinstance(v, MaxValueValidator)
    ]
    if not highs:
        raise TypeError(
            f"BotConfig.{field.name}: no MaxValueValidator, so no range for the API schema"
        )
    return max(lows, default=None), min(highs)


def _plain_decimal_text(pattern: str, low: Decimal, high: Decimal, places: int):
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, str) and not compiled.fullmatch(value):
            raise ValueError(
                f"must be a plain decimal from {low.normalize():f} to "
                f'{high.normalize():f} with at most {places} decimals, e.g. "12.5"'
            )
        return value

    return check


def _decimal(field: models.DecimalField) -> Any:
    low, high = _bounds(field)
    places = field.decimal_places
    step = Decimal(1).scaleb(-places)
    low = (low or Decimal(0)).quantize(step, rounding="ROUND_CEILING")
    if len(str(int(high))) > field.max_digits - places:
        raise TypeError(f"BotConfig.{field.name}: its maximum does not fit max_digits")
    pattern = decimal_pattern(low, high, places)
    schema = {
        "anyOf": [
            {
                "type": "number",
                "minimum": float(low),
                "maximum": float(high),
                "multipleOf": float(step),
            },
            {"type": "string", "pattern": pattern},
        ],
        "description": f"{low.normalize():f} to {high.normalize():f}, at most {places} "
        f'decimals; a JSON number or a string such as "12.5"',
    }
    return Annotated[
        Decimal,
        BeforeValidator(_plain_decimal_text(pattern, low, high, places)),
        Field(ge=low, le=high, decimal_places=places, allow_inf_nan=False),
        WithJsonSchema(schema),
    ]


def _whole_number(value: Any) -> Any:
    """JSON Schema's integer: 5 or 5.0, never "5", true or 2.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _strategy_type(name: str) -> Any:
    field = BotConfig._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"BotConfig.{name}: a relation has no API schema")
    if field.choices:
        return Literal[tuple(value for value, _label in field.choices)]
    if isinstance(field, models.DecimalField):
        return _decimal(field)
    if isinstance(field, models.IntegerField):
        low, high = _bounds(field)
        least, most = int(low or 0), int(high)
        return Annotated[
            int,
            BeforeValidator(_whole_number),
            Field(strict=True, ge=least, le=most),
            WithJsonSchema({"type": "integer", "minimum": least, "maximum": most}),
        ]
    raise TypeError(f"BotConfig.{name}: no API schema for {type(field).__name__}")


# Not a strategy value: the answer to "the bot holds a position on its current symbol;
# switch anyway?" (dashboard/positions.py). Without it such a switch is a 409.
CONFIRM_TYPE = Annotated[
    bool,
    Field(
        strict=True,
        description=(
            "true: change `symbol` even though the bot holds a position on its current symbol "
            "(that position stays open on the exchange, unmanaged). Without it such a change "
            "is refused with 409."
        ),
    ),
]


def _config_schema(schema: dict) -> None:
    """Nothing to change is refused, so say so; and no field is nullable (no null default)."""
    schema["minProperties"] = 1
    # ...and the confirmation alone changes nothing either: at least one strategy value.
    schema["anyOf"] = [{"required": [name]} for name in SPEC]
    schema["example"] = {"spread_bps": "12.5"}
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


def _config_in() -> type[Schema]:
    # Typed Any: mypy checks a **dict against create_model's own keyword parameters too
    # (__base__, __config__, ...), which a (type, default) pair does not fit.
    fields: dict[str, Any] = {name: (_strategy_type(name), None) for name in SPEC}
    fields[CONFIRM_FIELD] = (CONFIRM_TYPE, None)
    model = create_model("ConfigIn", __base__=Schema, **fields)
    model.model_config.update(ConfigDict(extra="forbid", json_schema_extra=_config_schema))
    model.__doc__ = (
        "Any non-empty subset of the strategy values; the rest keep their stored values."
    )
    model.model_rebuild(force=True)
    return model


if TYPE_CHECKING:

    class ConfigIn(Schema):
        """What mypy sees. To mypy a model built at run time is a variable, and a variable
        cannot annotate the endpoints' bodies; django-ninja gets the built model below."""
else:
    ConfigIn = _config_in()
