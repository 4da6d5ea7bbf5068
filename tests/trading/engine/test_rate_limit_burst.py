"""429s never trip the kill switch: a burst is absorbed by the client's backoff, and a 429
that outlives the retries slows the pacer down instead of counting as a failure (killing
would leave the bot dark for a budget that refills in a second). The control run shows the
same number of 5xx errors DOES trip the switch, so the tests cannot pass by accident."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 6  # twice the kill switch's limit of 3 consecutive failures


def resting_ids(world) -> set[str]:
    return {o.cl_ord_id for o in world.resting()}


async def quoting(world, start_engine, **client):
    """An engine quoting with a kill switch of 3, its client configured by `client`."""
    rest = world.rest_client(timeout=2.0, **client)
    running = await start_engine(rest=rest, max_consecutive_failures=3)
    await wait_until(world.two_sided, what="first quotes")
    return running, rest


async def burst_during_requote(world) -> None:
    """Fire the burst, then move the mid so the engine must place and cancel through it."""
    world.exchange.set_faults(burst_429=BURST)
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))


async def test_a_429_burst_is_retried_and_never_trips_the_kill_switch(world, start_engine):
    running, rest = await quoting(world, start_engine, max_retries=3, backoff_base=0.05)
    before = resting_ids(world)
    await burst_during_requote(world)
    await wait_until(
        lambda: world.two_sided() and not resting_ids(world) & before,
        timeout=10,
        what="requoted through the burst",
    )
    assert world.exchange.faults.injected["http_429"] == BURST  # it really happened
    assert rest.stats.retries >= BURST
    assert running.engine.state == "running"
    await running.stop()
    assert world.ours() == []


async def test_429s_that_outlive_the_retries_slow_down_but_never_kill(world, start_engine):
    running, rest = await quoting(world, start_engine, max_retries=0)
    before = resting_ids(world)
    await burst_during_requote(world)
    await wait_until(
        lambda: world.two_sided() and not resting_ids(world) & before,
        timeout=10,
        what="requoted after the burst",
    )
    assert world.exchange.faults.injected["http_429"] == BURST
    assert rest.stats.errors["RateLimitError"] >= 3  # they reached the engine...
    assert running.engine.state == "running"  # ...and did not kill it
    assert rest.pacer.waited_seconds > 0  # the pacer held off instead
    await running.stop()


async def test_control_the_same_number_of_5xx_without_retries_trips_the_switch(world, start_engine):
    running, rest = await quoting(world, start_engine, max_retries=0)
    world.exchange.set_faults(http_5xx_share=1.0)
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(lambda: running.engine.state == "killed", timeout=10, what="kill switch")
    assert "consecutive failures" in running.engine.state_reason
    world.exchange.set_faults(http_5xx_share=0.0)
    await running.stop()
