"""Formatting filters for the dashboard partials (numbers arrive as strings or floats)."""

from __future__ import annotations

from django import template

from dashboard.values import decimal_or_none
from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS

register = template.Library()


_number = decimal_or_none


@register.simple_tag
def snapshot_fresh_seconds() -> int:
    """For the page's script: past this a bot's figures are stale."""
    return SNAPSHOT_FRESH_SECONDS


@register.filter
def bps(value) -> str:
    """Signed basis points with one decimal: '+12.5', '-3.0'; '–' when unknown."""
    number = _number(value)
    return "–" if number is None else f"{number:+.1f}"


@register.filter
def num(value, places=None) -> str:
    """A price or size as sent (exact), or rounded to `places` when given."""
    number = _number(value)
    if number is None:
        return "–"
    if places not in (None, ""):
        return f"{number:,.{int(places)}f}"
    return f"{number:,f}"


@register.filter
def usd(value) -> str:
    """An amount of money to the hundredth of a cent, without zeros that say nothing:
    '0.00', '0.0033', '99,990.31' (not '0.0000' or '99,990.3100')."""
    number = _number(value)
    if number is None:
        return "–"
    text = f"{number:,.4f}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return text


@register.filter
def age(seconds) -> str:
    """Compact duration: '0.4s', '12s', '3m 05s', '2h 07m'."""
    number = _number(seconds)
    if number is None:
        return "–"
    s = float(number)
    if s < 10:
        return f"{max(s, 0):.1f}s"
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{int(s // 60)}m {int(s % 60):02d}s"
    return f"{int(s // 3600)}h {int(s % 3600 // 60):02d}m"


@register.filter
def minutes(value) -> str:
    number = _number(value)
    return "–" if number is None else f"{float(number):.1f}"
