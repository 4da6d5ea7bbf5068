"""The one validation path for strategy changes: ModelForms over BotConfig, so the dashboard,
the API and admin all end in the model's validators and BotConfig.clean()."""
from __future__ import annotations

from django import forms
from django.conf import settings

from trading.models import KNOWN_SYMBOLS, BotConfig

DASHBOARD_FIELDS = ("symbol", "spread_bps", "bid_notional", "ask_notional", "requote_threshold_bps")


class BotConfigForm(forms.ModelForm):
    """What a trader changes during the day, on the dashboard."""

    class Meta:
        model = BotConfig
        fields = DASHBOARD_FIELDS
        labels = {"spread_bps": "Spread (bps)", "bid_notional": "Bid notional",
                  "ask_notional": "Ask notional", "requote_threshold_bps": "Requote threshold (bps)"}
        widgets = {"symbol": forms.Select(choices=[(s, s) for s in KNOWN_SYMBOLS])}


class StrategyForm(forms.ModelForm):
    """Every strategy value (the API's POST /api/config); the run state is not among them:
    that changes only through start/stop/kill."""

    class Meta:
        model = BotConfig
        fields = tuple(settings.BOT_DEFAULTS)
