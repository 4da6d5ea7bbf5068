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

from trading.core.domain import RunState
from trading.core.inventory import OFF, ON, inventory_problems
from trading.core.quoting import loop_problems
from trading.symbols import KNOWN_SYMBOLS

# The strategy values trading.core.quoting.loop_problems judges together.
LOOP_FIELDS = ("spread_bps", "proximity_guard_bps", "max_spread_deviation_bps")
# ... and the ones trading.core.inventory.inventory_problems judges together.
INVENTORY_FIELDS = ("max_notional", "bid_notional", "ask_notional")
# Inventory control (issue 16), each off by default: shown together on the dashboard and admin.
INVENTORY_CONTROL_FIELDS = (
    "inventory_skew_bps",
    "fill_cooldown_seconds",
    "flatten_on_stop",
    "flatten_on_kill",
    "flatten_after_fill",
    "flatten_maker_seconds",
)


def validate_symbol(value: str) -> None:
    if value not in KNOWN_SYMBOLS:
        raise ValidationError(
            f"Unknown symbol {value!r}; choose one of {', '.join(KNOWN_SYMBOLS)}."
        )


def _positive(limit: str):
    return [MinValueValidator(Decimal("0.000001")), MaxValueValidator(Decimal(limit))]


class BotConfig(models.Model):
    """One row per named bot; a fresh install has one, 'default'."""

    class RequoteMode(models.TextChoices):
        MAKE_BEFORE_BREAK = "make_before_break"
        CANCEL_FIRST = "cancel_first"

    class QuoteStrategy(models.TextChoices):
        SPREAD = "spread", "spread: mid ± SPREAD_BPS (the original)"
        BAND = "band", "band: both sides held inside the reward band of the mark"

    name = models.SlugField(max_length=40, unique=True, default="default")
    symbol = models.CharField(max_length=20, validators=[validate_symbol])
    spread_bps = models.DecimalField(max_digits=10, decimal_places=4, validators=_positive("1000"))
    bid_notional = models.DecimalField(
        max_digits=20, decimal_places=4, validators=_positive("10000000")
    )
    ask_notional = models.DecimalField(
        max_digits=20, decimal_places=4, validators=_positive("10000000")
    )
    requote_threshold_bps = models.DecimalField(
        max_digits=10, decimal_places=4, validators=_positive("1000")
    )
    refresh_interval = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("60"))],
    )
    proximity_guard_bps = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    max_notional = models.DecimalField(
        max_digits=20, decimal_places=4, validators=_positive("100000000")
    )
    max_consecutive_failures = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    stale_order_seconds = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("86400"))],
    )
    max_spread_deviation_bps = models.DecimalField(
        max_digits=10, decimal_places=4, validators=_positive("10000")
    )
    uptime_target_minutes = models.PositiveIntegerField(validators=[MaxValueValidator(60)])
    uptime_band_bps = models.DecimalField(
        max_digits=10, decimal_places=4, validators=_positive("1000")
    )
    requote_mode = models.CharField(max_length=20, choices=RequoteMode.choices)
    quote_strategy = models.CharField(
        max_length=10, choices=QuoteStrategy.choices, default=QuoteStrategy.SPREAD
    )
    band_margin_bps = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text="band: least distance kept from the band's edge, bps (0: from measured "
        "volatility and latency)",
    )
    band_min_rest_seconds = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("60"))],
        help_text="band: an order rests at least this long before a non-urgent cancel",
    )
    band_max_requests_per_minute = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(10), MaxValueValidator(3000)],
        help_text="band: above this many requests a minute the bot holds its orders longer",
    )

    # What the environment (.env) said at this bot's last start: {"mode": sim|live, "env":
    # {field: value as text}} of the env-seeded strategy values, never secrets. A value that
    # changed in .env since then is applied at the next start (trading/fleet/envsync.py).
    last_start = models.JSONField(default=dict, blank=True, editable=False)

    # Inventory control (trading/core/inventory.py, docs/operations.md "Inventory and risk").
    inventory_skew_bps = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
        help_text="the side that adds to the position moves this many bps away from the mark "
        "at MAX_NOTIONAL (in proportion below it), never out of the reward band; 0: off",
    )
    fill_cooldown_seconds = models.DecimalField(
        max_digits=7,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("600"))],
        help_text="after a fill, that side places nothing for this long; 0: off",
    )
    flatten_on_stop = models.CharField(
        max_length=3,
        choices=[(OFF, "off: a stop keeps the position"), (ON, "on: a stop flattens it")],
        default=OFF,
        help_text="stop and process shutdown close the position with reduce-only orders",
    )
    flatten_on_kill = models.CharField(
        max_length=3,
        choices=[(OFF, "off: a kill keeps the position"), (ON, "on: a kill flattens it")],
        default=OFF,
        help_text="a kill (by hand or the kill switch) closes the position with reduce-only orders",
    )
    flatten_after_fill = models.CharField(
        max_length=3,
        choices=[(OFF, "off: fills build a position"), (ON, "on: each fill is flattened")],
        default=OFF,
        help_text="after a fill while running, close the position with reduce-only orders "
        "(maker at the touch, then taker)",
    )
    flatten_maker_seconds = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="flattening: how long the reduce-only maker order at the touch waits before "
        "a taker order closes the rest; 0: taker at once",
    )

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
        """Every strategy field as plain values (what the engine and the API see)."""
        names = list(settings.BOT_DEFAULTS)
        return {n: getattr(self, n) for n in names}


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
