"""The strategy defaults (settings.BOT_DEFAULTS) read from the environment and checked.

The first BotConfig row is created from these; values that could only loop or be clamped
are refused here, as the form, the API and admin refuse them (ImproperlyConfigured names
the variable). Split by role so each reader stays short; the keys keep their order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from mmsite.env import env_choice, env_decimal, env_int
from trading.core.inventory import inventory_problems
from trading.core.quoting import loop_problems
from trading.symbols import KNOWN_SYMBOLS


def bot_defaults_from_env() -> dict[str, object]:
    quoting, limits = _quoting_defaults(), _limit_defaults()
    defaults: dict[str, object] = {**quoting, **limits, **_band_defaults(), **_inventory_defaults()}
    if loop_problems(defaults):
        raise ImproperlyConfigured(
            "The strategy settings would start a requote loop. "
            + " ".join(loop_problems(defaults).values())
        )
    if inventory_problems(defaults):
        raise ImproperlyConfigured(" ".join(inventory_problems(defaults).values()))
    if quoting["spread_bps"] > limits["max_spread_deviation_bps"]:
        raise ImproperlyConfigured(
            f"SPREAD_BPS ({defaults['spread_bps']}) is wider than MAX_SPREAD_DEVIATION_BPS "
            f"({defaults['max_spread_deviation_bps']}): make SPREAD_BPS at most "
            "MAX_SPREAD_DEVIATION_BPS (the dashboard, API and admin refuse it too)."
        )
    return defaults


def _quoting_defaults() -> dict[str, Any]:
    return {
        "symbol": env_choice("SYMBOL", "BTC-USD", KNOWN_SYMBOLS, upper=True),
        "spread_bps": env_decimal(
            "SPREAD_BPS",
            "50.0",
            minimum=Decimal("0"),
            maximum=Decimal("1000"),
            exclusive_minimum=True,
        ),
        "bid_notional": env_decimal(
            "BID_NOTIONAL", "30.0", minimum=Decimal("0"), exclusive_minimum=True
        ),
        "ask_notional": env_decimal(
            "ASK_NOTIONAL", "30.0", minimum=Decimal("0"), exclusive_minimum=True
        ),
        "refresh_interval": env_decimal(
            "REFRESH_INTERVAL", "1.0", minimum=Decimal("0.05"), maximum=Decimal("60")
        ),
        "requote_threshold_bps": env_decimal(
            "REQUOTE_THRESHOLD_BPS",
            "25.0",
            minimum=Decimal("0"),
            maximum=Decimal("1000"),
            exclusive_minimum=True,
        ),
        "proximity_guard_bps": env_decimal(
            "PROXIMITY_GUARD_BPS", "1.0", minimum=Decimal("0"), maximum=Decimal("1000")
        ),
    }


def _limit_defaults() -> dict[str, Any]:
    return {
        # The position limit: 300 USD is ten default (30 USD) orders filled on one side
        # (docs/operations.md "Inventory and risk": what tighter costs on a fast market).
        "max_notional": env_decimal(
            "MAX_NOTIONAL", "300", minimum=Decimal("0"), exclusive_minimum=True
        ),
        "max_consecutive_failures": env_int("MAX_CONSECUTIVE_FAILURES", 5, minimum=1, maximum=1000),
        "stale_order_seconds": env_decimal(
            "STALE_ORDER_SECONDS", "30", minimum=Decimal("1"), maximum=Decimal("86400")
        ),
        "max_spread_deviation_bps": env_decimal(
            "MAX_SPREAD_DEVIATION_BPS",
            "200",
            minimum=Decimal("0"),
            maximum=Decimal("10000"),
            exclusive_minimum=True,
        ),
        "uptime_target_minutes": env_int("UPTIME_TARGET_MINUTES", 30, minimum=0, maximum=60),
        "uptime_band_bps": env_decimal(
            "UPTIME_BAND_BPS",
            "10",
            minimum=Decimal("0"),
            maximum=Decimal("1000"),
            exclusive_minimum=True,
        ),
        "requote_mode": env_choice(
            "REQUOTE_MODE", "make_before_break", ("make_before_break", "cancel_first")
        ),
    }


def _band_defaults() -> dict[str, Any]:
    # The band strategy (QUOTE_STRATEGY=band): what StandX pays for, both sides inside
    # UPTIME_BAND_BPS of the mark. docs/operations.md explains how to tune it.
    return {
        "quote_strategy": env_choice("QUOTE_STRATEGY", "spread", ("spread", "band")),
        "band_margin_bps": env_decimal(
            "BAND_MARGIN_BPS", "0", minimum=Decimal("0"), maximum=Decimal("50")
        ),
        "band_min_rest_seconds": env_decimal(
            "BAND_MIN_REST_SECONDS", "3", minimum=Decimal("0"), maximum=Decimal("60")
        ),
        "band_max_requests_per_minute": env_int(
            "BAND_MAX_REQUESTS_PER_MINUTE", 300, minimum=10, maximum=3000
        ),
    }


def _inventory_defaults() -> dict[str, Any]:
    # Inventory control, each off by default (docs/operations.md "Inventory and risk").
    return {
        "inventory_skew_bps": env_decimal(
            "INVENTORY_SKEW_BPS", "0", minimum=Decimal("0"), maximum=Decimal("50")
        ),
        "fill_cooldown_seconds": env_decimal(
            "FILL_COOLDOWN_SECONDS", "0", minimum=Decimal("0"), maximum=Decimal("600")
        ),
        "flatten_on_stop": env_choice("FLATTEN_ON_STOP", "off", ("off", "on")),
        "flatten_on_kill": env_choice("FLATTEN_ON_KILL", "off", ("off", "on")),
        "flatten_after_fill": env_choice("FLATTEN_AFTER_FILL", "off", ("off", "on")),
        "flatten_maker_seconds": env_decimal(
            "FLATTEN_MAKER_SECONDS", "3", minimum=Decimal("0"), maximum=Decimal("10")
        ),
    }
