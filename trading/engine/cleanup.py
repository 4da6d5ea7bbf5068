"""Taking every order of ours off the exchange, and proving it.

Kill, stop, process shutdown, a symbol switch and the orphans of a dead run all end here:
drop whatever place is still queued, cancel every order with our prefix (tracked or found
open on any symbol), then ask the exchange (query_open_orders) until none is listed and none
of ours is still only accepted (PENDING_NEW: not listed as open yet), with a bounded number
of rounds. The result says how many could not be verified gone, so the
dashboard, the status API and runbot's exit status can say so when it is the truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from trading.core.backoff import Backoff
from trading.core.domain import OrderState
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.standx.errors import AuthError, StandXError
from trading.supervisor import bounded_lock

log = logging.getLogger(__name__)

VERIFY_ROUNDS = 8
VERIFY_BACKOFF = Backoff(base=0.2, cap=2.0)  # about 11 s of pauses over all rounds
# However slow the exchange answers, a cleanup gives up (and says so) after this long:
# runbot's clean stop (background tasks 5 s + the trading lock 10 s + this) must end, and
# say whether orders may remain, inside fleet.bots.SHUTDOWN_GRACE_SECONDS and systemd's
# TimeoutStopSec (docs/operations.md).
VERIFY_DEADLINE_SECONDS = 15.0
LOCK_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class CleanupResult:
    left: int | None  # orders still listed (None: the exchange never answered)

    @property
    def verified(self) -> bool:
        return self.left == 0

    @property
    def exchange_silent(self) -> bool:
        """The exchange never answered the listing of our orders during the cleanup."""
        return self.left is None

    def describe(self) -> str:
        if self.verified:
            return "all our orders canceled (verified)"
        if self.left is None:
            return "could not verify with the exchange that our orders are gone"
        return f"{self.left} order(s) could not be verified gone"


class OrderCleanup:
    def __init__(
        self,
        executor: Executor,
        lock: asyncio.Lock,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self.executor = executor
        self._lock = lock
        self._sleep = sleep
        self.pending = False  # the last cleanup was not verified: retried
        self.last: CleanupResult | None = None

    async def clean_orphans(self, events: EventLog) -> CleanupResult:
        """At start: orders with our prefix left by an earlier run that died are cancelled
        before quoting (and quoting waits while that is not verified)."""
        try:
            rows, _ = await self.executor.our_open_orders()
        except StandXError:  # counted by the executor; housekeeping retries
            self.pending = True
            return CleanupResult(None)
        orphans = [r for r in rows if self.executor.tracker.is_ours(r.cl_ord_id)]
        if not orphans:
            return CleanupResult(0)
        events.add("info", f"{len(orphans)} order(s) of an earlier run found open: canceling")
        return await self.cancel_everything("orphan of an earlier run")

    async def cancel_everything(self, why: str, rounds: int = VERIFY_ROUNDS) -> CleanupResult:
        """Under the trading lock (a stuck holder delays but cannot block it)."""
        async with bounded_lock(self._lock, LOCK_WAIT_SECONDS, f"cleanup ({why})"):
            result = await self.cancel_all_verified(why, rounds)
        self.pending, self.last = not result.verified, result
        return result

    async def cancel_all_verified(self, why: str, rounds: int = VERIFY_ROUNDS) -> CleanupResult:
        """Cancel every order of ours, then check with query_open_orders that none remains;
        repeat for a bounded number of rounds. The caller holds the trading lock."""
        executor = self.executor
        left: set[str] | None = None
        try:
            async with asyncio.timeout(VERIFY_DEADLINE_SECONDS):
                await executor.drain()
                for attempt in range(rounds):
                    left = await self._listed(left)
                    # Accepted but not yet resting, an order is not listed as open: one of
                    # ours still PENDING_NEW is cancelled by id, not taken for gone.
                    unlisted = self._accepted_not_resting()
                    if left == set() and not unlisted:
                        executor.forget_all("canceled (verified)")
                        return CleanupResult(0)
                    listed = left if left is not None else set(executor.tracker.live_ids())
                    to_cancel = listed | unlisted
                    if to_cancel:
                        await executor.cancel_many(sorted(to_cancel), why)
                    await self._sleep(VERIFY_BACKOFF.delay(attempt))
        except (TimeoutError, AuthError):
            pass  # out of time, or a refused token: nothing more can be done
        result = CleanupResult(None if left is None else len(left))
        log.error("%s: %s", why, result.describe())
        return result

    def _accepted_not_resting(self) -> set[str]:
        tracker = self.executor.tracker
        return {
            o.cl_ord_id
            for o in tracker.live()
            if o.state is OrderState.PENDING_NEW and tracker.is_ours(o.cl_ord_id)
        }

    async def _listed(self, known: set[str] | None) -> set[str] | None:
        """Our orders the exchange lists as open now (the last answer if it does not say)."""
        try:
            rows, _ = await self.executor.our_open_orders()
        except AuthError:
            raise
        except StandXError:
            return known  # counted by the executor; the next round asks again
        return {o.cl_ord_id for o in rows if self.executor.tracker.is_ours(o.cl_ord_id)}
