"""A place the client is still retrying (a 429, a 5xx) is not "unknown to the exchange", and
a kill or a stop stops its retry (issue 11: nothing queued before a kill may reach the
exchange after it).

The pending timeout asks query_order about a PENDING_NEW order that was not confirmed in
time. While the place request is still being retried, the exchange rightly answers "not
found"; forgetting the order then makes it an orphan once the retry lands: it rests, ours,
and the engine ignores it for good (a forgotten id is never adopted again) until it fills.
The chaos soak found this under a 429 burst. Ground truth: the simulator's book."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import FAST_OPTIONS, MID, SYMBOL, wait_until
from trading import bus

pytestmark = pytest.mark.django_db(transaction=True)

RETRY_WAIT_S = 2.0  # longer than FAST_OPTIONS.pending_timeout (1 s)


async def slow_retry(_delay: float) -> None:
    """The client's wait before retrying a refused request: here longer than the
    pending timeout, as a Retry-After or a long backoff would make it."""
    await asyncio.sleep(RETRY_WAIT_S)


def every_place_landed(world, engine) -> bool:
    """Each order the engine sent is on the exchange's log (any status) or was refused."""
    on_exchange = {
        o.cl_ord_id for o in world.exchange.matching.accounts[world.user].orders.values()
    }
    events = engine.events.recent()
    refused = {e["cl_ord_id"] for e in events if e["kind"] == "reject"}
    return all(e["cl_ord_id"] in on_exchange | refused for e in events if e["kind"] == "place")


def resting_untracked(world, engine) -> set[str]:
    return {o.cl_ord_id for o in world.resting()} - {o.cl_ord_id for o in engine.tracker.live()}


async def test_a_place_being_retried_is_not_forgotten(world, start_engine):
    rest = world.rest_client(timeout=2.0, max_retries=2, sleep=slow_retry)
    # Nothing else asks the exchange meanwhile, so the 429s fall on the places.
    options = replace(FAST_OPTIONS, reconcile_every=60.0)
    running = await start_engine(rest=rest, options=options)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    first = {o.cl_ord_id for o in world.ours()}
    world.exchange.set_faults(burst_429=2)
    world.exchange.market.set_mid(SYMBOL, MID * (1 + Decimal("4") / 10000))  # a drift requote
    await wait_until(
        lambda: world.two_sided() and not first & {o.cl_ord_id for o in world.ours()},
        timeout=10,
        what="the replacements resting and the old quotes gone",
    )
    assert world.exchange.faults.injected["http_429"] == 2 and rest.stats.retries == 2
    await wait_until(
        lambda: every_place_landed(world, engine),
        timeout=10,
        what="every place request answered (the retried ones too)",
    )
    await wait_until(
        lambda: resting_untracked(world, engine) == set(),
        timeout=5,
        what="the engine tracking every order of ours that rests",
    )
    assert not [e for e in engine.events.recent() if "unknown to the exchange" in e["message"]]
    await running.stop()
    assert world.ours() == []


async def test_a_kill_stops_the_retry_of_a_place(world, start_engine):
    """A place refused with 429 waits to be retried when the kill comes (a storm meets the
    exchange's rate limit): the retry must not go out; nothing is created after the kill."""
    rest = world.rest_client(timeout=2.0, max_retries=2, sleep=slow_retry)
    running = await start_engine(rest=rest, options=replace(FAST_OPTIONS, reconcile_every=60.0))
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    world.exchange.set_faults(burst_429=2)
    world.exchange.market.set_mid(SYMBOL, MID * (1 + Decimal("4") / 10000))  # a drift requote
    await wait_until(lambda: rest.stats.retries == 2, what="both places waiting for a retry")
    await bus.send_control("default", "kill", user="tester")
    await wait_until(lambda: engine.state == "killed", what="the kill")
    killed_at = time.time()
    await wait_until(lambda: world.ours() == [], timeout=5, what="no order of ours left")
    await wait_until(
        lambda: not engine.executor._placing,
        timeout=2 * RETRY_WAIT_S,
        what="the places' calls ended (their retries were due)",
    )
    log = world.exchange.matching.accounts[world.user].orders.values()
    assert [o.cl_ord_id for o in log if o.created_at > killed_at] == []
    assert world.ours() == [] and engine.tracker.live() == []
    await running.stop()
