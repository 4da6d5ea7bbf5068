"""Which bots runbot's alerts watch (Runner.watched_bots): those running, and those whose
engine ended on an error or lost its lease to no one; not one another worker took over, nor
one stopped because its row was deleted."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from trading.fleet.runner import Runner


async def test_alerts_watch_running_bots_and_those_that_died():
    loop = asyncio.get_running_loop()
    runner = Runner({})
    ended, running = loop.create_future(), loop.create_future()
    ended.set_result(None)
    cases = {
        "quoting": (running, None, None),
        "crashed": (ended, RuntimeError("boom"), None),
        "lease-lost": (ended, None, SimpleNamespace(taken=False)),
        "taken-over": (ended, None, SimpleNamespace(taken=True)),
        "deleted": (ended, None, None),
    }
    for bot, (task, error, lost) in cases.items():
        runner.runs.append(SimpleNamespace(bot=bot, error=error, lease_lost=lost))
        runner.tasks[bot] = task
    assert runner.watched_bots() == ["quoting", "crashed", "lease-lost"]
    running.cancel()
