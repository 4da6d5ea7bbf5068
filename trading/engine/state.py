"""What one bot's engine pieces share: who the bot is, what it trades and how it runs.

Plain state, no I/O. The engine builds one BotState and hands it (with the other
collaborators each piece needs) to the run control, the config follower, the reconciler
and the snapshot, so none of them reaches into the engine itself. Only RunControl changes
the run state (`set_run_state`), so the reason a bot stopped is always the one it says.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trading.core.bot_settings import BotSettings
from trading.core.domain import RunState, SymbolSpec
from trading.core.orders import OrderTracker
from trading.engine.market_view import MarketView
from trading.supervisor import TaskSet

log = logging.getLogger(__name__)


@dataclass
class RunStatus:
    state: RunState = RunState.STOPPED
    reason: str = "starting"
    # Orders of ours a kill or stop could not verify gone (None: the exchange could not
    # be asked at all); 0 when the last cleanup was verified.
    unverified: int | None = 0
    # What the last stop or kill did with the position (engine/flatten.py), in words.
    position: str | None = None

    @property
    def running(self) -> bool:
        return self.state is RunState.RUNNING


@dataclass
class BotState:
    bot: str
    mode: str
    tracker: OrderTracker
    market: MarketView = field(default_factory=lambda: MarketView(""))
    run: RunStatus = field(default_factory=RunStatus)
    # The bot's settings, once its config row is read (ConfigFollower.adopt).
    adopted: BotSettings | None = None
    spec: SymbolSpec | None = None
    position_qty: Decimal = Decimal("0")

    @property
    def symbol(self) -> str:
        return self.market.symbol

    @property
    def settings(self) -> BotSettings:
        """The settings in force. Nothing reads them before the row is loaded (the engine
        starts its tasks after that): doing so is a bug, said loudly."""
        if self.adopted is None:
            raise LookupError(f"bot {self.bot}: settings read before its config was loaded")
        return self.adopted


class Signals:
    """How the pieces ask the engine's loops to act, without holding the engine."""

    def __init__(self) -> None:
        self.quote = asyncio.Event()  # a quoting pass, now
        self.reconcile = asyncio.Event()  # a reconcile with REST, now
        self.trigger_at: float | None = None
        self._background = TaskSet()

    def wake(self, trigger_at: float | None = None) -> None:
        """Run a quoting pass; `trigger_at` is when the market message that caused it
        arrived (the reaction latency is measured from the first one)."""
        if trigger_at is not None and self.trigger_at is None:
            self.trigger_at = trigger_at
        self.quote.set()

    def reconcile_soon(self) -> None:
        self.reconcile.set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """A step started from a callback: tracked, never lost."""
        self._background.spawn(coro, name)

    async def wait_background(self, timeout: float) -> None:
        await self._background.wait(timeout)
