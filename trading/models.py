"""Persistent state: the bot's configuration, its hourly uptime and money, its fills and
its order audit log.

Secrets never live here: credentials come from the environment only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trading.core.bot_settings import KNOWN_SYMBOLS, SPEC, BotSettings, Setting
from trading.core.domain import RunState
from trading.core.inventory import inventory_problems
from trading.core.quoting import loop_problems
from trading.core.strategies import strategy_for

# The strategy values trading.core.quoting.loop_problems judges together.
LOOP_FIELDS = ("spread_bps", "proximity_guard_bps", "max_spread_deviation_bps")
# ... and the ones trading.core.inventory.inventory_problems judges together.
INVENTORY_FIELDS = ("max_notional", "bid_notional", "ask_notional")
# A "more than 0" minimum, as the columns have always stored it (forms say "more than 0").
SMALLEST_POSITIVE = Decimal("0.000001")


def validate_symbol(value: str) -> None:
    """Migration 0001's validator of `symbol` (the column now checks its choices)."""
    if value not in KNOWN_SYMBOLS:
        raise ValidationError(
            f"Unknown symbol {value!r}; choose one of {', '.join(KNOWN_SYMBOLS)}."
        )


def setting_field(name: str) -> models.Field:
    """BotConfig's column for a setting, from its declaration (trading/core/bot_settings.py):
    the default, the bounds as validators, the choices and the help text."""
    setting = SPEC[name]
    default, text = setting.stored_default, setting.help
    if setting.choices:
        return models.CharField(
            max_length=setting.length, choices=setting.choices, default=default, help_text=text
        )
    validators = _bounds(setting)
    if setting.kind is int:
        return models.PositiveIntegerField(validators=validators, default=default, help_text=text)
    return models.DecimalField(
        max_digits=setting.digits,
        decimal_places=setting.places,
        validators=validators,
        default=default,
        help_text=text,
    )


def _bounds(setting: Setting) -> list:
    low, high = setting.minimum, setting.maximum
    validators: list = []
    if low is not None:
        least = SMALLEST_POSITIVE if setting.above_minimum else low
        validators.append(MinValueValidator(int(least) if setting.kind is int else least))
    if high is not None:
        validators.append(MaxValueValidator(int(high) if setting.kind is int else high))
    return validators


