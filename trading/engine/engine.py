"""One bot's engine: orchestration only.

Market messages wake the quoting loop at once (compute quotes -> decide -> execute); a timer
every refresh_interval runs the same pass for age-based requotes and does housekeeping.
Around it, supervised tasks: the account's shared feed, periodic reconcile, persistence, the
snapshot, control messages and the config watcher. The engine wires its pieces together and
none of them holds it: stream_events.py takes in the streams and every order change,
quoter.py runs a pass (core/strategy, quoting and decide decide), executor.py talks to the
exchange, runcontrol.py owns the run state, cleanup.py takes our orders off,
config_follower.py follows the configuration, reconcile.py and resync.py set our view right.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import Callable

from trading import bus, store
from trading.core.breaker import RequoteBreaker
from trading.core.domain import OrderState, RunState, Side
from trading.core.orders import OrderTracker, bot_prefix
from trading.core.reward import LifetimeStats
from trading.core.summary import summarize
from trading.engine.cleanup import CleanupResult, OrderCleanup
from trading.engine.config_follower import ConfigFollower
from trading.engine.eventlog import EventLog
from trading.engine.exchange_uptime import ExchangeUptime
from trading.engine.executor import Executor
from trading.engine.failures import Failures
from trading.engine.feeds import SharedFeed
from trading.engine.flatten import Flattener, PositionOutcome
from trading.engine.flatten_fill import FillFlattener
from trading.engine.ledger import Ledger
from trading.engine.ops_metrics import OpsCounters
from trading.engine.options import EngineOptions
from trading.engine.quoter import Quoter
from trading.engine.reconcile import Reconciler
from trading.engine.resync import Resync
from trading.engine.runcontrol import RunControl
from trading.engine.snapshot import build_snapshot
from trading.engine.state import BotState, Signals
from trading.engine.stream_events import StreamEvents
from trading.engine.token_watch import TokenWatch
from trading.engine.uptime_keeper import UptimeKeeper
from trading.standx.rest import StandXRest
from trading.supervisor import bounded_lock, every, supervise

log = logging.getLogger(__name__)

# Database work runs in a thread (sync_to_async). With CPython's default 5 ms GIL switch
# interval that thread can hold the event loop back for up to 5 ms, which is the whole
# reaction budget; 0.5 ms keeps the loop responsive at a negligible CPU cost.
GIL_SWITCH_INTERVAL = 0.0005
PRUNE_EVERY_SECONDS = 3600.0


class Engine:
    def __init__(
        self,
        bot: str,
        rest: StandXRest,
        feed: SharedFeed,
        mode: str,
        options: EngineOptions | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.bot, self.rest, self.feed, self.mode = bot, rest, feed, mode
        self.options = options = options or EngineOptions.from_settings()
        self.clock = clock
        self.bot_state = state = BotState(
            bot, mode, OrderTracker(bot_prefix(options.prefix, bot), options.pending_timeout)
        )
        self.signals = Signals()
        self.trading_lock = asyncio.Lock()  # one quoting pass or cleanup at a time
        self.events = EventLog(bot, clock, lambda: state.symbol)
        self.failures = Failures()  # its limit is the setting, once the config row is read
        self.breaker = RequoteBreaker(
            options.breaker_max_places, options.breaker_window_seconds, options.breaker_hold_seconds
        )
        self.uptime = UptimeKeeper(
            bot, clock, schedule=options.reward_schedule, symbol=lambda: state.symbol
        )
        self.lifetimes = LifetimeStats()
        self._wire_order_handling()
        self._wire_followers()
        self._wire_quoting()
        calls = self.executor.calls  # counters for /metrics (ops_metrics.py)
        self.ops = OpsCounters(
            self.uptime.meter, self.executor.reactions, calls.requests_by_call, self.failures
        )
        self.started = False  # start_up finished: it may have quoted
        self.shutdown_result: CleanupResult | None = None
        self.shutdown_position: PositionOutcome | None = None
        self._shutdown = asyncio.Event()
        self._last_prune = 0.0

    def _wire_order_handling(self) -> None:
        """The parts that send, cancel and verify our orders and own the run state. Their
        callbacks reach run_control and stream_events late: those are built after them."""
        state = self.bot_state
        self.executor = Executor(
            self.rest,
            state.tracker,
            self.events,
            self.failures,
            lambda: state.symbol,
            lambda why: self.run_control.trip(why),
            lambda exc: self.run_control.auth_failed(exc),
            self._transition,
            self.clock,
        )
        self.cleanup = OrderCleanup(self.executor, self.trading_lock)
        self.flattener = Flattener(
            state, self.cleanup, self.events, self.trading_lock, self.clock, self._transition
        )
        self.run_control = RunControl(
            state,
            self.executor,
            self.cleanup,
            self.events,
            self.failures,
            self.breaker,
            self.signals,
            self.flattener,
        )
        self.reconciler = Reconciler(
            state, self.executor, self.events, self.clock, self._transition
        )

    def _transition(self, transition) -> None:
        self.stream_events.on_transition(transition)  # built after the parts that report

    def _wire_followers(self) -> None:
        """The parts that follow the world outside the order book: the config row, time
        jumps, the token's expiry and StandX's own uptime figures."""
        state, options = self.bot_state, self.options
        self.config = ConfigFollower(
            state,
            self.rest,
            self.events,
            self.failures,
            self.uptime,
            self.run_control,
            self.cleanup,
            self.signals,
            self.trading_lock,
            lambda: self.feed.follow(self),
            self.reconciler.load_position,
        )
        self.resync = Resync(
            self.clock, self.events, state.market, self.reconciler.recover, self.signals
        )
        self.token_watch = TokenWatch(self.events, options.token_warn_seconds)
        self.exchange_uptime = ExchangeUptime(
            self.bot, self.rest, self.uptime, self.events, self.clock, lambda: state.symbol
        )

    def _wire_quoting(self) -> None:
        """The quoting pass and what the streams make of our state."""
        self.fill_flattener = FillFlattener(
            self.bot_state, self.flattener, self.executor, self.signals
        )
        self.quoter = Quoter(
            self.bot_state,
            self.executor,
            self.uptime,
            self.breaker,
            self.events,
            self.clock,
            self.options.capacity_fallback_seconds,
            self.fill_flattener.after_fill,
            self.fill_flattener.owns,
        )
        every = self.options.account_refresh_every  # fills, positions and balance
        self.ledger = Ledger(self.bot_state, self.rest, self.events, self.uptime, self.clock, every)
        self.stream_events = StreamEvents(
            self.bot_state,
            self.signals,
            self.resync,
            self.events,
            self.quoter,
            self.uptime,
            self.lifetimes,
            self.clock,
            self.observe_uptime,
            self.pull_quotes,
            self.ledger,
        )

    # ------------------------------------------------------------------ views

    @property
    def tracker(self) -> OrderTracker:
        return self.bot_state.tracker

    @property
    def market(self):
        return self.bot_state.market

    @property
    def symbol(self) -> str:
        return self.bot_state.symbol

    @property
    def state(self) -> RunState:
        return self.bot_state.run.state

    @property
    def state_reason(self) -> str:
        return self.bot_state.run.reason

    def quoting_allowed(self) -> bool:
        return (
            self.bot_state.run.running
            and not self.cleanup.pending
            and not self.resync.pending
            and self.market.trusted()
            and self.market.usable(self.clock(), self.options.feed_stale_seconds)
        )

    def refresh_interval(self) -> float:
        return float(self.bot_state.settings.refresh_interval)

    # ------------------------------------------------------------------ run

    async def run(self) -> None:
        """Start up, run every task until request_shutdown(), then stop cleanly."""
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        await self.start_up()
        gc.freeze()  # startup objects (Django, modules) leave the GC's working set
        bodies = {
            "feed": lambda: self.feed.serve(self),
            "quoting": self.quote_loop,
            "housekeeping": lambda: every(self.refresh_interval, self.housekeeping),
            "reconcile": self.reconcile_loop,
            "persist": lambda: every(lambda: self.options.persist_every, self.persist),
            "snapshot": lambda: every(lambda: self.options.snapshot_every, self.publish),
            "control": self.follow_controls,
            "ledger": self.ledger.run,
            "config-watch": lambda: every(lambda: self.options.config_poll_every, self.config.poll),
            "exchange-uptime": lambda: every(
                lambda: self.options.exchange_uptime_every, self.exchange_uptime.check
            ),
        }
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(supervise(name, body, self.on_task_failure), name=name)
                for name, body in bodies.items()
            ]
            await self._shutdown.wait()
            for task in tasks:
                task.cancel()
        await self.shut_down()

    def request_shutdown(self) -> None:
        self._shutdown.set()

    async def start_up(self) -> None:
        config = await self.config.load()
        await self.uptime.load()
        await self.exchange_uptime.load()
        await self.ledger.load()
        self.events.seed(await store.call(store.recent_events, self.bot, 50, default=[]) or [])
        self.run_control.note_cleanup(await self.cleanup.clean_orphans(self.events))
        await self.reconciler.load_position()
        self.run_control.resume(RunState(config.run_state), config.state_reason)
        self.events.add(
            "start",
            f"engine started: {self.mode}, {self.symbol}, "
            f"{self.bot_state.settings.requote_mode}; state {self.state.value} "
            f"{self.state_reason}".strip(),
        )
        log.info(
            "engine %s started on %s (%s), state %s",
            self.bot,
            self.symbol,
            self.mode,
            self.state.value,
        )
        self.started = True

    async def shut_down(self) -> None:
        """Process exit: drop queued places, cancel all ours, verify, persist. The run state
        is not stored: the next start resumes it."""
        await self.run_control.keep_kill_at_exit()
        self.run_control.set_run_state(RunState.STOPPED, "process shutdown")
        await self.signals.wait_background(timeout=5.0)
        result = await self.cleanup.cancel_everything("shutdown")
        if self.started:  # the position: kept or flattened (FLATTEN_ON_STOP), said
            self.shutdown_position = await self.flattener.at_end("shutdown", result)
            result = self.cleanup.last or result
        self.run_control.note_cleanup(result)
        self.shutdown_result = result
        self.events.add("stop", "process shutdown: " + result.describe())
        # Not observe_uptime(): a slow cleanup is not a time jump to resync from.
        self.uptime.observe(self.clock(), None, None, self.market.mark, running=False)
        await self.uptime.save(self.symbol)
        await self.ledger.save()
        await self.events.flush()

    # ------------------------------------------------------------------ the waiting loops

    async def quote_loop(self) -> None:
        """A quoting pass on every market wake-up, and at least every refresh_interval."""
        signals = self.signals
        while True:
            await woken(signals.quote, self.refresh_interval())  # or a timer pass
            trigger_at, signals.trigger_at = signals.trigger_at, None
            async with bounded_lock(self.trading_lock, 5.0, "quoting pass") as held:
                if held:
                    self.quote_once(trigger_at)

    async def reconcile_loop(self) -> None:
        """A reconcile when one is asked for, and at least every reconcile_every seconds."""
        while True:
            await woken(self.signals.reconcile, self.options.reconcile_every)
            await self.reconciler.reconcile()

    async def follow_controls(self) -> None:
        """Control messages for this bot from the dashboard, the API or admin (through the
        bus): a config change goes to the config follower, the rest to the run control."""
        while True:
            message = await bus.receive_control(self.bot, timeout=1.0)
            if message is None:
                continue
            action = str(message.get("action"))
            who = message.get("user") or message.get("source") or "operator"
            log.info("control message: %s from %s", action, who)
            if action == "config":
                await self.config.reload(f"config message from {who}")
            else:
                await self.run_control.act(action, who)

    # ------------------------------------------------------------------ stream events, quoting

    async def on_market_event(self, event) -> None:
        await self.stream_events.on_market_event(event)

    async def on_account_event(self, event) -> None:
        await self.stream_events.on_account_event(event)

    def pull_quotes(self, reason: str) -> None:
        """Market data cannot be trusted: take our quotes off the book (not a stop). The
        state change is synchronous; the cancel request runs in the background."""
        if self.quoting_allowed() or not self.tracker.live():
            return
        self.events.add("feed", f"pulling quotes: {reason}")
        ids = self.executor.prepare_cancel_many(self.tracker.live_ids(), f"pull: {reason}")
        self.executor.launch(self.executor.send_cancel_many(ids), "pull")

    def quote_once(self, trigger_at: float | None = None) -> None:
        """One quoting pass, when quoting is allowed (the caller holds the trading lock)."""
        self.resync.check()
        if self.quoting_allowed():
            self.quoter.quote_once(trigger_at)

    # ------------------------------------------------------------------ periodic work

    async def housekeeping(self) -> None:
        now = self.clock()
        self.observe_uptime()
        # A resync (time jump) is the reaction to stale state already: no pull on top of it.
        if (
            self.bot_state.run.running
            and self.tracker.live()
            and not self.resync.pending
            and not self.market.usable(now, self.options.feed_stale_seconds)
        ):
            self.pull_quotes("market data stale")
        await self.executor.check_overdue()
        if self.cleanup.pending:
            result = await self.cleanup.cancel_everything("retry of an unverified cancel")
            self.run_control.note_cleanup(result)
        self.token_watch.check(self.rest.token_expires_at, now)

    async def persist(self) -> None:
        """Database upkeep only: a slow or locked database never delays exchange work."""
        self.observe_uptime()
        await self.events.flush()
        await self.uptime.save(self.symbol)
        await self.ledger.save()
        await self.run_control.persist_pending()
        now = self.clock()
        if now - self._last_prune >= PRUNE_EVERY_SECONDS:
            self._last_prune = now
            await store.call(store.prune, self.bot, now)

    async def publish(self) -> None:
        self.observe_uptime()
        snapshot = build_snapshot(
            self.bot_state,
            self.clock(),
            uptime=self.uptime,
            events=self.events,
            failures=self.failures,
            executor=self.executor,
            breaker=self.breaker,
            strategy=self.quoter.view(),
            lifetimes=self.lifetimes,
            exchange_uptime=self.exchange_uptime.view(),
            ledger=self.ledger,
        )
        snapshot["ops"] = self.ops.view()  # counters for /metrics
        await bus.publish_snapshot(snapshot, summarize(snapshot))

    # ------------------------------------------------------------------ uptime and failures

    def observe_uptime(self) -> None:
        """Confirmed resting state only: a side counts while one of ours is OPEN. Runs at
        least once a second, so it is also where a time jump is noticed."""
        self.resync.check()
        mark = self.market.mark
        self.uptime.observe(
            self.clock(),
            self.tracker.resting(Side.BUY, mark),
            self.tracker.resting(Side.SELL, mark),
            mark,
            running=self.bot_state.run.running,
            book=self.tracker.on_side(Side.BUY, OrderState.OPEN)
            + self.tracker.on_side(Side.SELL, OrderState.OPEN),
        )

    def on_task_failure(self, name: str, exc: BaseException) -> None:
        self.executor.calls.note_failure(f"task {name}", exc)


async def woken(event: asyncio.Event, seconds: float) -> None:
    """Until `event` is set or `seconds` have passed; then it is cleared for the next wait."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    event.clear()
