"""A symbol change in the database (admin, API, another process) moves the quotes: the old
symbol's orders are canceled, the market stream resubscribes, quoting restarts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import SYMBOL, save_config, wait_until
from trading import bus

pytestmark = pytest.mark.django_db(transaction=True)


async def test_symbol_change_in_the_database_moves_the_quotes(world, start_engine):
    running = await start_engine()
    await wait_until(world.two_sided, what="BTC quotes")
    await save_config(symbol="ETH-USD")  # as admin would, from another process
    await wait_until(lambda: world.two_sided("ETH-USD"), timeout=8, what="ETH quotes")
    assert world.ours(SYMBOL) == []
    eth = sorted(o.price for o in world.ours("ETH-USD"))
    assert Decimal("3400") < eth[0] < eth[1] < Decimal("3600")
    assert running.engine.symbol == "ETH-USD"
    await running.stop()
    assert world.ours() == []


async def test_config_message_applies_a_new_spread(world, start_engine):
    running = await start_engine(spread_bps=Decimal("5"))
    await wait_until(world.two_sided, what="first quotes")
    old = {o.cl_ord_id for o in world.ours()}
    await save_config(spread_bps=Decimal("8"))
    await bus.send_control("default", "config", user="tester")
    await wait_until(
        lambda: world.two_sided() and not {o.cl_ord_id for o in world.ours()} & old,
        what="requote at the new spread",
    )
    bid, ask = sorted(o.price for o in world.ours())
    assert (ask - bid) / ((ask + bid) / 2) * 10000 > Decimal("15")
    places = [e["message"] for e in running.engine.events.recent() if e["kind"] == "place"]
    assert places[0].startswith("config") and places[1].startswith("config")
    assert not any(m.startswith("stale") for m in places)
    await running.stop()