class BotConfig(models.Model):
    """One row per named bot; a fresh install has one, 'default'. Its settings' columns are
    built from their one declaration (trading/core/bot_settings.py)."""

    name = models.SlugField(max_length=40, unique=True, default="default")
    symbol = setting_field("symbol")
    spread_bps = setting_field("spread_bps")
    bid_notional = setting_field("bid_notional")
    ask_notional = setting_field("ask_notional")
    requote_threshold_bps = setting_field("requote_threshold_bps")
    refresh_interval = setting_field("refresh_interval")
    proximity_guard_bps = setting_field("proximity_guard_bps")
    max_notional = setting_field("max_notional")
    max_consecutive_failures = setting_field("max_consecutive_failures")
    stale_order_seconds = setting_field("stale_order_seconds")
    max_spread_deviation_bps = setting_field("max_spread_deviation_bps")
    uptime_target_minutes = setting_field("uptime_target_minutes")
    uptime_band_bps = setting_field("uptime_band_bps")
    requote_mode = setting_field("requote_mode")
    quote_strategy = setting_field("quote_strategy")
    band_margin_bps = setting_field("band_margin_bps")
    band_min_rest_seconds = setting_field("band_min_rest_seconds")
    band_max_requests_per_minute = setting_field("band_max_requests_per_minute")

    # What the environment (.env) said at this bot's last start: {"mode": sim|live, "env":
    # {field: value as text}} of the env-seeded strategy values, never secrets. A value that
    # changed in .env since then is applied at the next start (trading/fleet/envsync.py).
    last_start = models.JSONField(default=dict, blank=True, editable=False)

    # Inventory control (trading/core/inventory.py, docs/operations.md "Inventory and risk").
    inventory_skew_bps = setting_field("inventory_skew_bps")
    fill_cooldown_seconds = setting_field("fill_cooldown_seconds")
    flatten_on_stop = setting_field("flatten_on_stop")
    flatten_on_kill = setting_field("flatten_on_kill")
    flatten_after_fill = setting_field("flatten_after_fill")
    flatten_maker_seconds = setting_field("flatten_maker_seconds")

    run_state = models.CharField(
        max_length=10,
        default=RunState.RUNNING.value,
        choices=[(s.value, s.value.title()) for s in RunState],
    )
    state_reason = models.CharField(max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bot configuration"

    def __str__(self) -> str:
        return f"{self.name} ({self.symbol})"

    def clean(self) -> None:
        problems = loop_problems({name: getattr(self, name) for name in LOOP_FIELDS})
        for field, why in inventory_problems(
            {name: getattr(self, name) for name in INVENTORY_FIELDS}
        ).items():
            problems.setdefault(field, why)
        if (
            self.spread_bps is not None
            and self.max_spread_deviation_bps is not None
            and self.spread_bps > self.max_spread_deviation_bps
        ):
            problems.setdefault(
                "spread_bps",
                f"Spread cannot exceed MAX_SPREAD_DEVIATION_BPS ({self.max_spread_deviation_bps}).",
            )
        if problems:
            raise ValidationError(problems)

    @classmethod
    def load(cls, name: str = "default") -> BotConfig:
        """The named bot's row, created from the environment's defaults on first use."""
        config, _ = cls.objects.get_or_create(name=name, defaults=dict(settings.BOT_DEFAULTS))
        return config

    def strategy_values(self) -> dict:
        """Every setting as stored (Decimals, whole numbers, words)."""
        return {name: getattr(self, name) for name in SPEC}

    def settings(self) -> BotSettings:
        """The typed settings the engine runs on. SettingsError names a stored value that is
        not valid (a row written by hand or by an older version), or a quote_strategy no
        strategy is registered for (UnknownStrategy): refused where settings are loaded."""
        settings = BotSettings.from_values(self.strategy_values())
        strategy_for(settings)
        return settings


class UptimeHour(models.Model):
    """Time-weighted uptime of one bot in one UTC hour, from confirmed resting intervals."""

    bot = models.CharField(max_length=40, default="default")
    hour = models.DateTimeField(help_text="Start of the UTC hour")
    symbol = models.CharField(max_length=20, blank=True, default="")
    two_sided_seconds = models.FloatField(default=0)
    in_band_seconds = models.FloatField(default=0)
    bid_seconds = models.FloatField(default=0)
    ask_seconds = models.FloatField(default=0)
    bid_dark_ms = models.FloatField(default=0)
    ask_dark_ms = models.FloatField(default=0)
    running_seconds = models.FloatField(default=0)
    counted_usd_seconds = models.FloatField(
        default=0, help_text="min(bid, ask) notional in band, integrated over the hour (USD x s)"
    )
    requotes = models.PositiveIntegerField(default=0)
    fills = models.PositiveIntegerField(default=0)
    # The reward schedule's estimate (trading/core/maker_hours.py, docs/standx-protocol.md
    # §7.5): what a restart needs to continue the hour, and the hour's result.
    weighted_size_seconds = models.FloatField(
        default=0,
        db_default=0,
        help_text="min(bid, ask) of the proximity-weighted, capped size (base units), "
        "integrated over the hour (units x s)",
    )
    reward_seconds = models.FloatField(
        default=0, db_default=0, help_text="Seconds both sides counted for the reward"
    )
    size_samples = models.JSONField(
        null=True, blank=True, help_text="The figure at random moments (snapshot scoring)"
    )
    maker_hours = models.DecimalField(
        max_digits=20,
        decimal_places=10,
        null=True,
        blank=True,
        help_text="Our estimate of the hour's Maker Hours (empty: the schedule gives no unit)",
    )
    reward_schedule = models.CharField(
        max_length=40, blank=True, default="", db_default="", help_text="Schedule it was scored by"
    )
    # StandX's own figure for the hour (GET /api/maker/uptime), when it reported one.
    exchange_in_band_seconds = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        unique_together = [("bot", "hour")]
        ordering = ["-hour"]

    def __str__(self) -> str:
        return f"{self.bot} {self.hour:%Y-%m-%d %H}:00 two-sided {self.two_sided_seconds:.0f}s"


class OrderEvent(models.Model):
    """Audit log: every order action, fill, reject, kill and config change."""

    class Kind(models.TextChoices):
        PLACE = "place"
        CANCEL = "cancel"
        OPEN = "open"
        CANCELED = "canceled"
        FILL = "fill"
        REJECT = "reject"
        ERROR = "error"
        KILL = "kill"
        START = "start"
        STOP = "stop"
        CONFIG = "config"
        FEED = "feed"
        INFO = "info"

    bot = models.CharField(max_length=40, default="default")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    symbol = models.CharField(max_length=20, blank=True, default="")
    side = models.CharField(max_length=4, blank=True, default="")
    price = models.DecimalField(max_digits=24, decimal_places=10, null=True, blank=True)
    qty = models.DecimalField(max_digits=24, decimal_places=10, null=True, blank=True)
    cl_ord_id = models.CharField(max_length=64, blank=True, default="")
    message = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["bot", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.kind} {self.side} {self.price or ''} {self.message}"


def money(**options) -> models.DecimalField:
    """A DUSD amount or a price: wide enough for any symbol, exact to 1e-10."""
    return models.DecimalField(max_digits=24, decimal_places=10, **options)


class BotFill(models.Model):
    """A fill of one of the bot's orders, as the exchange reported it (trade channel or
    query_trades), with the mark's move 5 s later. Written by the engine only."""

    bot = models.CharField(max_length=40, default="default")
    trade_id = models.BigIntegerField(help_text="The exchange's trade id")
    at = models.DateTimeField()
    symbol = models.CharField(max_length=20)
    side = models.CharField(max_length=4)
    price = money()
    qty = money()
    fee = money(help_text="DUSD paid (negative: a rebate)")
    liquidity = models.CharField(max_length=5, blank=True, default="", help_text="maker or taker")
    realized_pnl = money(default=Decimal("0"))
    order_id = models.BigIntegerField(null=True, blank=True)
    cl_ord_id = models.CharField(max_length=64, blank=True, default="")
    markout_bps = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The mark 5 s after the fill against its price, bps; positive = our way",
    )

    class Meta:
        unique_together = [("bot", "trade_id")]
        ordering = ["-at", "-trade_id"]
        indexes = [models.Index(fields=["bot", "-at"])]

    def __str__(self) -> str:
        return f"{self.bot} {self.at:%H:%M:%S} {self.side} {self.qty} {self.symbol} @ {self.price}"


