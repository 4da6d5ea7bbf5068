"""The one validation path for strategy changes: ModelForms over BotConfig, so the dashboard,
the API and admin all end in the model's validators and BotConfig.clean()."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trading.models import INVENTORY_CONTROL_FIELDS, KNOWN_SYMBOLS, BotConfig

# What each value is called on screen, and its unit: error messages name both.
FIELD_WORDS = {
    "spread_bps": ("Spread", "bps"),
    "bid_notional": ("Bid notional", "USD"),
    "ask_notional": ("Ask notional", "USD"),
    "requote_threshold_bps": ("Requote threshold", "bps"),
    "refresh_interval": ("Refresh interval", "s"),
    "proximity_guard_bps": ("Proximity guard", "bps"),
    "max_notional": ("Max notional", "USD"),
    "max_consecutive_failures": ("Max consecutive failures", "failures"),
    "stale_order_seconds": ("Stale order age", "s"),
    "max_spread_deviation_bps": ("Max spread deviation", "bps"),
    "uptime_target_minutes": ("Uptime target", "min"),
    "uptime_band_bps": ("Uptime band", "bps"),
    "band_margin_bps": ("Band margin", "bps"),
    "band_min_rest_seconds": ("Band minimum rest", "s"),
    "band_max_requests_per_minute": ("Band request cap", "requests a minute"),
}
# The models' "positive" minimum (trading.models._positive): said as "more than 0".
SMALLEST_POSITIVE = Decimal("0.000001")

DASHBOARD_FIELDS = (
    "symbol",
    "quote_strategy",
    "spread_bps",
    "bid_notional",
    "ask_notional",
    "requote_threshold_bps",
    # Inventory control (issue 16): the limit, the skew, the cooldown and the flattening.
    "max_notional",
    *INVENTORY_CONTROL_FIELDS,
)


def plain(value: Decimal) -> str:
    """A stored Decimal as a person writes it: 50, not 50.0000; never in exponent form."""
    return format(value.normalize(), "f")


def plain_error_messages(fields) -> dict[str, dict[str, str]]:
    """Meta.error_messages for BotConfig's number fields: the field's name, the limit and the
    unit, instead of "Ensure this value is greater than or equal to 0.000001". (Django uses
    them for the form field's own checks and, by code, for the model's validators.)"""
    messages = {}
    for name in fields:
        if name not in FIELD_WORDS:
            continue
        label, unit = FIELD_WORDS[name]
        low, high = _limits(name)
        at_least = "more than 0" if low == SMALLEST_POSITIVE else f"at least {plain(low)}"
        entered = " (you entered %(value)s)"
        messages[name] = {
            "invalid": f"{label} must be a number of {unit}, like {_example(high)}.",
            "required": f"{label} is needed ({unit}).",
            "min_value": f"{label} must be {at_least} {unit}{entered}.",
            "max_value": f"{label} must be at most {plain(high)} {unit}{entered}.",
            "max_digits": f"{label} has too many digits: at most {plain(high)} {unit}.",
            "max_decimal_places": f"{label} has too many decimal places.",
            "max_whole_digits": f"{label} is too large: at most {plain(high)} {unit}.",
        }
    return messages


def _limits(name: str) -> tuple[Decimal, Decimal]:
    """The tightest bounds of the model's validators (Django adds an integer column's own)."""
    field = BotConfig._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"BotConfig.{name} is a relation, not a number")
    lows = [
        Decimal(str(v.limit_value)) for v in field.validators if isinstance(v, MinValueValidator)
    ]
    highs = [
        Decimal(str(v.limit_value)) for v in field.validators if isinstance(v, MaxValueValidator)
    ]
    if not lows or not highs:
        raise TypeError(f"BotConfig.{name}: no minimum or maximum to name in its messages")
    return max(lows), min(highs)


def _example(high: Decimal) -> str:
    return "12.5" if high > 100 else "5"


class ConfigRulesForm(forms.ModelForm):
    """BotConfig.clean() judges fields together (a requote loop needs two of them) and names
    the field it blames. A form that does not show that field (the dashboard shows six)
    carries the message as a form-wide error instead of failing on the unknown field.

    Stored decimals are shown as a person writes them (50, not 50.0000)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            for name, value in self.initial.items():
                if isinstance(value, Decimal):
                    self.initial[name] = plain(value)

    def _update_errors(self, errors) -> None:
        if hasattr(errors, "error_dict"):
            absent = [
                f for f in errors.error_dict if f != NON_FIELD_ERRORS and f not in self.fields
            ]
            for field in absent:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                    errors.error_dict.pop(field)
                )
        # BaseForm._update_errors is private Django API: django-stubs leaves it out.
        super()._update_errors(errors)  # type: ignore[misc]


class BotConfigForm(ConfigRulesForm):
    """What a trader changes during the day, on the dashboard."""

    class Meta:
        model = BotConfig
        fields = DASHBOARD_FIELDS
        labels = {
            "quote_strategy": "Quote strategy",
            "spread_bps": "Spread (bps)",
            "bid_notional": "Bid notional",
            "ask_notional": "Ask notional",
            "requote_threshold_bps": "Requote threshold (bps)",
            "max_notional": "Position limit (USD)",
            "inventory_skew_bps": "Inventory skew (bps)",
            "fill_cooldown_seconds": "Cooldown after a fill (s)",
            "flatten_on_stop": "Flatten on stop",
            "flatten_on_kill": "Flatten on kill",
            "flatten_after_fill": "Flatten after a fill",
            "flatten_maker_seconds": "Flatten: maker for (s)",
        }
        widgets = {"symbol": forms.Select(choices=[(s, s) for s in KNOWN_SYMBOLS])}
        error_messages = plain_error_messages(DASHBOARD_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's long labels explain each choice in admin; a narrow select shows names.
        strategy = self.fields["quote_strategy"]
        if not isinstance(strategy, forms.ChoiceField):
            raise TypeError(f"quote_strategy is a {type(strategy).__name__}, not a choice field")
        strategy.choices = [(c, c) for c in BotConfig.QuoteStrategy.values]
        for name in ("flatten_on_stop", "flatten_on_kill", "flatten_after_fill"):
            choice = self.fields[name]
            if isinstance(choice, forms.ChoiceField):
                choice.choices = [("off", "off"), ("on", "on")]


class StrategyForm(ConfigRulesForm):
    """Every strategy value (the API's POST /api/config); the run state is not among them:
    that changes only through start/stop/kill."""

    class Meta:
        model = BotConfig
        fields = tuple(settings.BOT_DEFAULTS)
        error_messages = plain_error_messages(settings.BOT_DEFAULTS)
