"""What happens to the position when a run ends: kept, or flattened with reduce-only orders.

After a stop, a kill or the process shutdown has taken every order of ours off (cleanup.py)
the position is read from the exchange (query_positions: the truth, not our stream view).
When FLATTEN_ON_STOP / FLATTEN_ON_KILL says so it is closed: a reduce-only post-only order
at our side's touch first (maker fee, no crossing), and if the position is not flat after
FLATTEN_MAKER_SECONDS a reduce-only IOC priced through the touch (taker: it trades at once
or is cancelled by the exchange, it never rests). The whole is bounded in time, and the
book is then cancelled and verified again, so a flattening never leaves an order behind.
Every reduce-only order (here and after a fill, flatten_fill.py) is sized within StandX's
rule: the position less every other reduce-only order of ours the exchange still holds
(`order_for`), so the exchange never refuses one as "would not reduce the position".
The outcome is one sentence (`PositionOutcome.text`), shown on the dashboard and in
runbot's exit output.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import BookTop, LiveOrder, plain
from trading.core.inventory import (
    FlattenOrder,
    flatten_order,
    flatten_wanted,
    reduce_only_allowance,
)
from trading.core.orders import Transition
from trading.engine.cleanup import CleanupResult, OrderCleanup
from trading.engine.eventlog import EventLog
from trading.engine.state import BotState
from trading.standx.errors import StandXError
from trading.supervisor import bounded_lock

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often the position is asked while an order works
TAKER_WAIT_SECONDS = 2.0  # an IOC trades or dies within its ack: this is generous
LOCK_WAIT_SECONDS = 5.0
# One look at the position at the end of a run. A stop must finish inside systemd's 45 s
# (cleanup takes up to 15 s), so a slow exchange gets "unknown", not the client's retries.
POSITION_READ_SECONDS = 3.0
ZERO = Decimal("0")
UNANSWERED = "the exchange did not answer"


@dataclass(frozen=True)
class PositionOutcome:
    symbol: str
    before: Decimal | None  # the position found after the cancels (None: not known)
    after: Decimal | None  # ... and once the flattening ended
    how: str  # "flat", "kept", "maker", "taker", "partial", "unknown"
    text: str  # what the dashboard and runbot say

    @property
    def left(self) -> Decimal | None:
        return self.after


def _qty(qty: Decimal) -> str:
    """A position as a trader says it: "long 0.002" / "short 0.001"."""
    if qty == 0:
        return "0"
    return f"{'long' if qty > 0 else 'short'} {plain(abs(qty))}"


class Flattener:
    def __init__(
        self,
        state: BotState,
        cleanup: OrderCleanup,
        events: EventLog,
        lock: asyncio.Lock,
        clock: Callable[[], float],
        on_transition: Callable[[Transition], None],
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self.state, self.cleanup, self.events, self._lock = state, cleanup, events, lock
        self.executor = cleanup.executor
        self._clock, self._on_transition, self._sleep = clock, on_transition, sleep
        self.last: PositionOutcome | None = None
        self._reduce_only: set[str] = set()  # cl_ord_ids of our reduce-only orders

    @property
    def rest(self):
        return self.executor.rest

    async def at_end(self, why: str, cleaned: CleanupResult) -> PositionOutcome:
        """After a stop/kill/shutdown cleanup: keep or flatten the position, and say so.
        ``why`` is "stop", "shutdown" or "kill" (which setting applies)."""
        outcome = await self._at_end(why, cleaned)
        self.last, self.state.run.position = outcome, outcome.text
        level = "info" if outcome.how in ("flat", "kept", "maker", "taker") else "error"
        self.events.add(level, outcome.text[:500])
        log.info("bot %s: %s", self.state.bot, outcome.text)
        return outcome

    async def _at_end(self, why: str, cleaned: CleanupResult) -> PositionOutcome:
        symbol = self.state.symbol
        if cleaned.exchange_silent:
            # The exchange did not answer the cancels for the whole cleanup: asking it for
            # the position would only push the stop past the service manager's patience.
            return PositionOutcome(
                symbol, None, None, "unknown", f"position on {symbol} not read: {UNANSWERED}"
            )
        before = await self._position()
        if before is None:
            return PositionOutcome(
                symbol, None, None, "unknown", f"position on {symbol} unknown ({UNANSWERED})"
            )
        if before == 0:
            return PositionOutcome(symbol, before, before, "flat", f"no position on {symbol}")
        setting = "kill" if why == "kill" else "stop"
        if not flatten_wanted(self.state.settings, why):
            return PositionOutcome(
                symbol,
                before,
                before,
                "kept",
                f"position {_qty(before)} {symbol} kept (flatten on {setting} is off)",
            )
        if not cleaned.verified:
            return PositionOutcome(
                symbol,
                before,
                before,
                "kept",
                f"position {_qty(before)} {symbol} kept: "
                "our orders could not be verified gone, so no flattening order was sent",
            )
        return await self._flatten(symbol, before)

    async def _flatten(self, symbol: str, before: Decimal) -> PositionOutcome:
        maker_s = float(self.state.settings.flatten_maker_seconds)
        how = "unknown"
        async with bounded_lock(self._lock, LOCK_WAIT_SECONDS, "flatten"):
            try:
                async with asyncio.timeout(maker_s + TAKER_WAIT_SECONDS + 3.0):
                    how = await self._close(symbol, maker_s)
            except TimeoutError:
                how = "timeout"
            # Whatever happened, no order of ours may stay: cancel and verify again.
            verified = await self.cleanup.cancel_all_verified("after flattening")
        self.cleanup.last = verified
        after = await self._position()
        return self._flatten_outcome(symbol, before, after, how, verified)

    def _flatten_outcome(
        self, symbol: str, before: Decimal, after: Decimal | None, how: str, check: CleanupResult
    ) -> PositionOutcome:
        tail = "" if check.verified else f"; {check.describe()}"
        if after == 0:
            way = "maker" if how == "maker" else "taker"
            return PositionOutcome(
                symbol, before, after, way, f"flattened {_qty(before)} {symbol} ({way}){tail}"
            )
        left = "unknown" if after is None else _qty(after)
        return PositionOutcome(
            symbol,
            before,
            after,
            "partial",
            f"flattening {_qty(before)} {symbol} did not finish ({how}): position "
            f"{left} {symbol} left{tail}",
        )

    async def _close(self, symbol: str, maker_s: float) -> str:
        """Maker at the touch for maker_s, then a taker for what is left."""
        if maker_s > 0:
            position = await self._send_and_wait(symbol, taker=False, wait_s=maker_s)
            if position == 0:
                return "maker"
            await self.cleanup.cancel_all_verified("flatten: maker order timed out", rounds=3)
        position = await self._send_and_wait(symbol, taker=True, wait_s=TAKER_WAIT_SECONDS)
        return "taker" if position == 0 else "taker did not fill"

    async def _send_and_wait(self, symbol: str, taker: bool, wait_s: float) -> Decimal | None:
        position, top = await self._position(), await self._top(symbol)
        if position is None or position == 0 or top is None or self.state.spec is None:
            return position
        order = self.order_for(position, top, taker)
        if order is None:
            return position
        if not await self._send(symbol, order, top):
            return position
        deadline = self._clock() + wait_s
        while self._clock() < deadline:
            await self._sleep(POLL_SECONDS)
            position = await self._position()
            if position == 0:
                break
        return position

    def order_for(self, position: Decimal, top: BookTop, taker: bool) -> FlattenOrder | None:
        """The reduce-only order that closes ``position``, no larger than StandX allows
        beside the reduce-only orders of ours it still holds (None: nothing to send)."""
        if self.state.spec is None:
            return None
        allowance = reduce_only_allowance(position, self.live_reduce_only())
        return flatten_order(position, top, self.state.spec, taker, allowance)

    def live_reduce_only(self) -> list[LiveOrder]:
        """Our reduce-only orders the exchange may still hold: pending, resting, or with
        their cancel in flight (the exchange counts an order until its cancel lands)."""
        tracker, live = self.executor.tracker, []
        for cl_ord_id in list(self._reduce_only):
            order = tracker.get(cl_ord_id)
            if order is None or not order.state.is_live:
                self._reduce_only.discard(cl_ord_id)
            else:
                live.append(order)
        return live

    async def _send(self, symbol: str, order: FlattenOrder, top: BookTop) -> bool:
        return await self.send(symbol, order, top, while_running=False) is not None

    async def send(
        self,
        symbol: str,
        order: FlattenOrder,
        top: BookTop,
        while_running: bool,
        claim: Callable[[str], None] = lambda cl_ord_id: None,
    ) -> str | None:
        """Place one reduce-only order (tracked and audited like every order of ours);
        its cl_ord_id, or None when refused. ``while_running``: refused once places are
        shut off (a stop or kill began), and sent as an executor task, so the stop's
        cleanup waits for it before it cancels and verifies. ``claim`` gets the id before
        anything is awaited: a quoting pass meanwhile must not take it for a quote."""
        quote = order.quote
        if while_running and self.executor.places_closed:
            return None
        kind = "taker (IOC)" if order.taker else "maker (post-only)"
        cl_ord_id = self.executor.prepare_place(quote, f"flatten: reduce-only {kind}", top.mid)
        self._reduce_only.add(cl_ord_id)
        claim(cl_ord_id)
        request = self.rest.new_order(
            symbol,
            quote.side,
            quote.qty,
            quote.price,
            cl_ord_id,
            time_in_force=order.time_in_force,
            reduce_only=True,
        )
        try:
            if while_running:
                await self.executor.launch(request, "flatten")
            else:
                await request
        except StandXError as exc:
            transition = self.executor.tracker.rejected(cl_ord_id, self._clock(), str(exc)[:120])
            if transition is not None:
                self._on_transition(transition)
            self.events.add("error", f"flatten order refused: {exc}"[:500], side=quote.side)
            return None
        return cl_ord_id

    async def _position(self) -> Decimal | None:
        symbol = self.state.symbol
        try:
            async with asyncio.timeout(POSITION_READ_SECONDS):
                positions = await self.rest.query_positions(symbol)
        except (StandXError, TimeoutError):
            return None
        return sum((p.qty for p in positions if p.symbol == symbol), ZERO)

    async def fresh_top(self, symbol: str) -> BookTop | None:
        return await self._top(symbol)

    async def _top(self, symbol: str) -> BookTop | None:
        try:
            return (await self.rest.query_depth_book(symbol)).top()
        except StandXError:
            return self.state.market.top()