class PnlHour(models.Model):
    """Money of one bot in one UTC hour: fills, fees, realised PnL and the unrealised PnL
    of its symbol at the hour's first and last look (beside UptimeHour's in-band time)."""

    bot = models.CharField(max_length=40, default="default")
    hour = models.DateTimeField(help_text="Start of the UTC hour")
    symbol = models.CharField(max_length=20, blank=True, default="")
    fills = models.PositiveIntegerField(default=0)
    maker_fills = models.PositiveIntegerField(default=0)
    taker_fills = models.PositiveIntegerField(default=0)
    volume = money(default=Decimal("0"))
    fees = money(default=Decimal("0"))
    realized_pnl = money(default=Decimal("0"))
    upnl_start = money(null=True, blank=True)
    upnl_end = money(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        unique_together = [("bot", "hour")]
        ordering = ["-hour"]
        verbose_name = "PnL hour"

    def __str__(self) -> str:
        return f"{self.bot} {self.hour:%Y-%m-%d %H}:00 fills {self.fills} fees {self.fees}"


class BotLease(models.Model):
    """Which engine worker may quote a bot, until when. One row per bot name.

    A worker takes the row with one conditional UPDATE (free, expired or already its own),
    so two workers never quote the same bot; trading/fleet/lease.py is the only writer.
    """

    bot = models.CharField(max_length=40, unique=True)
    holder = models.CharField(max_length=120, blank=True, default="")
    expires_at = models.DateTimeField()
    # Bumped whenever the holder changes: tells a takeover from a renewal in logs and tests.
    generation = models.PositiveBigIntegerField(default=0)
    acquired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.bot} held by {self.holder or '(nobody)'} until {self.expires_at:%H:%M:%S}"
