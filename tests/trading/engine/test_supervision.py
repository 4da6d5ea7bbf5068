"""Background tasks are supervised: an exception is logged, counted toward the kill switch,
and the task restarts with backoff; cancellation is the only way out."""

from __future__ import annotations

import asyncio

import pytest

from tests.trading.engine.conftest import wait_until
from trading import bus
from trading.supervisor import every, supervise


async def test_failing_task_is_reported_and_restarted():
    runs, reports = [], []

    async def body():
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("boom")
        await asyncio.sleep(3600)

    task = asyncio.create_task(
        supervise("demo", body, lambda n, e: reports.append((n, str(e))), backoff_base=0.01)
    )
    await wait_until(lambda: len(runs) == 3, timeout=2, what="two restarts")
    assert reports == [("demo", "boom"), ("demo", "boom")]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(2):
            await task


async def test_every_rereads_its_interval():
    calls, interval = [], [0.01]

    async def step():
        calls.append(1)
        if len(calls) == 3:
            interval[0] = 3600

    task = asyncio.create_task(every(lambda: interval[0], step))
    await wait_until(lambda: len(calls) == 3, timeout=2, what="three steps")
    await asyncio.sleep(0.05)
    assert len(calls) == 3
    task.cancel()


@pytest.mark.django_db(transaction=True)
async def test_engine_task_failure_counts_and_the_task_comes_back(world, start_engine, monkeypatch):
    real = bus.publish_snapshot
    failures = {"left": 1}

    async def flaky(snapshot, summary):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("layer exploded")
        await real(snapshot, summary)

    monkeypatch.setattr(bus, "publish_snapshot", flaky)
    bus.forget_snapshot("default")
    running = await start_engine()
    await wait_until(lambda: running.engine.failures.total >= 1, what="failure counted")
    assert any("task snapshot" in where for _, where, _ in running.engine.failures.seen)
    await wait_until(lambda: bus.latest_snapshot("default") is not None, what="task restarted")
    await running.stop()
