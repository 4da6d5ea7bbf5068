"""Injected 5xx trip the kill switch after exactly MAX_CONSECUTIVE_FAILURES failures; every
order of ours is then canceled (verified on the simulator) and the bot stays killed, also
across a restart, until a person starts it again."""

from __future__ import annotations

import pytest

from tests.trading.engine.conftest import run_state, wait_until
from trading import bus
from trading.core.domain import RunState

pytestmark = pytest.mark.django_db(transaction=True)


async def test_consecutive_5xx_trip_the_kill_switch(world, start_engine):
    running = await start_engine(max_consecutive_failures=3)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    assert engine.failures.total == 0
    world.exchange.set_faults(http_5xx_share=1.0)
    await wait_until(lambda: engine.state == "killed", timeout=10, what="the kill switch")
    first_three = [where for _, where, error in list(engine.failures.seen)[:3]]
    assert all("ServerError" in error for _, _, error in list(engine.failures.seen)[:3]), (
        first_three
    )
    assert engine.state_reason.startswith("kill switch: 3 consecutive failures")
    # The exchange recovers: the kill's cleanup is retried until none of ours is open.
    world.exchange.set_faults(http_5xx_share=0.0)
    await wait_until(lambda: world.ours() == [], timeout=10, what="all our orders canceled")
    await wait_until(lambda: not engine.cleanup.pending, what="cleanup verified")
    assert (await run_state())[0] == "killed"
    await running.stop()
    assert world.ours() == []


async def test_killed_bot_stays_killed_across_restart_until_started(world, start_engine):
    first = await start_engine()
    await wait_until(world.two_sided, what="first quotes")
    await bus.send_control("default", "kill", user="tester")
    # Stopped as soon as the kill is seen, while its cleanup (and the write of the state)
    # may still be under way: the shutdown must still leave "killed" stored.
    await wait_until(lambda: first.engine.state == "killed", what="manual kill")
    await first.stop()
    assert world.ours() == []
    state, reason = await run_state()
    assert state == "killed" and "manual kill" in reason

    second = await start_engine()
    await wait_until(lambda: second.engine.state == "killed", what="restart stays killed")
    await wait_until(lambda: second.engine.market.book is not None, what="market data")
    await wait_until(lambda: not world.ours(), what="no orders")
    assert world.ours() == []
    await bus.send_control("default", "start", user="tester")
    await wait_until(world.two_sided, what="quotes after a manual start")
    assert (await run_state())[0] == "running"
    await second.stop()
    assert world.ours() == []


async def test_a_kill_whose_write_was_cut_short_is_stored_by_the_shutdown(world, start_engine):
    """A shutdown right after a kill cancels the kill's cleanup, and with it the write of the
    state: the kill is in memory only. The shutdown must store it, or the next start quotes."""
    running = await start_engine()
    await wait_until(world.two_sided, what="first quotes")
    running.engine.run_control.set_run_state(RunState.KILLED, "manual kill by tester")
    assert (await run_state())[0] == "running"  # the write never happened
    await running.stop()
    state, reason = await run_state()
    assert state == "killed" and reason == "manual kill by tester"
    assert world.ours() == []
