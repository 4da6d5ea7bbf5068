"""A cancel of an order that is already gone from the exchange (filled or cancelled while the
bot did not hear it): the simulator answers 400 at once, StandX's answer is undocumented,
so the simulator can also answer it with a silent success (`cancel_gone="silent"`). Either
way the bot treats it as "already gone, verify": the order leaves our tracker once the
exchange confirms it (the periodic reconcile's query_open_orders, or the pending check's
query_order, whichever comes first), nothing is left behind on the exchange, and the
cancel is not retried."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.core.domain import RunState, Side

pytestmark = pytest.mark.django_db(transaction=True)


async def vanish(world, order) -> None:
    """Cancel `order` on the exchange and lose its order-channel update: what a cancel from
    another device, or a fill missed over a reconnect, looks like to the bot."""
    exchange = world.exchange
    publish = exchange.order_event
    exchange.order_event = lambda o: None if o is order else publish(o)
    try:
        exchange.submit_cancel(
            exchange.matching.accounts[world.user], {"order_id": order.id}, None, ""
        )
        await wait_until(lambda: order.status == "canceled", what="order gone")
    finally:
        del exchange.order_event  # the class's method again


def engine_agrees_with_exchange(engine, world) -> bool:
    ours = {o.cl_ord_id for o in world.ours()}
    return world.two_sided() and set(engine.tracker.live_ids()) == ours and len(ours) == 2


@pytest.mark.parametrize("answer", ["reject", "silent"])
async def test_a_cancel_of_a_gone_order_ends_with_a_correct_view(world, start_engine, answer):
    world.exchange.set_faults(cancel_gone=answer)
    running = await start_engine()
    engine = running.engine
    await wait_until(lambda: engine_agrees_with_exchange(engine, world), what="settled")
    [bid] = [o for o in world.ours() if o.side is Side.BUY]
    await vanish(world, bid)
    assert engine.tracker.get(bid.cl_ord_id) is not None  # the bot did not hear it
    # The ask comes down to our bid: `proximity`, an urgent cancel of the (gone) bid alone.
    world.exchange.market.set_mid(SYMBOL, MID * (1 - Decimal("0.00045")))
    await wait_until(
        lambda: (
            engine.tracker.get(bid.cl_ord_id) is None and engine_agrees_with_exchange(engine, world)
        ),
        timeout=10,
        what="the gone bid forgotten and both sides quoted",
    )
    requests = world.exchange.stats(world.user)["requests"]["by_path"]
    await running.stop()
    assert bid.status == "canceled"  # never re-opened, never filled
    assert engine.state is RunState.STOPPED and engine.failures.consecutive == 0
    # the gone bid's cancel once, the ask's requote once (alone or batched); no retries
    cancels = requests.get("/api/cancel_order", 0) + requests.get("/api/cancel_orders", 0)
    assert 2 <= cancels <= 3, requests
    assert requests.get("/api/query_order", 0) <= 2, requests
    refused = running.rest.stats.errors["OrderRejectedError"]
    silent = world.exchange.faults.injected["cancel_gone_silent"]
    assert (refused, silent) == ((1, 0) if answer == "reject" else (0, 1))
