"""WebSocket drops lose order updates (the stream has no replay): reconcile by REST after each
reconnect (and the pending timeouts) bring our view back in line with the exchange."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def tracker_matches_exchange(world, engine) -> bool:
    ours = {o.cl_ord_id for o in world.ours()}
    return ours == set(engine.tracker.live_ids()) and world.two_sided()


async def test_view_is_reconciled_after_stream_drops(world, start_engine):
    running = await start_engine(requote_threshold_bps=Decimal("3"))
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    world.exchange.set_faults(ws_drop_every_s=0.5)
    for step in range(1, 4):  # requotes while the streams keep dropping
        world.exchange.market.set_mid(SYMBOL, MID * (1 + Decimal("0.0004") * step))
        await asyncio.sleep(0.7)
    world.exchange.set_faults(ws_drop_every_s=0.0)
    await wait_until(
        lambda: tracker_matches_exchange(world, engine),
        timeout=8,
        what="tracker and exchange agree",
    )
    assert engine.state == "running"
    await running.stop()
    assert world.ours() == []
