"""PURE: what a quoting strategy is. One class behind one interface:

- ``plan``: what one quoting pass sees (the book top, the mark, what was measured, the
  position and the inventory skew) -> a ``StrategyPlan``: the raw price each side aims for
  (quoting.compute_quotes rounds, caps, guards and sizes them), the window each side's
  order is kept in, how long an order rests before a non-urgent cancel;
- ``earn_problem``: why the settings cannot earn at all, in a trader's words (a setting
  fixes it), or None. Not part of a pass: the dashboard asks once a second;
- ``describe``: the strategy in one line, from the settings (the page and the terminal).

The strategies are registered in one table, keyed by the QUOTE_STRATEGY setting's value
(trading/core/strategies.py). How to add one: docs/architecture.md, "Adding a strategy".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from trading.core.actions import BandWindow
from trading.core.band import BandPlan
from trading.core.bot_settings import BotSettings
from trading.core.domain import BPS, BookTop, Side
from trading.core.inventory import Skew


@dataclass(frozen=True)
class Measured:
    volatility_bps: float | None = None
    latency_s: float | None = None
    requests_per_minute: float = 0.0


@dataclass(frozen=True)
class PassView:
    """What one quoting pass sees."""

    top: BookTop
    mark: Decimal | None
    measured: Measured
    position_qty: Decimal
    skew: Skew  # the adding side and how far inventory control moves it


@dataclass(frozen=True)
class StrategyPlan:
    # The raw bid and ask prices; None: nothing is quoted this pass (`note` says why).
    anchors: tuple[Decimal, Decimal] | None
    windows: dict[Side, BandWindow] | None  # where each side's order is kept (None: anywhere)
    min_rest_seconds: float = 0.0
    window_only: bool = False  # the windows replace the STALE and DRIFT requotes
    note: str | None = None  # why a side cannot earn right now (the market will change)
    band: BandPlan | None = None  # the band strategy's geometry, for the page
    holding: bool = False  # over the request cap: orders are held longer
    proximity_bps: Decimal | None = None  # None: PROXIMITY_GUARD_BPS as configured


class Strategy(ABC):
    """One way to quote. Stateless: everything it needs comes in as arguments."""

    name: ClassVar[str]  # its QUOTE_STRATEGY value

    @abstractmethod
    def plan(self, settings: BotSettings, seen: PassView) -> StrategyPlan: ...

    @abstractmethod
    def earn_problem(
        self, settings: BotSettings, top: BookTop | None, measured: Measured
    ) -> str | None: ...

    @abstractmethod
    def describe(self, settings: BotSettings) -> str: ...


def reward_windows(mark: Decimal | None, settings: BotSettings) -> dict[Side, BandWindow] | None:
    """Each side kept anywhere inside the reward band of the mark (None: no mark yet)."""
    if mark is None:
        return None
    return {side: BandWindow.reward_band(mark, settings.uptime_band_bps) for side in Side}


def bps_gap(top: BookTop, mark: Decimal) -> Decimal:
    """How far the mark is from the book mid, signed, in bps of the mid."""
    return (mark - top.mid) / top.mid * BPS
