"""The quoting pass: desired quotes (quoting) -> actions (decide) -> the executor.

Strategy proposes, a separate step executes: this module only turns the pure core's
decisions into executor calls, counts requotes and feeds the requote breaker.
"""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Callable

from trading.core import decide as decide_core, quoting
from trading.core.breaker import RequoteBreaker
from trading.core.domain import BookTop, Side
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.engine.state import BotState
from trading.engine.uptime_keeper import UptimeKeeper

log = logging.getLogger(__name__)


class Quoter:
    def __init__(self, state: BotState, executor: Executor, uptime: UptimeKeeper,
                 breaker: RequoteBreaker, events: EventLog, clock: Callable[[], float],
                 fallback_seconds: float):
        self.state, self.executor, self.uptime = state, executor, uptime
        self.breaker, self.events = breaker, events
        self._clock, self._fallback_seconds = clock, fallback_seconds
        self._overlap_blocked_until = 0.0

    def quote_once(self, trigger_at: float | None = None) -> None:
        """One pass: desired quotes -> actions -> execute. Synchronous on purpose: nothing
        awaits between reading our orders and recording the actions (caller holds the lock)."""
        state = self.state
        if state.spec is None:
            return
        top = state.market.top()
        if top is None:
            return
        now = self._clock()
        desired = quoting.compute_quotes(top, state.spec, self.quote_params, state.position_qty)
        actions = decide_core.decide(desired, self.state.tracker.live(), now, top,
                                     self.decide_params(now))
        self._execute(actions, top, trigger_at, now)

    def _execute(self, actions: list[decide_core.Action], top: BookTop,
                 trigger_at: float | None, now: float) -> None:
        cancels = []
        for action in actions:
            if action.requote:
                self.uptime.record_requote(now)
            if isinstance(action, decide_core.Place):
                self._place(action, top, trigger_at, now)
            elif not self.executor.prepare_cancel(action.cl_ord_id, action.reason):
                continue
            elif action.urgent:      # a fill may be imminent: this cancel goes out first
                self.executor.launch(self.executor.send_cancel(action.cl_ord_id), "cancel")
            else:
                cancels.append(action.cl_ord_id)
        self.executor.cancel_soon(cancels)

    def _place(self, action: decide_core.Place, top: BookTop, trigger_at: float | None,
               now: float) -> None:
        side = action.side
        cl_ord_id = self.executor.prepare_place(action.quote, action.reason, top.mid,
                                                action.replaces)
        on_capacity = (lambda: self._block_overlap(side)) if action.replaces else (lambda: None)
        self.executor.launch_place(cl_ord_id, action.quote, trigger_at, on_capacity)
        if self.breaker.record_place(side, now):
            text = (f"requote breaker: the {side.value} side placed more than "
                    f"{self.breaker.max_places} orders in {self.breaker.window_seconds:.0f}s; "
                    f"holding it for {self.breaker.hold_seconds:.0f}s (check that SPREAD_BPS "
                    f"is wider than PROXIMITY_GUARD_BPS)")
            log.error("%s", text)
            self.events.add("error", text, side=side)

    def _block_overlap(self, side: Side) -> None:
        """Margin or max-open-orders refused the overlapping order: cancel-first for a while."""
        self._overlap_blocked_until = self._clock() + self._fallback_seconds
        self.events.add("info", f"make_before_break needs two orders on the {side.value} side "
                                f"and the exchange refused the second (margin or max open "
                                f"orders): cancel-first for "
                                f"{self._fallback_seconds:.0f}s", side=side)

    @property
    def quote_params(self) -> quoting.QuoteParams:
        return quoting.QuoteParams.from_config(self.state.values)

    def decide_params(self, now: float) -> decide_core.DecideParams:
        values, mark = self.state.values, self.state.market.mark
        band = None if mark is None else decide_core.BandWindow(
            mark, Decimal(str(values["uptime_band_bps"])))
        return decide_core.DecideParams(
            requote_threshold_bps=Decimal(str(values["requote_threshold_bps"])),
            stale_order_seconds=Decimal(str(values["stale_order_seconds"])),
            proximity_guard_bps=Decimal(str(values["proximity_guard_bps"])),
            requote_mode=values["requote_mode"],
            allow_overlap=now >= self._overlap_blocked_until,
            strategy_version=self.state.tracker.strategy_version, band=band,
            holding=self.breaker.holding_sides(now))

