"""The one validation path for strategy changes: ModelForms over BotConfig, so the dashboard,
the API and admin all end in the model's validators and BotConfig.clean()."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from trading.core.bot_settings import SPEC, names_in
from trading.core.domain import plain
from trading.models import BotConfig

DASHBOARD_FIELDS = (
    "symbol",
    "quote_strategy",
    "spread_bps",
    "bid_notional",
    "ask_notional",
    "requote_threshold_bps",
    # Inventory control (issue 16): the limit, the skew, the cooldown and the flattening.
    "max_notional",
    *names_in("inventory"),
)


def plain_error_messages(fields) -> dict[str, dict[str, str]]:
    """Meta.error_messages for BotConfig's number fields: the setting's name, its limit and
    unit (trading/core/bot_settings.py), instead of "Ensure this value is greater than or
    equal to 0.000001". (Django uses them for the form field's own checks and, by code, for
    the model's validators.)"""
    messages = {}
    for name in fields:
        setting = SPEC.get(name)
        if setting is None or setting.maximum is None:
            continue  # a choice: Django's own message names the value
        label, high = setting.label, setting.maximum
        unit = f" {setting.unit}" if setting.unit else ""
        low = setting.minimum if setting.minimum is not None else Decimal(0)
        at_least = f"more than {plain(low)}" if setting.above_minimum else f"at least {plain(low)}"
        entered = " (you entered %(value)s)"
        number = "a whole number" if setting.kind is int else "a number"
        messages[name] = {
            "invalid": f"{label} must be {number}{_of(unit)}, like {_example(setting)}.",
            "required": f"{label} is needed{f' ({unit.strip()})' if unit else ''}.",
            "min_value": f"{label} must be {at_least}{unit}{entered}.",
            "max_value": f"{label} must be at most {plain(high)}{unit}{entered}.",
            "max_digits": f"{label} has too many digits: at most {plain(high)}{unit}.",
            "max_decimal_places": f"{label} has too many decimal places.",
            "max_whole_digits": f"{label} is too large: at most {plain(high)}{unit}.",
        }
    return messages


def _of(unit: str) -> str:
    return f" of{unit}" if unit else ""


def _example(setting) -> str:
    if setting.kind is int:
        return "5"
    return "12.5" if setting.maximum > 100 else "5"


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
        labels = {name: SPEC[name].shown_label for name in DASHBOARD_FIELDS}
        error_messages = plain_error_messages(DASHBOARD_FIELDS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's long labels explain each choice in admin; a narrow select shows names.
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and SPEC[name].choices:
                field.choices = [(value, value) for value in SPEC[name].values]


class StrategyForm(ConfigRulesForm):
    """Every strategy value (the API's POST /api/config); the run state is not among them:
    that changes only through start/stop/kill."""

    class Meta:
        model = BotConfig
        fields = tuple(SPEC)
        error_messages = plain_error_messages(SPEC)
