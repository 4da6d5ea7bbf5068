"""Orders without our cl_ord_id prefix (placed by hand on the same account) are never
touched: not at start, not by requotes, not by stop, kill or shutdown."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading import bus
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)


async def place_manual_orders(world) -> set[str]:
    rest = world.rest_client()
    try:
        await rest.new_order(
            SYMBOL, Side.BUY, Decimal("0.001"), MID * Decimal("0.98"), "manual-bid-1"
        )
        await rest.new_order(
            SYMBOL, Side.SELL, Decimal("0.001"), MID * Decimal("1.02"), "manual-ask-1"
        )
        await rest.new_order("ETH-USD", Side.BUY, Decimal("0.01"), Decimal("3000"), "manual-eth-1")
    finally:
        await rest.aclose()
    ids = {"manual-bid-1", "manual-ask-1", "manual-eth-1"}
    await wait_until(lambda: manual_open(world) == ids, what="manual orders resting")
    return ids


def manual_open(world) -> set[str]:
    return {o.cl_ord_id for o in world.resting() if o.cl_ord_id.startswith("manual-")}


async def test_manual_orders_survive_start_requote_stop_kill_and_shutdown(world, start_engine):
    manual = await place_manual_orders(world)
    running = await start_engine(requote_threshold_bps=Decimal("3"))
    await wait_until(world.two_sided, what="first quotes")
    assert manual_open(world) == manual

    first = {o.cl_ord_id for o in world.ours()}
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(
        lambda: world.two_sided() and not {o.cl_ord_id for o in world.ours()} & first,
        what="requote",
    )
    assert manual_open(world) == manual

    await bus.send_control("default", "stop", user="tester")
    await wait_until(lambda: running.engine.state == "stopped" and world.ours() == [], what="stop")
    assert manual_open(world) == manual

    await bus.send_control("default", "start", user="tester")
    await wait_until(world.two_sided, what="quotes after start")
    await bus.send_control("default", "kill", user="tester")
    await wait_until(lambda: running.engine.state == "killed" and world.ours() == [], what="kill")
    assert manual_open(world) == manual

    await running.stop()
    assert manual_open(world) == manual
    assert world.ours() == []


async def test_stop_message_cancels_ours_and_is_persisted(world, start_engine):
    from tests.trading.engine.conftest import run_state

    running = await start_engine()
    await wait_until(world.two_sided, what="first quotes")
    await bus.send_control("default", "stop", user="tester")
    await wait_until(lambda: world.ours() == [], what="orders canceled")
    assert (await run_state())[0] == "stopped"
    assert running.engine.tracker.live() == []
    await running.stop()
    assert world.ours() == []
