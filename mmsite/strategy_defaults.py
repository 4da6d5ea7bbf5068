"""The strategy defaults (settings.BOT_DEFAULTS) read from the environment and checked.

Each variable, its default and its bounds come from the settings' one declaration
(trading/core/bot_settings.py). The first BotConfig row is created from these; values that
could only loop or be clamped are refused here, as the form, the API and admin refuse them
(ImproperlyConfigured names the variable). The keys keep the declared order.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from mmsite.env import env_choice, env_decimal, env_int
from trading.core.bot_settings import SPEC, Setting
from trading.core.inventory import inventory_problems
from trading.core.quoting import loop_problems


def bot_defaults_from_env() -> dict[str, object]:
    defaults = {name: read_setting(setting) for name, setting in SPEC.items()}
    if loop_problems(defaults):
        raise ImproperlyConfigured(
            "The strategy settings would start a requote loop. "
            + " ".join(loop_problems(defaults).values())
        )
    if inventory_problems(defaults):
        raise ImproperlyConfigured(" ".join(inventory_problems(defaults).values()))
    spread, widest = defaults["spread_bps"], defaults["max_spread_deviation_bps"]
    if isinstance(spread, Decimal) and isinstance(widest, Decimal) and spread > widest:
        raise ImproperlyConfigured(
            f"SPREAD_BPS ({spread}) is wider than MAX_SPREAD_DEVIATION_BPS ({widest}): make "
            "SPREAD_BPS at most MAX_SPREAD_DEVIATION_BPS (the dashboard, API and admin "
            "refuse it too)."
        )
    return defaults


def read_setting(setting: Setting) -> object:
    """One setting's environment variable, as a config row stores it (a switch as off/on)."""
    if setting.choices:
        # Symbols are written in capitals (BTC-USD), every other choice in small letters.
        upper = all(value == value.upper() for value in setting.values)
        return env_choice(setting.env, setting.default_text, setting.values, upper=upper)
    low, high = setting.minimum, setting.maximum
    if setting.kind is int:
        return env_int(
            setting.env,
            int(setting.default_text),
            minimum=None if low is None else int(low),
            maximum=None if high is None else int(high),
        )
    return env_decimal(
        setting.env,
        setting.default_text,
        minimum=low,
        maximum=high,
        exclusive_minimum=setting.above_minimum,
    )
