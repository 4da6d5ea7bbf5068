"""PURE: the table of quoting strategies, keyed by the QUOTE_STRATEGY setting's value, and
the three questions the rest of the bot asks of the one a bot's settings name.

Adding a strategy (docs/architecture.md, "Adding a strategy"): one module with a
`Strategy` subclass (trading/core/strategy.py), one line in STRATEGIES below, and its value
among the `quote_strategy` setting's choices (trading/core/bot_settings.py, plus the
migration `makemigrations` writes for the column's choices). Nothing else names a strategy:
the engine, the dashboard and the terminal ask this table.
"""

from __future__ import annotations

from decimal import Decimal

from trading.core.bot_settings import BotSettings, SettingsError
from trading.core.domain import BookTop
from trading.core.inventory import NO_SKEW, skew_for
from trading.core.strategy import Measured, PassView, Strategy, StrategyPlan
from trading.core.strategy_band import BandStrategy
from trading.core.strategy_spread import SpreadStrategy

STRATEGIES: dict[str, Strategy] = {s.name: s for s in (SpreadStrategy(), BandStrategy())}


class UnknownStrategy(SettingsError):
    """A QUOTE_STRATEGY value no strategy is registered for (a choice added to the setting
    without its registration)."""


def strategy_for(settings: BotSettings) -> Strategy:
    try:
        return STRATEGIES[settings.quote_strategy]
    except KeyError:
        raise UnknownStrategy(
            f"quote_strategy {settings.quote_strategy!r} has no registered strategy "
            f"(known: {', '.join(STRATEGIES)})"
        ) from None


def plan_pass(
    settings: BotSettings,
    top: BookTop,
    mark: Decimal | None,
    measured: Measured,
    position_qty: Decimal = Decimal("0"),
) -> StrategyPlan:
    """The plan for one quoting pass by the strategy the settings name. With a position
    and INVENTORY_SKEW_BPS the adding side is moved (each strategy says how)."""
    skew = skew_for(settings, position_qty, top.mid) if top.mid > 0 else NO_SKEW
    seen = PassView(top, mark, measured, position_qty, skew)
    return strategy_for(settings).plan(settings, seen)


def earn_problem(settings: BotSettings, top: BookTop | None, measured: Measured) -> str | None:
    """Why the settings cannot earn at all (None: they can, or only a book would tell)."""
    return strategy_for(settings).earn_problem(settings, top, measured)


def describe(settings: BotSettings) -> str:
    return strategy_for(settings).describe(settings)
