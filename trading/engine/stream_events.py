"""What one bot does with each frame of its streams and with every order state change.

Market frames update the market view and wake the quoting pass; account frames update the
tracker and the position; every order transition (from a frame, a REST answer or a
reconcile) is audited, measured and wakes the quoting pass again. A frame that parsed but
cannot be true is logged and otherwise ignored. The engine hands this its collaborators
and delegates the feed's calls to it; nothing here holds the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from trading.core.domain import OrderState
from trading.core.orders import Transition
from trading.core.reward import LifetimeStats
from trading.engine.eventlog import EventLog
from trading.engine.ledger import Ledger
from trading.engine.market_view import CONNECTED, feed_state
from trading.engine.quoter import Quoter
from trading.engine.resync import Resync
from trading.engine.state import BotState, Signals
from trading.engine.uptime_keeper import UptimeKeeper
from trading.standx import frames
from trading.standx.order_session import NEW_ORDER, RESPONSE_SESSION, OrderResult
from trading.standx.stream import StreamStatus

log = logging.getLogger(__name__)
# A `balance` frame (the wallet record) comes with every order placed or cancelled: the
# account's equity and available margin are asked from REST at most this soon after one.
BALANCE_FRAME_REFRESH_S = 5.0

# Order states the audit log records, with their OrderEvent kind.
AUDITED_STATES = {
    OrderState.OPEN: "open",
    OrderState.CANCELED: "canceled",
    OrderState.FILLED: "fill",
    OrderState.REJECTED: "reject",
}


class StreamEvents:
    def __init__(
        self,
        state: BotState,
        signals: Signals,
        resync: Resync,
        events: EventLog,
        quoter: Quoter,
        uptime: UptimeKeeper,
        lifetimes: LifetimeStats,
        clock: Callable[[], float],
        observe_uptime: Callable[[], None],
        pull_quotes: Callable[[str], None],
        ledger: Ledger,
    ):
        self.state, self.signals, self.resync, self.events = state, signals, resync, events
        self.ledger = ledger
        self.quoter, self.uptime, self.lifetimes = quoter, uptime, lifetimes
        self._clock = clock
        self._observe_uptime, self._pull_quotes = observe_uptime, pull_quotes
        self._response_session: str | None = None  # the order-response session's state

    # ------------------------------------------------------------------ market stream

    async def on_market_event(self, event) -> None:
        self.resync.check()  # frames buffered over a suspension arrive first
        now, market = self._clock(), self.state.market
        if isinstance(event, frames.BookEvent):
            top = event.book.top()
            if top is not None and top.crossed:  # garbage: never quote (or pull) from it
                skip_garbage(
                    f"crossed book {event.book.symbol}: best bid {top.best_bid}"
                    f" >= best ask {top.best_ask}"
                )
            elif market.on_book(event.book):
                self.signals.wake(event.book.received_at or now)
        elif isinstance(event, frames.PriceEvent):
            # on_price is True only for a new mark, so the mark is never None there.
            if market.on_price(event.tick) and market.mark is not None:
                self.quoter.meter.on_mark(now, market.mark)
                self._observe_uptime()
            self.signals.wake(event.tick.received_at or now)
        elif isinstance(event, StreamStatus):
            self._market_status(event)

    def _market_status(self, status: StreamStatus) -> None:
        market = self.state.market
        previous, market.market_feed = market.market_feed, feed_state(status.state)
        if previous == market.market_feed:
            return
        self.events.add("feed", f"market feed {status.state} {status.detail}".strip())
        if market.market_feed != CONNECTED:
            self._pull_quotes(f"market feed {status.state}")

    # ------------------------------------------------------------------ account stream

    async def on_account_event(self, event) -> None:
        now = self._clock()
        if isinstance(event, frames.OrderUpdate):
            self._order_update(event.order, now)
        elif isinstance(event, frames.FillUpdate):
            if event.fill.symbol == self.state.symbol:
                self.state.market.on_fill(now)  # a partial fill says so here only
            self.ledger.on_fill(event.fill, now)  # de-duplicated, audited, persisted there
        elif isinstance(event, frames.PositionUpdate):
            self.ledger.account.on_position(event.position)
            if event.position.symbol == self.state.symbol:
                self.state.position_qty = event.position.qty
        elif isinstance(event, OrderResult):
            self._order_result(event, now)
        elif isinstance(event, StreamStatus) and event.name == RESPONSE_SESSION:
            self._response_session_status(event)
        elif isinstance(event, frames.BalanceUpdate):
            self.ledger.account.refresh_soon(BALANCE_FRAME_REFRESH_S)  # equity needs REST
        elif isinstance(event, StreamStatus):
            self._account_status(event)

    def _response_session_status(self, status: StreamStatus) -> None:
        """Audited only: without the session a reject waits for the order channel or the
        pending check; quoting goes on."""
        if status.state != self._response_session:
            self._response_session = status.state
            text = f"order-response session {status.state} {status.detail}"
            self.events.add("feed", text.strip())

    def _order_result(self, result: OrderResult, now: float) -> None:
        """StandX's answer on the order-response session (the documented path of a reject).
        A refused new_order is a reject exactly like an order-channel `rejected`: whichever
        comes first moves the order, the tracker ignores the other (the order is forgotten
        then). A refused cancel changes nothing: as with the REST 400, the order is already
        gone, and the order channel or the pending check says how."""
        request, tracker = result.request, self.state.tracker
        if result.ok or request.method != NEW_ORDER or not tracker.is_ours(request.cl_ord_id):
            return
        assert request.cl_ord_id is not None  # is_ours
        order = tracker.get(request.cl_ord_id)
        if order is None or order.state is not OrderState.PENDING_NEW:
            return  # already settled (the order channel was first), or not ours to judge
        reason = f"exchange: {result.message or 'rejected'} (order response)"
        self.on_transition(tracker.rejected(request.cl_ord_id, now, reason))

    def _order_update(self, order, now: float) -> None:
        tracker = self.state.tracker
        if tracker.is_ours(order.cl_ord_id) and not tracker.knows(order.cl_ord_id):
            # Not something we placed in this run (or long forgotten): never track it from
            # a stream frame; reconcile asks REST, which adopts it only if it really rests.
            skip_garbage(f"order update for an unknown order {order.cl_ord_id}")
            self.signals.reconcile_soon()
        self.on_transition(tracker.apply(order, now))

    def _account_status(self, status: StreamStatus) -> None:
        market = self.state.market
        previous, market.account_feed = market.account_feed, feed_state(status.state)
        if previous != market.account_feed:
            self.events.add("feed", f"account feed {status.state} {status.detail}".strip())
        if status.state == "connected":
            self.signals.reconcile_soon()  # the stream has no replay: ask REST
            self.ledger.backfill_soon()

    # ------------------------------------------------------------------ order transitions

    def on_transition(self, transition: Transition | None) -> None:
        """Every order state change: audit it, update uptime, and let decide look again
        (an order becoming OPEN is what completes a make-before-break)."""
        if transition is None:
            return
        order = transition.order
        if transition.state is OrderState.FILLED:
            # The order channel says "filled" before depth_book shows where the market went.
            self.state.market.on_fill(self._clock())
        self._measure(transition)
        kind = AUDITED_STATES.get(transition.state)
        if kind is not None:
            self.events.add(
                kind,
                transition.reason,
                side=order.side,
                price=order.price,
                qty=order.qty,
                cl_ord_id=order.cl_ord_id,
            )
        self._observe_uptime()
        self.signals.wake()

    def _measure(self, transition: Transition) -> None:
        """Ack latency (sent -> resting) for the band strategy; each order's life."""
        order, now = transition.order, self._clock()
        if transition.state is OrderState.OPEN and transition.previous is OrderState.PENDING_NEW:
            self.quoter.meter.on_ack(now - order.sent_at)
            self.quoter.note_resting(order.side)
        elif transition.state is OrderState.REJECTED and self.state.run.running:
            self.quoter.note_reject(order.side, now)
        elif not transition.state.is_live and order.rested_at is not None:
            self.lifetimes.order_ended(
                now - order.rested_at,
                transition.previous is OrderState.PENDING_CANCEL
                and transition.state is OrderState.CANCELED,
            )


def skip_garbage(what: str) -> None:
    """A frame that parsed but cannot be true: logged, otherwise ignored."""
    log.warning("skipped from the exchange: %s", what)
