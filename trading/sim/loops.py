"""Supervised background tasks and the delayed-action scheduler of the simulator."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
RESTART_DELAY_S = 0.5


async def supervise(name: str, body: Callable[[], Awaitable[None]]) -> None:
    """Run `body` forever: an exception is logged and the body restarts after a short pause;
    cancellation (stop) ends it."""
    while True:
        try:
            await body()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("simulator task %s failed; restarting", name)
            await asyncio.sleep(RESTART_DELAY_S)


class Scheduler:
    """Runs callbacks after a delay, strictly in (due time, submission) order, so a cancel
    submitted after a new order is never applied before it, whatever the latency jitter."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._wakeup = asyncio.Event()
        self._last_due = 0.0

    def call_later(self, delay_s: float, fn: Callable[[], None]) -> None:
        due = max(asyncio.get_running_loop().time() + max(delay_s, 0.0), self._last_due)
        self._last_due = due
        heapq.heappush(self._heap, (due, next(self._counter), fn))
        self._wakeup.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wakeup.clear()
            while self._heap and self._heap[0][0] <= loop.time():
                _, _, fn = heapq.heappop(self._heap)
                try:
                    fn()
                except Exception:
                    log.exception("simulator scheduled action failed")
            timeout = self._heap[0][0] - loop.time() if self._heap else 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=max(timeout, 0.0))

    def pending(self) -> int:
        return len(self._heap)
