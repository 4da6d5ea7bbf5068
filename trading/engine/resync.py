"""Time jumps: the process did not run for a while (laptop sleep, SIGSTOP, a clock step).

Everything the engine knows is then out of date: the book, our orders (fills and cancels may
have happened), the position. The wall clock is what reveals it: the engine looks at it at
least once a second (snapshot timer, market messages, quoting passes), so two looks further
apart than MAX_GAP_SECONDS mean the loop was not running. That is the same threshold the
uptime meter uses to leave a gap uncounted, so a gap that is not counted as uptime is exactly
a gap that makes the engine resynchronise.

While a resync is pending the engine does not quote; it reconciles orders and the position
with REST, then only trusts a book received after that reconcile answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from trading.core.backoff import Backoff
from trading.engine.eventlog import EventLog
from trading.engine.market_view import MarketView
from trading.engine.state import Signals
from trading.engine.uptime_keeper import MAX_GAP_SECONDS

log = logging.getLogger(__name__)

RETRY_BACKOFF = Backoff(base=0.5, cap=5.0)


class GapWatch:
    """PURE: successive wall-clock looks -> the size of a jump, or None."""

    def __init__(self, max_gap: float = MAX_GAP_SECONDS):
        self.max_gap = max_gap
        self._last: float | None = None

    def check(self, now: float) -> float | None:
        """Seconds since the previous look when that is more than max_gap, or when the clock
        stepped back by more than max_gap (negative: our timestamps no longer line up)."""
        previous, self._last = self._last, now
        if previous is None:
            return None
        gap = now - previous
        return gap if abs(gap) > self.max_gap else None


class Resync:
    """Notices a time jump and reconciles before quoting resumes."""

    def __init__(
        self,
        clock: Callable[[], float],
        events: EventLog,
        market: MarketView,
        recover: Callable[[], Awaitable[bool]],
        signals: Signals,
        max_gap: float = MAX_GAP_SECONDS,
    ):
        self._clock, self.events, self.market = clock, events, market
        self._recover, self.signals = recover, signals
        self.watch = GapWatch(max_gap)
        self.pending = False
        self._generation = 0  # a second jump during a resync restarts it

    def check(self) -> bool:
        """Look at the clock; on a jump, stop quoting and start a resync. True on a jump."""
        gap = self.watch.check(self._clock())
        if gap is None:
            return False
        self._generation += 1
        text = (
            f"time jump of {gap:.1f}s (process suspended or clock stepped): the book and "
            f"our orders are stale; reconciling with the exchange before quoting again"
        )
        log.warning("%s", text)
        self.events.add("feed", text)
        if not self.pending:
            self.pending = True
            self.signals.spawn(self._run(), "resync")
        return True

    async def _run(self) -> None:
        attempt = 0
        while True:
            generation = self._generation
            ok = await self._recover()
            if ok and generation == self._generation:
                break
            await asyncio.sleep(RETRY_BACKOFF.delay(attempt))
            attempt += 1
        # Frames buffered while we were suspended carry a fresh receive time but old prices:
        # only a book that arrives after the reconcile answer is quoted from.
        self.market.distrust_before(self._clock())
        self.pending = False
        self.events.add("feed", "reconciled after the time jump: quoting resumes on a fresh book")
        log.info("reconciled after the time jump")
        self.signals.wake()
