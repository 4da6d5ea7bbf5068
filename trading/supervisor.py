"""Supervision of the engine's background tasks.

A task that raises is logged, reported (the engine counts it toward the kill switch) and
restarted after an exponential backoff; one that keeps running for a while earns its backoff
back. Cancellation is the only way out, so a TaskGroup of supervised tasks ends only when the
engine says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from trading.core.backoff import Backoff

log = logging.getLogger(__name__)

TaskBody = Callable[[], Awaitable[None]]
OnFailure = Callable[[str, BaseException], None]


async def supervise(
    name: str,
    body: TaskBody,
    on_failure: OnFailure | None = None,
    *,
    backoff_base: float = 0.2,
    backoff_max: float = 10.0,
    healthy_after: float = 30.0,
) -> None:
    """Run `body` until cancelled; restart it with backoff whenever it raises or returns."""
    backoff = Backoff(backoff_base, backoff_max)
    failures = 0
    while True:
        started = time.monotonic()
        try:
            await body()
            log.warning("task %s returned; restarting it", name)
            error: BaseException = RuntimeError(f"task {name} returned")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure is logged and the task comes back
            log.exception("task %s failed; restarting it", name)
            error = exc
        if time.monotonic() - started >= healthy_after:
            failures = 0
        failures += 1
        if on_failure is not None:
            try:
                on_failure(name, error)
            except Exception:
                log.exception("failure callback of task %s failed", name)
        await asyncio.sleep(backoff.delay(failures - 1))


async def every(interval: Callable[[], float], step: Callable[[], Awaitable[None]]) -> None:
    """Call `step` every interval() seconds (re-read each time, so a config change applies),
    measured from the start of each call so a slow step does not pile up calls."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await step()
        await asyncio.sleep(max(0.0, interval() - (loop.time() - started)))


@contextlib.asynccontextmanager
async def bounded_lock(lock: asyncio.Lock, timeout: float, what: str) -> AsyncIterator[bool]:
    """Hold `lock` if it can be had within `timeout`; yields whether it was acquired, so a
    stuck holder can delay but never block a caller forever (it decides what to do)."""
    try:
        async with asyncio.timeout(timeout):
            await lock.acquire()
    except TimeoutError:
        log.error("%s: lock busy for %.0fs", what, timeout)
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


class TaskSet:
    """Fire-and-forget tasks that are still tracked: a strong reference keeps each alive
    until done (asyncio holds only weak ones), and `wait` lets a clean stop let them land."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
