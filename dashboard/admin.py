"""Django admin: edit the bot's configuration, read its uptime, fills, money and audit log.

Part of the web tier (the dashboard app), beside the forms, controls and words it uses.
BotConfig goes through the same ModelForm validation as the dashboard and the API (the
model's validators and clean()); its fieldsets are the settings' declared groups. Uptime,
fills, money and events are written by the engine only, so here they are read-only.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from dashboard.controls import send
from dashboard.event_words import plain_message
from dashboard.forms import ConfigRulesForm, plain_error_messages
from dashboard.positions import switch_warning
from trading.core.bot_settings import GROUPS, SPEC, names_in
from trading.core.domain import plain
from trading.models import BotConfig, BotFill, OrderEvent, PnlHour, UptimeHour

log = logging.getLogger(__name__)


def plain_column(field: str, description: str):
    """A decimal list column as a person writes it (66331.75, not 66331.7500000000)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj) -> str:
        value = getattr(obj, field)
        return "–" if value is None else plain(value)

    column.__name__ = f"{field}_plain"
    return column


class BotConfigAdminForm(ConfigRulesForm):
    """Each setting labelled and its errors worded as declared; changing the symbol while the
    bot holds a position on its current symbol needs the confirmation box."""

    confirm_open_position = forms.BooleanField(
        required=False,
        label="Switch despite an open position",
        help_text="Needed only when the symbol changes while the bot holds a position on its "
        "current symbol: that position stays open on the exchange, unmanaged.",
    )

    class Meta:
        model = BotConfig
        fields = ("symbol",)  # admin adds the fieldsets' fields
        labels = {name: setting.shown_label for name, setting in SPEC.items()}
        error_messages = plain_error_messages(SPEC)

    def clean(self) -> dict:
        data = super().clean() or {}

        if self.instance.pk and "symbol" in self.changed_data:
            warning = switch_warning(self.instance.name, self.initial["symbol"], data.get("symbol"))
            if warning and not data.get("confirm_open_position"):
                self.add_error("symbol", f"{warning} Tick the box below to switch anyway.")
        return data


def _setting_groups(but: tuple[str, ...]) -> list[Any]:
    """A fieldset per declared group of settings (its title, its settings in order)."""
    groups = {group: [n for n in names_in(group) if n not in but] for group in GROUPS}
    return [(GROUPS[group], {"fields": names}) for group, names in groups.items() if names]


@admin.register(BotConfig)
class BotConfigAdmin(admin.ModelAdmin):
    form = BotConfigAdminForm
    list_display = (
        "name",
        "symbol",
        "quote_strategy",
        "spread",
        "bid",
        "ask",
        "requote_threshold",
        "run_state",
        "updated_at",
    )
    spread = plain_column("spread_bps", "spread (bps)")
    bid = plain_column("bid_notional", "bid notional (USD)")
    ask = plain_column("ask_notional", "ask notional (USD)")
    requote_threshold = plain_column("requote_threshold_bps", "requote threshold (bps)")
    # The engine owns the run state: start/stop/kill are controls, not edits.
    readonly_fields = ("run_state", "state_reason", "updated_at")
    # The settings by their declared group (trading/core/bot_settings.py); the symbol first,
    # beside the box that confirms a switch with an open position.
    fieldsets = [
        (None, {"fields": ("name", "symbol", "confirm_open_position")}),
        *_setting_groups(but=("symbol",)),
        ("State (set by the engine)", {"fields": ("run_state", "state_reason", "updated_at")}),
    ]

    def get_object(self, request, object_id, from_field=None):
        """A change is read under a row lock (admin's change view runs in a transaction), so
        BotConfig.clean() judges the latest row and a concurrent API change is not undone."""
        obj = super().get_object(request, object_id, from_field)
        if (
            obj is not None
            and request.method == "POST"
            and transaction.get_connection().in_atomic_block
        ):
            obj = BotConfig.objects.select_for_update().get(pk=obj.pk)
        return obj

    def save_model(self, request, obj, form, change) -> None:
        if change:
            # Only what this form changed: never a stale copy of the rest (or the run state).
            # (The form's confirmation box is no column.)
            columns = {f.name for f in obj._meta.concrete_fields}
            obj.save(update_fields=[*(f for f in form.changed_data if f in columns), "updated_at"])
        else:
            super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: self.notify_engine(request, obj))

    def notify_engine(self, request, obj: BotConfig) -> None:
        """Tell a running engine to reload; admin must keep working when none runs."""
        sent = send(obj.name, "config", user=request.user.get_username(), source="admin")
        if not sent.ok:
            self.message_user(request, "Saved. " + sent.detail, level=messages.WARNING)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UptimeHour)
class UptimeHourAdmin(ReadOnlyAdmin):
    list_display = (
        "hour",
        "bot",
        "symbol",
        "two_sided_minutes",
        "in_band_minutes",
        "exchange_in_band_minutes",
        "requotes",
        "fills",
    )
    list_filter = ("bot", "symbol")
    date_hierarchy = "hour"

    @admin.display(description="two-sided min", ordering="two_sided_seconds")
    def two_sided_minutes(self, obj: UptimeHour) -> str:
        return f"{obj.two_sided_seconds / 60:.1f}"

    @admin.display(description="in-band min", ordering="in_band_seconds")
    def in_band_minutes(self, obj: UptimeHour) -> str:
        return f"{obj.in_band_seconds / 60:.1f}"

    @admin.display(description="StandX in-band min", ordering="exchange_in_band_seconds")
    def exchange_in_band_minutes(self, obj: UptimeHour) -> str:
        """StandX's own figure for the hour, when it reported one."""
        seconds = obj.exchange_in_band_seconds
        return "–" if seconds is None else f"{seconds / 60:.1f}"


@admin.register(OrderEvent)
class OrderEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "bot", "kind", "symbol", "side", "price_", "qty_", "cl_ord_id", "what")
    price_ = plain_column("price", "price")
    qty_ = plain_column("qty", "qty")

    @admin.display(description="message")
    def what(self, obj: OrderEvent) -> str:
        """In plain words (dashboard.event_words); the message as logged is in the row."""
        return plain_message(obj.kind, obj.message)

    list_filter = ("kind", "bot", "symbol", "side")
    search_fields = ("cl_ord_id", "message")
    date_hierarchy = "at"


@admin.register(BotFill)
class BotFillAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "bot",
        "symbol",
        "side",
        "price",
        "qty",
        "fee",
        "liquidity",
        "realized_pnl",
        "markout_bps",
        "trade_id",
        "cl_ord_id",
    )
    list_filter = ("bot", "symbol", "side", "liquidity")
    search_fields = ("cl_ord_id", "=trade_id")
    date_hierarchy = "at"


@admin.register(PnlHour)
class PnlHourAdmin(ReadOnlyAdmin):
    list_display = (
        "hour",
        "bot",
        "symbol",
        "fills",
        "maker_fills",
        "taker_fills",
        "fees",
        "realized_pnl",
        "upnl_start",
        "upnl_end",
    )
    list_filter = ("bot", "symbol")
    date_hierarchy = "hour"
