"""Non-urgent cancels that come within a few ms of each other share one request: the per-IP
request budget is what limits busy bots per host, and a two-sided requote completes as
each replacement rests, moments apart. Urgent cancels never wait."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.engine.executor import CANCEL_COALESCE_SECONDS

pytestmark = pytest.mark.django_db(transaction=True)


async def quoting(world, start_engine):
    rest = world.rest_client(timeout=2.0, max_retries=0)
    running = await start_engine(rest=rest)
    await wait_until(world.two_sided, what="first quotes")
    await wait_until(
        lambda: all(o.state.value == "open" for o in running.engine.tracker.live()),
        what="orders confirmed",
    )
    return running, rest


async def test_cancels_moments_apart_go_out_as_one_request(world, start_engine):
    running, rest = await quoting(world, start_engine)
    executor = running.engine.executor
    bid, ask = sorted(running.engine.tracker.live_ids())
    before = rest.stats.paths.copy()
    # As two replacements resting a few ms apart would: one cancel, then the other.
    assert executor.prepare_cancel(bid, "replaced")
    executor.cancel_soon([bid])
    await asyncio.sleep(CANCEL_COALESCE_SECONDS / 3)
    assert executor.prepare_cancel(ask, "replaced")
    executor.cancel_soon([ask])
    await wait_until(
        lambda: not ({o.cl_ord_id for o in world.ours()} & {bid, ask}),
        what="both canceled on the exchange",
    )
    sent = rest.stats.paths - before
    assert sent["/api/cancel_orders"] == 1 and sent["/api/cancel_order"] == 0
    await running.stop()


async def test_a_proximity_cancel_is_sent_at_once_on_its_own(world, start_engine):
    running, rest = await quoting(world, start_engine)
    before = rest.stats.paths.copy()
    # The ask drops to just above our bid (5 bps under the old mid), without crossing it:
    # the bid is about to be hit. (A move through it would fill it at once instead.)
    world.exchange.market.set_mid(SYMBOL, MID * (1 - Decimal("0.00049")))
    await wait_until(
        lambda: rest.stats.paths["/api/cancel_order"] > before["/api/cancel_order"],
        what="an immediate single cancel",
    )
    assert any(
        e["kind"] == "cancel" and e["message"].startswith("proximity")
        for e in running.engine.events.recent()
    )
    await running.stop()
