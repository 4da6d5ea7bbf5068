"""Our view of our orders and position, set right from the exchange's REST answers.

The streams have no replay: after a reconnect, a time jump, a start, and every
reconcile_every seconds, query_open_orders says what really rests. Orders we thought live
that are gone are forgotten, pending ones found resting are confirmed, ours we did not know
are adopted, and ours that should not be open (another symbol, or a bot that is not
running) are cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from trading.core.orders import Transition
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.engine.state import BotState
from trading.standx.errors import StandXError

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(
        self,
        state: BotState,
        executor: Executor,
        events: EventLog,
        clock: Callable[[], float],
        on_transition: Callable[[Transition], None],
    ):
        self.state, self.executor, self.events = state, executor, events
        self._clock, self._on_transition = clock, on_transition

    async def reconcile(self) -> bool:
        """Align the tracker with query_open_orders; cancel ours that should not be open.
        False when the exchange could not be asked (nothing was changed).
        No lock: the answer is applied synchronously and `as_of` protects orders that changed
        while the query was in flight, so quoting never waits for this round trip."""
        state = self.state
        try:
            rows, sent_at = await self.executor.our_open_orders()
        except StandXError:
            return False
        here = [r for r in rows if r.symbol == state.symbol]
        top = state.market.top()
        result = state.tracker.reconcile(
            here, self._clock(), as_of=sent_at, ref_mid=top.mid if top else None
        )
        for transition in (*result.gone, *result.confirmed):
            self._on_transition(transition)
        for order in result.adopted:
            self.events.add(
                "info",
                "adopted an order of ours found open",
                side=order.side,
                price=order.price,
                qty=order.qty,
                cl_ord_id=order.cl_ord_id,
            )
        strays = [
            r.cl_ord_id
            for r in rows
            if r.symbol != state.symbol and state.tracker.is_ours(r.cl_ord_id)
        ]
        if not state.run.running:
            strays += state.tracker.live_ids()  # a stopped or killed bot has no orders
        if strays:
            await self.executor.cancel_many(strays, "should not be open (reconcile)")
        return True

    async def load_position(self) -> None:
        state = self.state
        try:
            positions = await self.executor.calls.call(
                "query_positions", lambda: self.executor.rest.query_positions(state.symbol)
            )
        except StandXError:
            return
        state.position_qty = sum(
            (p.qty for p in positions if p.symbol == state.symbol), Decimal("0")
        )

    async def recover(self) -> bool:
        """After a time jump: orders, then the position. False when REST did not answer."""
        if not await self.reconcile():
            return False
        await self.load_position()
        return True
