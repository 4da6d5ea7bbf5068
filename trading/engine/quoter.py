"""The quoting pass: the strategy's plan (core/strategies.py) -> desired quotes (quoting) ->
actions (decide) -> the executor.

Strategy proposes, a separate step executes: this module only turns the pure core's
decisions into executor calls, counts requotes, feeds the requote breaker and keeps the
measurements the band strategy plans from (core/market_meter.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from trading.core import decide as decide_core
from trading.core import inventory, quoting
from trading.core.actions import Action, CancelHow, Place
from trading.core.backoff import Backoff
from trading.core.breaker import RequoteBreaker
from trading.core.domain import BookTop, Side, plain_or_none
from trading.core.market_meter import MarketMeter
from trading.core.strategies import plan_pass, strategy_for
from trading.core.strategy import Measured, StrategyPlan, bps_gap
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.engine.state import BotState
from trading.engine.uptime_keeper import UptimeKeeper

log = logging.getLogger(__name__)


class Quoter:
    def __init__(
        self,
        state: BotState,
        executor: Executor,
        uptime: UptimeKeeper,
        breaker: RequoteBreaker,
        events: EventLog,
        clock: Callable[[], float],
        fallback_seconds: float,
        on_fill: Callable[[], None] = lambda: None,
        not_a_quote: Callable[[str], bool] = lambda cl_ord_id: False,
    ):
        self.state, self.executor, self.uptime = state, executor, uptime
        self.breaker, self.events = breaker, events
        self._clock, self._fallback_seconds = clock, fallback_seconds
        # FLATTEN_AFTER_FILL (engine/flatten_fill.py): told of each fill; its reduce-only
        # orders are not quotes, so decide never sees them.
        self._on_fill, self._not_a_quote = on_fill, not_a_quote
        self._overlap_blocked_until = 0.0
        self.meter = MarketMeter()
        self.last_plan: StrategyPlan | None = None
        # After a reject (post-only would cross, say) a side waits before it places again,
        # longer after each reject in a row: a market the quote cannot rest in is not met
        # with a new order every pass.
        self._rejects: dict[Side, tuple[int, float]] = {}  # side -> (in a row, until)
        # FILL_COOLDOWN_SECONDS: a side that was filled places nothing until then. A fill is
        # read from the position's change (a fill is the only thing that moves it).
        self._cooldown_until: dict[Side, float] = {}
        self._seen_position: tuple[str, Decimal] | None = None  # (symbol, position)

    def quote_once(self, trigger_at: float | None = None) -> None:
        """One pass: plan -> desired quotes -> actions -> execute. Synchronous on purpose:
        nothing awaits between reading our orders and recording the actions (the caller
        holds the trading lock)."""
        state = self.state
        top = state.market.top()
        if state.spec is None or top is None:
            return
        now = self._clock()
        self._note_position(now)
        plan = self.plan(top, now)
        if plan.anchors is None:
            return  # nothing to quote this pass (plan.note says why: no mark yet, say)
        params = self.quote_params
        if plan.proximity_bps is not None:
            params = replace(params, proximity_guard_bps=plan.proximity_bps)
        desired = quoting.compute_quotes(top, state.spec, params, state.position_qty, plan.anchors)
        quotes = [o for o in state.tracker.live() if not self._not_a_quote(o.cl_ord_id)]
        params_now = self.decide_params(now, plan, top)
        actions = decide_core.decide(desired, quotes, now, top, params_now)
        self._execute(actions, top, trigger_at, now)

    def plan(self, top: BookTop, now: float) -> StrategyPlan:
        measured = Measured(
            self.meter.volatility_bps,
            self.meter.latency_s,
            self.executor.calls.requests_per_minute(now),
        )
        self.last_plan = plan_pass(
            self.state.settings, top, self.state.market.mark, measured, self.state.position_qty
        )
        return self.last_plan

    def _note_position(self, now: float) -> None:
        """A changed position means a fill: that side cools down (FILL_COOLDOWN_SECONDS)."""
        now_seen = (self.state.symbol, self.state.position_qty)
        seen, self._seen_position = self._seen_position, now_seen
        cooldown = float(self.state.settings.fill_cooldown_seconds)
        # A new symbol's position is not a fill: it is only seen.
        side = (
            None
            if seen is None or seen[0] != now_seen[0]
            else inventory.filled_side(seen[1], now_seen[1])
        )
        if side is None:
            return
        self._on_fill()
        if cooldown <= 0:
            return
        self._cooldown_until[side] = now + cooldown
        self.events.add(
            "info",
            f"{side.value} side filled: it waits {cooldown:g}s before quoting again "
            "(FILL_COOLDOWN_SECONDS)",
            side=side,
        )

    def _book_before_fill(self) -> frozenset[Side]:
        """Both sides place nothing from a book older than our last fill (it shows the
        market before the move that filled us); cancels still go."""
        return frozenset(Side) if self.state.market.book_before_fill() else frozenset()

    def _cooling_sides(self, now: float) -> frozenset[Side]:
        return frozenset(side for side, until in self._cooldown_until.items() if now < until)

    def _execute(
        self, actions: list[Action], top: BookTop, trigger_at: float | None, now: float
    ) -> None:
        cancels = []
        for action in actions:
            if action.requote:
                self.uptime.record_requote(now)
            if isinstance(action, Place):
                self._place(action, top, trigger_at, now)
            elif not self.executor.prepare_cancel(action.cl_ord_id, action.reason):
                continue
            elif action.urgent or action.how is CancelHow.ROOM:
                # A fill may be imminent, or a replacement waits for this cancel to land:
                # it goes out now, not with the next batch.
                self.executor.launch(self.executor.send_cancel(action.cl_ord_id), "cancel")
            else:
                cancels.append(action.cl_ord_id)
        self.executor.cancel_soon(cancels)

    def _place(self, action: Place, top: BookTop, trigger_at: float | None, now: float) -> None:
        side = action.side
        cl_ord_id = self.executor.prepare_place(
            action.quote, action.reason, top.mid, action.replaces
        )
        on_capacity = (lambda: self._block_overlap(side)) if action.replaces else (lambda: None)
        self.executor.launch_place(cl_ord_id, action.quote, trigger_at, on_capacity)
        if self.breaker.record_place(side, now):
            text = (
                f"requote breaker: the {side.value} side placed more than "
                f"{self.breaker.max_places} orders in {self.breaker.window_seconds:.0f}s; "
                f"it places at most one order every {self.breaker.throttle_seconds:.0f}s "
                f"for the next {self.breaker.hold_seconds:.0f}s (a market too fast for "
                f"the settings, or settings that requote their own quotes)"
            )
            log.error("%s", text)
            self.events.add("error", text, side=side)

    def note_reject(self, side: Side, now: float) -> None:
        streak, _ = self._rejects.get(side, (0, 0.0))
        self._rejects[side] = (streak + 1, now + REJECT_BACKOFF.delay(streak))

    def note_resting(self, side: Side) -> None:
        self._rejects.pop(side, None)

    def _rejected_sides(self, now: float) -> frozenset[Side]:
        return frozenset(side for side, (_, until) in self._rejects.items() if now < until)

    def _block_overlap(self, side: Side) -> None:
        """Margin or max-open-orders refused the overlapping order: cancel-first for a while."""
        self._overlap_blocked_until = self._clock() + self._fallback_seconds
        self.events.add(
            "info",
            f"make_before_break needs two orders on the {side.value} side "
            f"and the exchange refused the second (margin or max open "
            f"orders): cancel-first for "
            f"{self._fallback_seconds:.0f}s",
            side=side,
        )

    @property
    def quote_params(self) -> quoting.QuoteParams:
        return quoting.QuoteParams.from_settings(self.state.settings)

    def decide_params(
        self, now: float, plan: StrategyPlan, top: BookTop
    ) -> decide_core.DecideParams:
        settings = self.state.settings
        return decide_core.DecideParams(
            requote_threshold_bps=settings.requote_threshold_bps,
            stale_order_seconds=settings.stale_order_seconds,
            proximity_guard_bps=plan.proximity_bps
            if plan.proximity_bps is not None
            else settings.proximity_guard_bps,
            requote_mode=settings.requote_mode,
            allow_overlap=now >= self._overlap_blocked_until,
            strategy_version=self.state.tracker.strategy_version,
            band=plan.windows,
            min_rest_seconds=plan.min_rest_seconds,
            window_only=plan.window_only,
            exposure=inventory.exposure_limit(settings, self.state.position_qty, top.mid),
            holding=self.breaker.holding_sides(now)
            | self._rejected_sides(now)
            | self._cooling_sides(now)
            | self._book_before_fill(),
        )

    def view(self) -> dict:
        """The strategy as the snapshot shows it (what it aims for, what it measured)."""
        settings, plan = self.state.settings, self.last_plan
        top, mark = self.state.market.top(), self.state.market.mark
        band = plan.band if plan is not None else None
        latency = self.meter.latency_s
        strategy = strategy_for(settings)
        problem = strategy.earn_problem(settings, top, Measured(self.meter.volatility_bps, latency))
        return {
            "name": settings.quote_strategy,
            "description": strategy.describe(settings),
            "can_earn": problem is None,
            "problem": problem,
            "note": plan.note if plan else None,
            "band_bps": plain_or_none(settings.uptime_band_bps),
            "target_bps": None
            if band is None
            else plain_or_none(abs(band.bid.target).quantize(CENT)),
            "margin_bps": None if band is None else plain_or_none(band.margin_bps),
            "volatility_bps": None
            if self.meter.volatility_bps is None
            else f"{self.meter.volatility_bps:.2f}",
            "ack_latency_ms": None if latency is None else round(latency * 1000, 1),
            "mark_mid_gap_bps": None
            if top is None or mark is None
            else plain_or_none(bps_gap(top, mark).quantize(CENT)),
            "holding": bool(plan and plan.holding),
        }


CENT = Decimal("0.01")
REJECT_BACKOFF = Backoff(base=0.1, cap=2.0)
