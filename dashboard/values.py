"""Reading snapshot values for the panels: times, decimals and minutes arrive as strings,
numbers or nothing, and a panel must survive each of them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation


def parse_time(value) -> dt.datetime | None:
    """Snapshot times may be ISO strings, epoch seconds or datetimes (all UTC)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, (int, float, Decimal)):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    try:
        return parse_time(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def decimal_or_none(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def float_or_none(value) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def percent_of_hour(minutes: float) -> float:
    """Minutes as a share of the hour, clamped to 0..100, for bar widths."""
    return round(max(0.0, min(100.0, minutes / 60 * 100)), 2)
