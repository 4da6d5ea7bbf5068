"""Executes decided actions against the exchange and audits every outcome.

Every call goes through ExchangeCalls (exchange_calls.py), which counts it toward the kill
switch or resets the count. Every order action and reject becomes an audit event. It
never decides what to quote: that is decide's job. Places can be shut off
(`close_places`): a kill or stop drops every place still waiting for the rate budget, and
every retry of one refused before it (a 429, a 5xx), so nothing queued before the kill
reaches the exchange.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal

from trading.core.domain import ExchangeOrder, OrderState, Quote
from trading.core.orders import OrderTracker, Transition
from trading.engine.eventlog import EventLog
from trading.engine.exchange_calls import ExchangeCalls
from trading.engine.failures import Failures
from trading.engine.ops_metrics import ReactionHistogram
from trading.standx.errors import (
    AuthError,
    NotFoundError,
    OrderRejectedError,
    RejectKind,
    RequestTimeoutError,
    ServerError,
    StandXError,
)
from trading.standx.rest import StandXRest
from trading.supervisor import TaskSet

log = logging.getLogger(__name__)

# How long a non-urgent cancel waits for others to share its request (see cancel_soon).
CANCEL_COALESCE_SECONDS = 0.01
# Pending checks (query_order) per housekeeping pass: a backlog must not eat the budget.
OVERDUE_CHECKS_PER_PASS = 10


class PlaceDropped(Exception):
    """Raised as a place's attempt leaves the pacer after places were shut off: a retry
    (after a 429 or a 5xx) of a place sent before a kill or stop is never sent."""


class Executor:
    def __init__(
        self,
        rest: StandXRest,
        tracker: OrderTracker,
        events: EventLog,
        failures: Failures,
        symbol: Callable[[], str],
        on_trip: Callable[[str], None],
        on_auth_error: Callable[[AuthError], None],
        on_transition: Callable[[Transition], None],
        clock: Callable[[], float] = time.time,
    ):
        self.rest, self.tracker, self.events = rest, tracker, events
        self.calls = ExchangeCalls(events, failures, on_trip, on_auth_error, clock)
        self._symbol = symbol
        self._on_transition = on_transition
        self._clock = clock
        self.reaction_ms: deque[float] = deque(maxlen=100_000)
        self.reactions = ReactionHistogram()  # every one since the start, for /metrics
        self._inflight = TaskSet()
        self._cancels_due: list[str] = []  # non-urgent cancels waiting for company
        self._unsent: dict[str, asyncio.Task] = {}  # places still waiting for the budget
        # Places whose request has not returned yet (the client may be retrying a 429 or a
        # 5xx): "not found" is no answer about those, see check_overdue.
        self._placing: set[str] = set()
        self.places_closed: str | None = None  # why places are shut off (kill, stop)

    def _transition(self, transition: Transition | None) -> None:
        if transition is not None:
            self._on_transition(transition)

    # ------------------------------------------------------------------ in-flight calls

    def launch(self, coro, name: str) -> asyncio.Task:
        """Run an order call in the background: the quoting loop never waits for the
        network, so the next market message is handled at once. State changes were already
        made synchronously (PENDING_NEW / PENDING_CANCEL), so decide cannot repeat them."""
        return self._inflight.spawn(coro, name)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for in-flight order calls (before a cancel-all, so none lands after it)."""
        self._flush_cancels()
        await self._inflight.wait(timeout)

    def close_places(self, why: str) -> int:
        """Kill or stop: no place may leave any more, and those still waiting for the rate
        budget are dropped at once (they were never sent). Returns how many were dropped."""
        self.places_closed = why
        dropped = list(self._unsent.items())
        self._unsent.clear()
        now = self._clock()
        for cl_ord_id, task in dropped:
            task.cancel()
            self._transition(
                self.tracker.rejected(cl_ord_id, now, f"dropped before sending: {why}")
            )
        if dropped:
            self.events.add("info", f"{why}: dropped {len(dropped)} queued order(s) before sending")
        return len(dropped)

    def open_places(self) -> None:
        self.places_closed = None

    def cancel_soon(self, ids: list[str]) -> None:
        """Send non-urgent cancels (already PENDING_CANCEL) batched with any that come
        meanwhile: at least CANCEL_COALESCE_SECONDS (a two-sided requote completes as each
        replacement rests, moments apart), and for as long as the rate budget would hold the
        request anyway. The per-IP budget is what limits busy bots per host
        (bench/scale.py): one batched cancel instead of one per order leaves it to the
        orders. The old orders rest that much longer, which costs no uptime."""
        if not ids:
            return
        first = not self._cancels_due
        self._cancels_due.extend(ids)
        if first:
            self.launch(self._cancel_when_due(), "cancel-batch")

    async def _cancel_when_due(self) -> None:
        await asyncio.sleep(CANCEL_COALESCE_SECONDS)
        while (wait := self.rest.pacer.delay(private=True)) > 0:
            await asyncio.sleep(wait)
        await self._send_due_cancels()

    def _flush_cancels(self) -> None:
        """Now, whatever is due (before a cancel-all waits for in-flight calls)."""
        if self._cancels_due:
            self.launch(self._send_due_cancels(), "cancel-batch")

    async def _send_due_cancels(self) -> None:
        ids, self._cancels_due = self._cancels_due, []
        if len(ids) == 1:
            await self.send_cancel(ids[0])
        elif ids:
            await self.send_cancel_many(ids)

    # ------------------------------------------------------------------ placing

    def prepare_place(
        self, quote: Quote, reason: str, ref_mid: Decimal, replaces: str | None = None
    ) -> str:
        """Track the order as PENDING_NEW and audit it; returns its cl_ord_id."""
        cl_ord_id = self.tracker.new_cl_ord_id(quote.side)
        self.tracker.add_pending(quote, cl_ord_id, self._clock(), ref_mid)
        note = reason if replaces is None else f"{reason} (replaces {replaces})"
        self.events.add(
            "place", note, side=quote.side, price=quote.price, qty=quote.qty, cl_ord_id=cl_ord_id
        )
        return cl_ord_id

    def launch_place(
        self,
        cl_ord_id: str,
        quote: Quote,
        trigger_at: float | None,
        on_capacity: Callable[[], None],
    ) -> None:
        """Send one prepared ALO order in the background; it counts as unsent (droppable by
        close_places) until its request leaves the pacer."""
        task = self.launch(self._place(cl_ord_id, quote, trigger_at, on_capacity), "place")
        if not task.done():
            self._unsent[cl_ord_id] = task

    async def _place(
        self,
        cl_ord_id: str,
        quote: Quote,
        trigger_at: float | None,
        on_capacity: Callable[[], None],
    ) -> None:
        if self.places_closed is not None:
            self._unsent.pop(cl_ord_id, None)
            self._transition(
                self.tracker.rejected(cl_ord_id, self._clock(), f"not sent: {self.places_closed}")
            )
            return
        if await self.send_place(cl_ord_id, quote, trigger_at) == RejectKind.CAPACITY:
            on_capacity()

    async def send_place(
        self, cl_ord_id: str, quote: Quote, trigger_at: float | None = None
    ) -> RejectKind | None:
        """Send one ALO order; returns the kind of a synchronous reject (None otherwise)."""
        self._placing.add(cl_ord_id)
        try:
            await self.calls.call(
                "new_order",
                lambda: self.rest.new_order(
                    self._symbol(),
                    quote.side,
                    quote.qty,
                    quote.price,
                    cl_ord_id,
                    "alo",
                    on_sent=functools.partial(self._leaving_pacer, cl_ord_id, trigger_at),
                ),
            )
        except StandXError as exc:
            return self._place_failed(cl_ord_id, quote, exc)
        except PlaceDropped as dropped:
            self._retry_dropped(cl_ord_id, quote, dropped)
        finally:
            self._unsent.pop(cl_ord_id, None)
            self._placing.discard(cl_ord_id)
        return None

    def _leaving_pacer(self, cl_ord_id: str, trigger_at: float | None) -> None:
        """An attempt of a place is leaving the pacer for the exchange: never once places
        are shut off; the first one ends the reaction that caused it."""
        if self.places_closed is not None:
            raise PlaceDropped(self.places_closed)
        if self._unsent.pop(cl_ord_id, None) is not None and trigger_at is not None:
            reaction = (time.time() - trigger_at) * 1000.0
            self.reaction_ms.append(reaction)
            self.reactions.observe(reaction)

    def _retry_dropped(self, cl_ord_id: str, quote: Quote, dropped: PlaceDropped) -> None:
        self._transition(
            self.tracker.rejected(cl_ord_id, self._clock(), f"retry not sent: {dropped}")
        )
        self.events.add(
            "info",
            f"{dropped}: dropped the retry of a place before sending",
            side=quote.side,
            cl_ord_id=cl_ord_id,
        )

    def _place_failed(self, cl_ord_id: str, quote: Quote, exc: StandXError) -> RejectKind | None:
        now = self._clock()
        if (
            isinstance(exc, RequestTimeoutError)
            and exc.maybe_sent
            or isinstance(exc, ServerError)
            and exc.status == 504
        ):
            return None  # it may rest: the pending timeout asks query_order by cl_ord_id
        self._transition(self.tracker.rejected(cl_ord_id, now, str(exc)))
        self.events.add(
            "reject",
            str(exc)[:500],
            side=quote.side,
            price=quote.price,
            qty=quote.qty,
            cl_ord_id=cl_ord_id,
        )
        return getattr(exc, "kind", None)

    # ------------------------------------------------------------------ cancelling

    def prepare_cancel(self, cl_ord_id: str, reason: str) -> bool:
        """Mark PENDING_CANCEL and audit; False when there is nothing to cancel."""
        order = self.tracker.get(cl_ord_id)
        if order is None or order.state is OrderState.PENDING_CANCEL:
            return False
        self._transition(self.tracker.cancel_sent(cl_ord_id, self._clock()))
        self.events.add(
            "cancel", reason, side=order.side, price=order.price, qty=order.qty, cl_ord_id=cl_ord_id
        )
        return True

    async def send_cancel(self, cl_ord_id: str) -> None:
        try:
            await self.calls.call(
                "cancel_order",
                lambda: self.rest.cancel_order(cl_ord_id=cl_ord_id),
                answers=(NotFoundError, OrderRejectedError),
            )
        except (NotFoundError, OrderRejectedError) as exc:
            # Already gone (filled or canceled meanwhile): the order channel tells which;
            # the pending timeout asks query_order if it does not. StandX's answer here is
            # undocumented: a silent success leaves the order PENDING_CANCEL the same way.
            log.info("cancel of %s refused: %s", cl_ord_id, exc)
        except StandXError:
            pass  # counted; the pending timeout re-checks and retries

    def prepare_cancel_many(self, cl_ord_ids: list[str], reason: str) -> list[str]:
        """Mark ours PENDING_CANCEL and audit one batch; returns the ids to send (never an
        order without our prefix)."""
        ids = [c for c in cl_ord_ids if self.tracker.is_ours(c)]
        if ids:
            now = self._clock()
            for cl_ord_id in ids:
                self._transition(self.tracker.cancel_sent(cl_ord_id, now))
            self.events.add(
                "cancel", f"{reason}: {len(ids)} order(s)", cl_ord_id=",".join(ids)[:64]
            )
        return ids

    async def send_cancel_many(self, ids: list[str]) -> bool:
        if not ids:
            return True
        try:
            await self.calls.call("cancel_orders", lambda: self.rest.cancel_orders(cl_ord_ids=ids))
        except StandXError:
            return False
        return True

    async def cancel_many(self, cl_ord_ids: list[str], reason: str) -> bool:
        """One batched cancel by cl_ord_id."""
        return await self.send_cancel_many(self.prepare_cancel_many(cl_ord_ids, reason))

    async def our_open_orders(self, symbol: str | None = None) -> tuple[list[ExchangeOrder], float]:
        """query_open_orders (all symbols unless given) and when the query was sent."""
        sent_at = self._clock()
        rows = await self.calls.call(
            "query_open_orders", lambda: self.rest.query_open_orders(symbol)
        )
        return rows, sent_at

    def forget_all(self, why: str) -> None:
        """The exchange confirmed none of ours is open: our view agrees."""
        now = self._clock()
        for cl_ord_id in self.tracker.live_ids():
            self._transition(self.tracker.gone(cl_ord_id, now, why))

    # ------------------------------------------------------------------ pending checks

    async def check_overdue(self) -> None:
        """PENDING_* orders not confirmed in time: ask the exchange by cl_ord_id (a few per
        pass; reconcile settles a large backlog with one query). Not a place the client is
        still sending or retrying: the exchange rightly does not know it yet, and
        forgetting it would make it an orphan the moment the retry lands (a forgotten id is
        never adopted again). Its call's own outcome settles it."""
        overdue = [
            o for o in self.tracker.overdue(self._clock()) if o.cl_ord_id not in self._placing
        ]
        for order in overdue[:OVERDUE_CHECKS_PER_PASS]:
            self.tracker.mark_checked(order.cl_ord_id, self._clock())
            try:
                query = functools.partial(self.rest.query_order, cl_ord_id=order.cl_ord_id)
                row = await self.calls.call("query_order", query, answers=(NotFoundError,))
            except NotFoundError:
                self._transition(
                    self.tracker.gone(order.cl_ord_id, self._clock(), "unknown to the exchange")
                )
                continue
            except StandXError:
                continue
            self._transition(self.tracker.apply(row, self._clock(), authoritative=True))
