"""An exchange that cannot be reached for a while (a restart, a network blip) is waited out,
not killed for: the bot quotes again once it is back. A request that may have reached the
exchange and got no answer still counts toward the kill switch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def unreachable_errors(engine) -> list[dict]:
    return [e for e in engine.events.recent() if "exchange unreachable" in (e.get("message") or "")]


async def test_an_unreachable_exchange_is_waited_out_and_quoting_resumes(world, start_engine):
    limit = 5
    running = await start_engine(max_consecutive_failures=limit)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    await world.sim.stop()  # connection refused from now on
    # A call in flight as the exchange went down got no answer and may have been executed:
    # it counts, as it should (how many were in flight is the machine's timing, fewer than
    # the limit). From the first refused connection on, nothing counts.
    await wait_until(
        lambda: unreachable_errors(engine), timeout=15, what="the first refused connection"
    )
    counted, refused = engine.failures.total, len(unreachable_errors(engine))
    assert counted < limit
    # More refused calls than the limit (reconcile, housekeeping, the pulled quotes): had
    # they counted, the kill switch would have tripped.
    await wait_until(
        lambda: len(unreachable_errors(engine)) > refused + limit,
        timeout=30,
        what="calls failing against the unreachable exchange",
    )
    assert engine.failures.total == counted
    assert engine.state == "running"
    await world.sim.start()  # same port, same exchange state
    # The first answered call ends the run of failures; quoting goes on from the exchange's
    # state (orders whose cancel got no answer are still there, reconcile finds them).
    await wait_until(lambda: engine.failures.consecutive == 0, timeout=60, what="an answered call")
    await wait_until(world.two_sided, timeout=60, what="quotes after the outage")
    assert engine.state == "running"
    await running.stop()
    assert world.ours() == []


async def test_hanging_requests_still_trip_the_kill_switch(world, start_engine):
    running = await start_engine(max_consecutive_failures=2)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    world.exchange.set_faults(hang_share=1.0, hang_max_s=5.0)  # sent, never answered
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.01"))  # a drift: requotes are due
    await wait_until(lambda: engine.state == "killed", timeout=20, what="the kill switch")
    assert "RequestTimeoutError" in engine.state_reason
    world.exchange.set_faults(hang_share=0.0)
    await wait_until(lambda: world.ours() == [], timeout=15, what="cleanup after the kill")
    await running.stop()
