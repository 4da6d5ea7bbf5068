"""The one validation path for strategy changes: ModelForms over BotConfig, so the dashboard,
the API and admin all end in the model's validators and BotConfig.clean()."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS

from trading.models import KNOWN_SYMBOLS, BotConfig

DASHBOARD_FIELDS = (
    "symbol",
    "quote_strategy",
    "spread_bps",
    "bid_notional",
    "ask_notional",
    "requote_threshold_bps",
)


class ConfigRulesForm(forms.ModelForm):
    """BotConfig.clean() judges fields together (a requote loop needs two of them) and names
    the field it blames. A form that does not show that field (the dashboard shows six)
    carries the message as a form-wide error instead of failing on the unknown field."""

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
        }
        widgets = {"symbol": forms.Select(choices=[(s, s) for s in KNOWN_SYMBOLS])}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's long labels explain each choice in admin; a narrow select shows names.
        strategy = self.fields["quote_strategy"]
        if not isinstance(strategy, forms.ChoiceField):
            raise TypeError(f"quote_strategy is a {type(strategy).__name__}, not a choice field")
        strategy.choices = [(c, c) for c in BotConfig.QuoteStrategy.values]


class StrategyForm(ConfigRulesForm):
    """Every strategy value (the API's POST /api/config); the run state is not among them:
    that changes only through start/stop/kill."""

    class Meta:
        model = BotConfig
        fields = tuple(settings.BOT_DEFAULTS)
