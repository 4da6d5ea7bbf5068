"""A clean stop that never finishes is not a clean stop (issue 11): when the engine is wedged
(here: a quoting pass stuck under the trading lock, as behind a request that never returns)
runbot abandons it after its grace period, and its report must exit non-zero with "orders may
remain on the exchange" instead of "runbot stopped cleanly". The real engine, the real bot
run and lease, the real simulator; ground truth shows the orders really remain."""

from __future__ import annotations

import asyncio

import pytest
from django.core.management.base import CommandError

from tests.trading.engine.conftest import FAST_OPTIONS, save_config, wait_until
from trading.engine.engine import Engine
from trading.engine.feeds import SharedFeed
from trading.fleet import bots
from trading.fleet.bots import BotRun
from trading.fleet.lease import LeaseKeeper
from trading.fleet.runner import Runner

pytestmark = pytest.mark.django_db(transaction=True)


async def quoting_bot_run(world) -> tuple[BotRun, asyncio.Task]:
    """A bot run as runbot starts it (lease taken first), quoting both sides."""
    await save_config()
    rest = world.rest_client(timeout=2.0, max_retries=0)
    feed = SharedFeed(
        world.sim.ws_stream_url,
        world.token,
        "account default",
        stale_after=FAST_OPTIONS.feed_stale_seconds,
    )
    keeper = LeaseKeeper("default", ttl=30)
    await keeper.acquire(wait=0)
    run = BotRun(Engine("default", rest, feed, "sim", FAST_OPTIONS), keeper)
    task = asyncio.create_task(run.run(), name="bot-run-under-test")
    await wait_until(world.two_sided, timeout=10, what="quotes")
    return run, task


async def stop_and_report(run: BotRun, task: asyncio.Task) -> list[str]:
    """runbot's end: stop the run, then its exit report. The lines said on success."""
    run.stop()
    async with asyncio.timeout(30):
        await task
    await run.keeper.aclose()
    await run.engine.rest.aclose()
    said: list[str] = []
    runner = Runner({"bot": ["default"]}, say=said.append)
    runner.runs = [run]
    runner.report()
    return said


async def test_a_wedged_engine_is_reported_as_orders_may_remain(world, monkeypatch):
    monkeypatch.setattr(bots, "SHUTDOWN_GRACE_SECONDS", 1.0)  # systemd would wait 30 s
    run, task = await quoting_bot_run(world)
    await run.engine.trading_lock.acquire()  # wedged: never released
    with pytest.raises(CommandError) as raised:
        await stop_and_report(run, task)
    message = str(raised.value)
    assert message.startswith("orders may remain on the exchange: bot default: ")
    assert "did not finish its clean stop" in message
    assert run.orders_in_doubt is not None
    assert world.two_sided()  # the message is the truth: both quotes still rest


async def test_the_same_stop_unwedged_is_clean(world, monkeypatch):
    """The counterpart: the same run and grace period, nothing wedged."""
    monkeypatch.setattr(bots, "SHUTDOWN_GRACE_SECONDS", 10.0)
    run, task = await quoting_bot_run(world)
    assert await stop_and_report(run, task) == ["runbot stopped cleanly"]
    assert run.orders_in_doubt is None
    assert world.ours() == []
