"""FLATTEN_AFTER_FILL: after a fill while the bot runs, close the position it left.

The same two legs as at a stop (engine/flatten.py): a reduce-only post-only order at our
side's touch, and after FLATTEN_MAKER_SECONDS a reduce-only IOC for what is left. It runs
beside quoting, never under the trading lock (the maker leg waits seconds): the quotes stay
on the book, and the quoting pass does not see the flattening orders (`owns`), so decide
never takes them for a duplicate of a quote. The position is followed on the account stream
(no REST polling while running). A stop or kill ends it: places are shut off, the cleanup
waits for a send in flight and cancels whatever rests. Bounded in time; one at a time.

Within StandX's reduce-only rule: a leg first waits (bounded) until no reduce-only order of
ours is left on the exchange (the last leg's cancel may still be in flight: the exchange
counts that order until it lands), then sizes its order from the position as the stream
last reported it, read after every await, less whatever reduce-only order is still live
(Flattener.order_for).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from trading.core.domain import OrderState
from trading.engine.executor import Executor
from trading.engine.flatten import TAKER_WAIT_SECONDS, Flattener
from trading.engine.state import BotState, Signals

log = logging.getLogger(__name__)

WATCH_SECONDS = 0.05  # how often the streamed position is looked at
SETTLE_SECONDS = 1.0  # at most this long for the last leg's order to leave the exchange


class FillFlattener:
    def __init__(
        self,
        state: BotState,
        flattener: Flattener,
        executor: Executor,
        signals: Signals,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        # The flattener sends its orders; the executor cancels them like any order of ours.
        self.state, self.flattener, self.executor = state, flattener, executor
        self.signals = signals
        self._sleep = sleep
        self._ids: set[str] = set()
        self._busy = False

    def owns(self, cl_ord_id: str) -> bool:
        return cl_ord_id in self._ids

    def after_fill(self) -> None:
        """A fill moved the position (the quoter saw it): flatten, if configured."""
        run = self.state.run
        if not self.state.settings.flatten_after_fill or self._busy or not run.running:
            return
        if self.state.position_qty == 0:
            return
        self._busy = True
        self.signals.spawn(self._run(), "flatten-after-fill")

    async def _run(self) -> None:
        maker_s = float(self.state.settings.flatten_maker_seconds)
        try:
            async with asyncio.timeout(maker_s + TAKER_WAIT_SECONDS + 3.0):
                if maker_s > 0 and await self._leg(taker=False, wait_s=maker_s):
                    return
                await self._leg(taker=True, wait_s=TAKER_WAIT_SECONDS)
        except TimeoutError:
            log.warning("bot %s: flatten after a fill ran out of time", self.state.bot)
        finally:
            self._cancel_ours()
            self._busy = False

    async def _leg(self, taker: bool, wait_s: float) -> bool:
        """One order for the whole position; True once the position is flat."""
        state = self.state
        if state.position_qty == 0:
            return True
        await self._settled(SETTLE_SECONDS)
        # The book from REST: right after a fill the stream's book may still be the one
        # before the move, and a bid at that stale touch would sit below our own quote.
        top = await self.flattener.fresh_top(state.symbol)
        if top is None or not state.run.running:
            return False
        # Read after the awaits: a quote of ours on the reducing side may have filled
        # meanwhile, and an order sized from the older position would be refused.
        position = state.position_qty
        if position == 0:
            return True
        order = self.flattener.order_for(position, top, taker)
        if order is None:
            return False
        cl_ord_id = await self.flattener.send(
            state.symbol, order, top, while_running=True, claim=self._ids.add
        )
        if cl_ord_id is None:
            return False
        flat = await self._wait_flat(position, wait_s)
        self._cancel_ours()
        return flat

    async def _settled(self, wait_s: float) -> None:
        """Until no reduce-only order of ours is live on the exchange, or ``wait_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while self.flattener.live_reduce_only() and loop.time() < deadline:
            await self._sleep(WATCH_SECONDS)

    async def _wait_flat(self, started: Decimal, wait_s: float) -> bool:
        """Until the position is closed (or turned: never chase the other way) or time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while loop.time() < deadline and self.state.run.running:
            position = self.state.position_qty
            if position == 0 or (position > 0) != (started > 0):
                return True
            await self._sleep(WATCH_SECONDS)
        return self.state.position_qty == 0

    def _cancel_ours(self) -> None:
        executor = self.executor
        for cl_ord_id in list(self._ids):
            order = self.state.tracker.get(cl_ord_id)
            if order is None or not order.state.is_live:
                self._ids.discard(cl_ord_id)
            elif order.state is not OrderState.PENDING_CANCEL and executor.prepare_cancel(
                cl_ord_id, "flatten: leg over"
            ):
                executor.launch(executor.send_cancel(cl_ord_id), "cancel")
