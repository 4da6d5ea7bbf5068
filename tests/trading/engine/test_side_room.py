"""Two orders a side at most, and MAX_NOTIONAL counts them (issue 21), on the simulator's
harsh market, judged from the simulator's own order log (GET /sim/orders, every order from
its acceptance until it left the book) and its fills (query_trades): never more than the
keeper and one replacement live on one side, and the position plus the live orders of the
side that grows it never past the limit."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
import pytest

from bench.order_log import order_figures
from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from tests.trading.engine.test_inventory_control import take_position
from trading.core.domain import Side
from trading.sim.scenarios import scenario

pytestmark = pytest.mark.django_db(transaction=True)

HARSH = scenario("harsh").market
LIMIT = Decimal("150")
RUN_SECONDS = 15.0


async def order_log(world, since: float) -> dict:
    """The order figures of bench/order_log.py over the simulator's HTTP API."""
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(base_url=world.sim.api_base, timeout=5.0) as http:
        until = time.time()
        orders = await http.get("/sim/orders", params={"since": since}, headers=headers)
        trades = await http.get(
            "/api/query_trades", params={"symbol": SYMBOL, "limit": 500}, headers=headers
        )
        stats = await http.get("/sim/stats", headers=headers)
    rejections = stats.json()["requests"]["rejections"]
    return order_figures(orders.json()["orders"], trades.json()["result"], rejections, LIMIT, until)


@pytest.mark.sim(**{**HARSH, "taker_trade_probability": 0.2})
async def test_a_fast_market_never_stacks_orders_nor_passes_the_limit(world, start_engine):
    world.exchange.set_faults(ack_latency_ms=50)  # the scenarios' acks
    # 99 USD long under a 150 USD limit: one 46 USD bid fits, a replacement beside it not.
    await take_position(world, Side.BUY, "0.0015")
    since = time.time()
    running = await start_engine(
        quote_strategy="band", band_min_rest_seconds=Decimal("3"), max_notional=LIMIT
    )
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    world.exchange.market.set_mid(SYMBOL, MID)
    world.exchange.market.unfreeze()  # the harsh random walk from here
    await asyncio.sleep(RUN_SECONDS)  # the market runs: what is measured is its log
    figures = await order_log(world, since)
    await running.stop()
    assert figures["max_orders_per_side"] <= 2, figures
    # The log values the position at its last fill, the bot at the mid it decided at: a
    # fraction of a percent apart on this market; one order more would be a third over.
    assert figures["exposure_max_usd"] <= float(LIMIT) * 1.01, figures
