"""The trading engine: orchestration only.

Market messages wake the quoting loop at once (compute quotes -> decide -> execute); a timer
every refresh_interval runs the same pass for age-based requotes and does housekeeping.
Around it, supervised tasks: the two streams, periodic reconcile, persistence, the snapshot,
control messages and the config watcher. The decisions themselves live in quoting.py,
decide.py and uptime.py; exchange calls and their failure accounting in executor.py;
start/stop/kill/config in lifecycle.py.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from django.conf import settings

from trading import bus

from trading.core import decide as decide_core, quoting
from trading.core.domain import OrderState, Side
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor, Failures
from trading.engine.feeds import SharedFeed
from trading.engine.lifecycle import Lifecycle
from trading.engine.market_view import CONNECTED, MarketView, feed_state
from trading.core.orders import OrderTracker, Transition, bot_prefix
from trading.engine.resync import Resync
from trading.engine.snapshot import build_snapshot, summarize
from trading.standx import frames
from trading.standx.errors import AuthError
from trading.standx.rest import StandXRest
from trading.standx.stream import StreamClient, StreamStatus, account_subscriptions, market_subscriptions
from trading.engine.supervisor import TaskSet, bounded_lock, every, supervise
from trading.engine.uptime_keeper import UptimeKeeper

log = logging.getLogger(__name__)

RUNNING, STOPPED, KILLED = "running", "stopped", "killed"
# Database work runs in a thread (sync_to_async). With CPython's default 5 ms GIL switch
# interval that thread can hold the event loop back for up to 5 ms, which is the whole
# reaction budget; 0.5 ms keeps the loop responsive at a negligible CPU cost.
GIL_SWITCH_INTERVAL = 0.0005
# Order states the audit log records, with their OrderEvent kind.
AUDITED_STATES = {OrderState.OPEN: "open", OrderState.CANCELED: "canceled",
                  OrderState.FILLED: "fill", OrderState.REJECTED: "reject"}


@dataclass(frozen=True)
class EngineOptions:
    feed_stale_seconds: float = 5.0
    reconcile_every: float = 15.0
    persist_every: float = 5.0
    snapshot_every: float = 1.0
    config_poll_every: float = 2.0
    pending_timeout: float = 3.0
    capacity_fallback_seconds: float = 60.0
    token_warn_seconds: float = 3600.0
    prefix: str = "mmbot-"

    @classmethod
    def from_settings(cls, **overrides) -> "EngineOptions":
        values = {"feed_stale_seconds": float(settings.FEED_STALE_SECONDS),
                  "prefix": settings.CL_ORD_PREFIX}
        return cls(**{**values, **overrides})


class Engine:
    def __init__(self, bot: str, rest: StandXRest, ws_url: str, token: object, mode: str,
                 options: EngineOptions | None = None, clock: Callable[[], float] = time.time,
                 feed: SharedFeed | None = None):
        self.bot, self.rest, self.ws_url, self.mode = bot, rest, ws_url, mode
        self.feed = feed            # the account's shared connection; None: streams of its own
        self._token = token
        self.options = options or EngineOptions.from_settings()
        self.clock = clock
        self.values: dict = {}
        self.state, self.state_reason = STOPPED, "starting"
        self.market = MarketView("")
        self.spec = None
        self.position_qty = Decimal("0")
        self.tracker = OrderTracker(bot_prefix(self.options.prefix, bot),
                                   self.options.pending_timeout)
        self.events = EventLog(bot, clock, lambda: self.market.symbol)
        self.failures = Failures(limit=5)
        self.executor = Executor(rest, self.tracker, self.events, self.failures,
                                 lambda: self.market.symbol, self.on_trip, self.on_auth_error,
                                 self.on_transition, clock)
        self.uptime = UptimeKeeper(bot, clock)
        self.lifecycle = Lifecycle(self)
        self.resync = Resync(self)              # time jumps: reconcile before quoting again
        self.trading_lock = asyncio.Lock()      # one quoting pass or lifecycle step at a time
        self.market_stream: StreamClient | None = None
        self.account_stream: StreamClient | None = None
        self._wake = asyncio.Event()
        self._trigger_at: float | None = None
        self._reconcile_now = asyncio.Event()
        self._shutdown = asyncio.Event()
        self._overlap_blocked_until = 0.0
        self._background = TaskSet()
        self.garbage_skipped = 0

    # ------------------------------------------------------------------ properties

    @property
    def symbol(self) -> str:
        return self.market.symbol

    def quoting_allowed(self) -> bool:
        return self.state == RUNNING and not self.lifecycle.cleanup_pending and \
            not self.resync.pending and self.market.trusted() and \
            self.market.usable(self.clock(), self.options.feed_stale_seconds)

    # ------------------------------------------------------------------ run

    async def run(self) -> None:
        """Start up, run every task until request_shutdown(), then stop cleanly."""
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        await self.lifecycle.startup()
        gc.freeze()     # startup objects (Django, modules) leave the GC's working set
        bodies = {
            **self._stream_bodies(),
            "quoting": self._quote_loop,
            "housekeeping": lambda: every(self.refresh_interval, self.housekeeping),
            "reconcile": self._reconcile_loop,
            "persist": lambda: every(lambda: self.options.persist_every, self.persist),
            "snapshot": lambda: every(lambda: self.options.snapshot_every, self.publish),
            "control": self._control_loop,
            "config-watch": lambda: every(lambda: self.options.config_poll_every,
                                          self.lifecycle.poll_config),
        }
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(supervise(name, body, self.on_task_failure), name=name)
                     for name, body in bodies.items()]
            await self._shutdown.wait()
            for task in tasks:
                task.cancel()
        await self.lifecycle.shutdown()

    def _stream_bodies(self) -> dict:
        if self.feed is not None:
            return {"feed": lambda: self.feed.serve(self)}
        self.market_stream = StreamClient(
            self.ws_url, market_subscriptions(self.symbol), name="market",
            stale_after=self.options.feed_stale_seconds)
        self.account_stream = StreamClient(
            self.ws_url, account_subscriptions(), token=self._token, name="account",
            stale_after=max(30.0, self.options.feed_stale_seconds))
        return {"market-stream": lambda: self.market_stream.run(self.on_market_event),
                "account-stream": lambda: self.account_stream.run(self.on_account_event)}

    def request_shutdown(self) -> None:
        self._shutdown.set()

    def spawn(self, coro, name: str) -> None:
        """A lifecycle step started from a callback: tracked, never lost."""
        self._background.spawn(coro, name)

    async def wait_background(self, timeout: float = 15.0) -> None:
        await self._background.wait(timeout)

    def refresh_interval(self) -> float:
        return float(self.values.get("refresh_interval", 1)) if self.values else 1.0

    # ------------------------------------------------------------------ stream events

    async def on_market_event(self, event) -> None:
        self.resync.check()          # frames buffered over a suspension arrive first
        now = self.clock()
        if isinstance(event, frames.BookEvent):
            top = event.book.top()
            if top is not None and top.crossed:     # garbage: never quote (or pull) from it
                self.skip_garbage(f"crossed book {event.book.symbol}: best bid {top.best_bid}"
                                  f" >= best ask {top.best_ask}")
            elif self.market.on_book(event.book):
                self._poke(event.book.received_at or now)
        elif isinstance(event, frames.PriceEvent):
            if self.market.on_price(event.tick):
                self.observe_uptime()
            self._poke(event.tick.received_at or now)
        elif isinstance(event, StreamStatus):
            await self._market_status(event)

    async def _market_status(self, status: StreamStatus) -> None:
        previous, self.market.market_feed = self.market.market_feed, feed_state(status.state)
        if previous == self.market.market_feed:
            return
        self.events.add("feed", f"market feed {status.state} {status.detail}".strip())
        if self.market.market_feed != CONNECTED:
            self.spawn(self.lifecycle.pull_quotes(f"market feed {status.state}"), "pull")

    async def on_account_event(self, event) -> None:
        now = self.clock()
        if isinstance(event, frames.OrderUpdate):
            if self.tracker.is_ours(event.order.cl_ord_id) and \
                    not self.tracker.knows(event.order.cl_ord_id):
                # Not something we placed in this run (or long forgotten): never track it from
                # a stream frame; reconcile asks REST, which adopts it only if it really rests.
                self.skip_garbage(f"order update for an unknown order {event.order.cl_ord_id}")
                self._reconcile_now.set()
            self.on_transition(self.tracker.apply(event.order, now))
        elif isinstance(event, frames.FillUpdate):
            self.lifecycle.record_fill(event.fill)
        elif isinstance(event, frames.PositionUpdate):
            if event.position.symbol == self.symbol:
                self.position_qty = event.position.qty
        elif isinstance(event, StreamStatus):
            previous, self.market.account_feed = self.market.account_feed, feed_state(event.state)
            if previous != self.market.account_feed:
                self.events.add("feed", f"account feed {event.state} {event.detail}".strip())
            if event.state == "connected":
                self._reconcile_now.set()        # the stream has no replay: ask REST

    def skip_garbage(self, what: str) -> None:
        """A frame that parsed but cannot be true: logged, counted, otherwise ignored."""
        self.garbage_skipped += 1
        log.warning("skipped from the exchange: %s", what)

    def on_transition(self, transition: Transition | None) -> None:
        """Every order state change: audit it, update uptime, and let decide look again
        (an order becoming OPEN is what completes a make-before-break)."""
        if transition is None:
            return
        order = transition.order
        kind = AUDITED_STATES.get(transition.state)
        if kind is not None:
            self.events.add(kind, transition.reason, side=order.side, price=order.price,
                            qty=order.qty, cl_ord_id=order.cl_ord_id)
        self.observe_uptime()
        self._poke(None)

    def _poke(self, trigger_at: float | None) -> None:
        if trigger_at is not None and self._trigger_at is None:
            self._trigger_at = trigger_at
        self._wake.set()

    # ------------------------------------------------------------------ quoting

    async def _quote_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.refresh_interval()):
                    await self._wake.wait()
            except TimeoutError:
                pass                 # timer pass: age-based requotes need no market message
            self._wake.clear()
            trigger_at, self._trigger_at = self._trigger_at, None
            async with bounded_lock(self.trading_lock, 5.0, "quoting pass") as held:
                if held:
                    self.quote_once(trigger_at)

    def quote_once(self, trigger_at: float | None = None) -> None:
        """One pass: desired quotes -> actions -> execute. Synchronous on purpose: nothing
        awaits between reading our orders and recording the actions (caller holds the lock)."""
        self.resync.check()
        if not self.quoting_allowed() or self.spec is None:
            return
        top = self.market.top()
        if top is None:
            return
        now = self.clock()
        desired = quoting.compute_quotes(top, self.spec, self.quote_params, self.position_qty)
        actions = decide_core.decide(desired, self.tracker.live(), now, top, self.decide_params(now))
        cancels = []
        for action in actions:
            if self._is_requote(action):
                self.uptime.record_requote(now)
            if isinstance(action, decide_core.Place):
                cl_ord_id = self.executor.prepare_place(action.quote, action.reason, top.mid,
                                                        action.replaces)
                self.executor.launch(self._send_place(cl_ord_id, action, trigger_at), "place")
            elif not self.executor.prepare_cancel(action.cl_ord_id, action.reason):
                continue
            elif action.urgent:      # a fill may be imminent: this cancel goes out first
                self.executor.launch(self.executor.send_cancel(action.cl_ord_id), "cancel")
            else:
                cancels.append(action.cl_ord_id)
        self.executor.cancel_soon(cancels)

    async def _send_place(self, cl_ord_id: str, action, trigger_at: float | None) -> None:
        outcome = await self.executor.send_place(cl_ord_id, action.quote, trigger_at)
        if outcome == "capacity" and action.replaces is not None:
            self._block_overlap(action.quote.side)

    def _is_requote(self, action) -> bool:
        """One requote = one order replaced because of a trigger (drift, stale, proximity,
        exposure), counted on the action that starts the replacement."""
        if isinstance(action, decide_core.Place):
            return action.replaces is not None
        if action.reason.startswith(decide_core.FALLBACK_PREFIX):
            return True
        return self.values.get("requote_mode") == decide_core.CANCEL_FIRST and \
            action.reason not in ("duplicate", "replaced")

    def _block_overlap(self, side: Side) -> None:
        """Margin or max-open-orders refused the overlapping order: cancel-first for a while."""
        self._overlap_blocked_until = self.clock() + self.options.capacity_fallback_seconds
        self.events.add("info", f"make_before_break needs two orders on the {side.value} side "
                                f"and the exchange refused the second (margin or max open "
                                f"orders): cancel-first for "
                                f"{self.options.capacity_fallback_seconds:.0f}s", side=side)

    @property
    def quote_params(self) -> quoting.QuoteParams:
        return quoting.QuoteParams.from_config(self.values)

    def decide_params(self, now: float) -> decide_core.DecideParams:
        return decide_core.DecideParams(
            requote_threshold_bps=Decimal(str(self.values["requote_threshold_bps"])),
            stale_order_seconds=Decimal(str(self.values["stale_order_seconds"])),
            proximity_guard_bps=Decimal(str(self.values["proximity_guard_bps"])),
            requote_mode=self.values["requote_mode"],
            allow_overlap=now >= self._overlap_blocked_until,
            strategy_version=self.tracker.strategy_version)

    # ------------------------------------------------------------------ periodic work

    async def housekeeping(self) -> None:
        now = self.clock()
        self.observe_uptime()
        # A resync (time jump) is the reaction to stale state already: no pull on top of it.
        if self.state == RUNNING and not self.market.usable(now, self.options.feed_stale_seconds) \
                and self.tracker.live() and not self.resync.pending:
            await self.lifecycle.pull_quotes("market data stale")
        await self.executor.check_overdue()
        await self.lifecycle.housekeeping(now)

    async def _reconcile_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self.options.reconcile_every):
                    await self._reconcile_now.wait()
            except TimeoutError:
                pass
            self._reconcile_now.clear()
            await self.lifecycle.reconcile()

    async def persist(self) -> None:
        self.observe_uptime()
        await self.events.flush()
        await self.uptime.save(self.symbol)
        await self.lifecycle.persist_pending(self.clock())

    async def publish(self) -> None:
        self.observe_uptime()
        snapshot = build_snapshot(self)
        await bus.publish_snapshot(snapshot, summarize(snapshot))

    async def _control_loop(self) -> None:
        while True:
            message = await bus.receive_control(self.bot, timeout=1.0)
            if message is not None:
                await self.lifecycle.on_control(message)

    # ------------------------------------------------------------------ uptime and failures

    def observe_uptime(self) -> None:
        """Confirmed resting state only: a side counts while one of ours is OPEN. Runs at
        least once a second, so it is also where a time jump is noticed."""
        self.resync.check()
        self.uptime.observe(self.clock(), self.tracker.resting(Side.BUY),
                            self.tracker.resting(Side.SELL), self.market.mark,
                            running=self.state == RUNNING)

    def on_task_failure(self, name: str, exc: BaseException) -> None:
        self.executor.note_failure(f"task {name}", exc)

    def on_trip(self, reason: str) -> None:
        """Kill switch: stop quoting at once (the running pass sees it), clean up in a task.
        Only a running bot is killed: a stopped one has nothing to protect, and a failing
        shutdown must finish its own clean stop."""
        if self.state == RUNNING:
            self.state, self.state_reason = KILLED, f"kill switch: {reason}"
            self.spawn(self.lifecycle.kill(self.state_reason), "kill")

    def on_auth_error(self, exc: AuthError) -> None:
        """401: retrying cannot help. Stop quoting at once and say why (also at startup)."""
        if self.lifecycle.auth_problem is None:
            self.lifecycle.auth_failed(exc)
