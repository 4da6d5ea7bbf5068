"""Orders without our cl_ord_id prefix (placed by hand on the same account) are never
touched: not at start, not by requotes, not by stop, kill or shutdown."""
from __future__ import annotations

from decimal import Decimal

import pytest

from trading import bus
from trading.core.domain import Side
from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


async def place_manual_orders(bench) -> set[str]:
    rest = bench.rest_client()
    try:
        await rest.new_order(SYMBOL, Side.BUY, Decimal("0.001"), MID * Decimal("0.98"), "manual-bid-1")
        await rest.new_order(SYMBOL, Side.SELL, Decimal("0.001"), MID * Decimal("1.02"), "manual-ask-1")
        await rest.new_order("ETH-USD", Side.BUY, Decimal("0.01"), Decimal("3000"), "manual-eth-1")
    finally:
        await rest.aclose()
    ids = {"manual-bid-1", "manual-ask-1", "manual-eth-1"}
    await wait_until(lambda: manual_open(bench) == ids, what="manual orders resting")
    return ids


def manual_open(bench) -> set[str]:
    return {o.cl_ord_id for o in bench.resting() if o.cl_ord_id.startswith("manual-")}


async def test_manual_orders_survive_start_requote_stop_kill_and_shutdown(bench, start_engine):
    manual = await place_manual_orders(bench)
    running = await start_engine(requote_threshold_bps=Decimal("3"))
    await wait_until(bench.two_sided, what="first quotes")
    assert manual_open(bench) == manual

    first = {o.cl_ord_id for o in bench.ours()}
    bench.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(lambda: bench.two_sided() and not {o.cl_ord_id for o in bench.ours()} & first,
                     what="requote")
    assert manual_open(bench) == manual

    await bus.send_control("default", "stop", user="tester")
    await wait_until(lambda: running.engine.state == "stopped" and bench.ours() == [], what="stop")
    assert manual_open(bench) == manual

    await bus.send_control("default", "start", user="tester")
    await wait_until(bench.two_sided, what="quotes after start")
    await bus.send_control("default", "kill", user="tester")
    await wait_until(lambda: running.engine.state == "killed" and bench.ours() == [], what="kill")
    assert manual_open(bench) == manual

    await running.stop()
    assert manual_open(bench) == manual
    assert bench.ours() == []


async def test_stop_message_cancels_ours_and_is_persisted(bench, start_engine):
    from tests.trading.engine.conftest import run_state
    running = await start_engine()
    await wait_until(bench.two_sided, what="first quotes")
    await bus.send_control("default", "stop", user="tester")
    await wait_until(lambda: bench.ours() == [], what="orders canceled")
    assert (await run_state())[0] == "stopped"
    assert running.engine.tracker.live() == []
    await running.stop()
    assert bench.ours() == []
