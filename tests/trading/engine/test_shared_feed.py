"""Bots of one account share ONE exchange connection (StandX allows 10 per IP): both quote
over it, a symbol switch of one adds its symbol on the live connection while the other
keeps its quotes, and a connection drop reaches both as a feed status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import SYMBOL, save_config, wait_until
from trading import bus
from trading.core.domain import Side
from trading.engine.feeds import SharedFeed

pytestmark = pytest.mark.django_db(transaction=True)

ETH = "ETH-USD"


def stream_connections(world) -> list:
    return [c for c in world.exchange.hub.connections if c.kind == "stream"]


def resting_ids(world, running, symbol=None) -> set[str]:
    return {
        o.cl_ord_id for o in world.resting(symbol) if running.engine.tracker.is_ours(o.cl_ord_id)
    }


def two_sided(world, running, symbol=SYMBOL) -> bool:
    return {
        o.side for o in world.resting(symbol) if running.engine.tracker.is_ours(o.cl_ord_id)
    } == {Side.BUY, Side.SELL}


@pytest.fixture
def shared_engines(world, start_engine):
    feed = SharedFeed(world.sim.ws_stream_url, world.token, "account default", stale_after=0.6)

    async def start(bot: str, **config):
        return await start_engine(bot, feed=feed, **config)

    return feed, start


async def test_two_bots_quote_over_one_connection(world, shared_engines):
    feed, start = shared_engines
    first, second = await start("default"), await start("scalper", spread_bps=Decimal("8"))
    await wait_until(
        lambda: two_sided(world, first) and two_sided(world, second),
        timeout=10,
        what="both bots quoting",
    )
    assert len(stream_connections(world)) == 1
    assert feed.bots == ["default", "scalper"]

    await second.stop()
    assert two_sided(world, first) and feed.bots == ["default"]
    await first.stop()
    await wait_until(
        lambda: not stream_connections(world), what="the connection closed with its last bot"
    )
    assert world.ours() == []


async def test_a_symbol_switch_adds_the_symbol_without_darkening_the_neighbour(
    world, shared_engines
):
    feed, start = shared_engines
    world.exchange.market.set_mid(ETH, Decimal("3000"))
    steady, mover = await start("default"), await start("mover")
    await wait_until(
        lambda: two_sided(world, steady) and two_sided(world, mover),
        timeout=10,
        what="both bots quoting",
    )
    kept = resting_ids(world, steady)
    connection = stream_connections(world)[0]

    await save_config("mover", symbol=ETH)
    await bus.send_control("mover", "config", user="tester")
    await wait_until(lambda: two_sided(world, mover, ETH), timeout=10, what="mover quoting ETH")
    assert resting_ids(world, steady) == kept  # never pulled, never requoted
    assert stream_connections(world) == [connection]  # no reconnect for the switch
    assert ("depth_book", ETH) in connection.subs
    await mover.stop()
    await steady.stop()
    assert world.ours() == []


async def test_a_dropped_connection_pulls_every_bot_and_both_come_back(world, shared_engines):
    feed, start = shared_engines
    first, second = await start("default"), await start("other")
    await wait_until(
        lambda: two_sided(world, first) and two_sided(world, second),
        timeout=10,
        what="both bots quoting",
    )
    world.exchange.hub.close_all(1011, "test drop")
    await wait_until(
        lambda: (
            first.engine.market.market_feed != "connected"
            or any(
                e["kind"] == "feed" and "disconnected" in e["message"]
                for e in first.engine.events.recent()
            )
        ),
        what="drop seen",
    )
    await wait_until(
        lambda: two_sided(world, first) and two_sided(world, second),
        timeout=15,
        what="both quoting again after the reconnect",
    )
    for running in (first, second):
        assert any(
            "market feed disconnected" in e["message"] for e in running.engine.events.recent()
        )
    await second.stop()
    await first.stop()
