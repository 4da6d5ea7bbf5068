"""The bot's configuration as the engine follows it: read at start, reloaded when the
dashboard, the API or admin saved a change (a control message, or the row's updated_at seen
by the poll), a new strategy priced in (make-before-break), a symbol switched cleanly, and a
run state stored by someone else obeyed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from trading import store
from trading.core.backoff import Backoff
from trading.core.bot_settings import BotSettings, SettingsError, as_stored_text
from trading.core.domain import RunState, SymbolSpec
from trading.engine.cleanup import OrderCleanup
from trading.engine.eventlog import EventLog
from trading.engine.failures import Failures
from trading.engine.runcontrol import RunControl
from trading.engine.state import BotState, Signals
from trading.engine.uptime_keeper import UptimeKeeper
from trading.standx.rest import StandXRest
from trading.supervisor import bounded_lock

log = logging.getLogger(__name__)

# Changing one of these reprices the quotes (each order carries the strategy version).
QUOTE_FIELDS = (
    "spread_bps",
    "bid_notional",
    "ask_notional",
    "max_spread_deviation_bps",
    "max_notional",
    "proximity_guard_bps",
    "quote_strategy",
    "band_margin_bps",
    "uptime_band_bps",
    "inventory_skew_bps",
)
LOAD_ATTEMPTS = 10
LOAD_BACKOFF = Backoff(base=0.25, cap=2.0)
LOCK_WAIT_SECONDS = 15.0


class ConfigFollower:
    def __init__(
        self,
        state: BotState,
        rest: StandXRest,
        events: EventLog,
        failures: Failures,
        uptime: UptimeKeeper,
        run: RunControl,
        cleanup: OrderCleanup,
        signals: Signals,
        lock: asyncio.Lock,
        follow_symbol: Callable[[], Awaitable[None]],
        load_position: Callable[[], Awaitable[None]],
    ):
        self.state, self.rest, self.events = state, rest, events
        self.failures, self.uptime, self.run = failures, uptime, run
        self.cleanup, self.signals, self._lock = cleanup, signals, lock
        self._follow_symbol, self._load_position = follow_symbol, load_position
        self._updated_at = None

    async def load(self):
        """The stored row at startup (the database may be busy for a moment)."""
        for attempt in range(LOAD_ATTEMPTS):
            config = await store.call(store.load_config, self.state.bot)
            if config is not None:
                self._updated_at = config.updated_at
                self.adopt(config.settings())
                self.state.market.reset(config.symbol)
                self.state.spec = await self.spec_for(config.symbol)
                return config
            await asyncio.sleep(LOAD_BACKOFF.delay(attempt))
        raise RuntimeError("could not read the bot configuration from the database")

    async def spec_for(self, symbol: str) -> SymbolSpec:
        specs = await self.rest.symbol_specs([symbol])
        if symbol not in specs:
            raise RuntimeError(f"no symbol spec for {symbol}")
        return specs[symbol]

    def adopt(self, settings: BotSettings) -> None:
        self.state.adopted = settings
        self.failures.limit = settings.max_consecutive_failures
        self.uptime.set_band(settings.uptime_band_bps)

    async def poll(self) -> None:
        """A change saved from admin or another process applies within a few seconds."""
        updated = await store.call(store.config_updated_at, self.state.bot)
        if updated is not None and updated != self._updated_at:
            await self.reload("configuration changed in the database")

    async def reload(self, source: str) -> None:
        config = await store.call(store.load_config, self.state.bot)
        if config is None:
            return
        self._updated_at = config.updated_at
        await self._follow_settings(config, source)
        await self.run.follow_stored(RunState(config.run_state), config.state_reason)

    async def _follow_settings(self, config, source: str) -> None:
        try:
            new = config.settings()
        except SettingsError as exc:
            # A row written past the forms (by hand, an older version): quote on as before.
            self.events.add("error", f"{source}: not applied, the row is invalid: {exc}"[:500])
            log.error("bot %s: configuration not applied: %s", self.state.bot, exc)
            return
        changed = new.changes_from(self.state.settings)
        if not changed:
            return
        text = ", ".join(
            f"{k}: {as_stored_text(a)} -> {as_stored_text(b)}" for k, (a, b) in changed.items()
        )
        self.events.add("config", f"{source}: {text}"[:500])
        self.adopt(new)
        if "symbol" in changed:
            await self.switch_symbol(new.symbol)
        elif any(k in changed for k in QUOTE_FIELDS):
            self.state.tracker.new_strategy()  # decide replaces them (make-before-break)
            self.signals.wake()

    async def switch_symbol(self, symbol: str) -> None:
        state = self.state
        async with bounded_lock(self._lock, LOCK_WAIT_SECONDS, "symbol switch"):
            result = await self.cleanup.cancel_all_verified(f"symbol switch to {symbol}")
            self.cleanup.pending = not result.verified
            state.tracker.clear()
            state.market.reset(symbol)
            state.position_qty = Decimal("0")
            state.spec = await self.spec_for(symbol)
            await self._follow_symbol()  # the account's other bots keep streaming
            await self._load_position()
        self.events.add(
            "config", f"symbol switched to {symbol}: quoting restarts on its first book"
        )
