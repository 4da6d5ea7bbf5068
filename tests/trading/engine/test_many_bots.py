"""Several bots on ONE exchange account, in one process, as runbot runs them: each bot
quotes with its own cl_ord_id prefix, and one bot's startup cleanup, stop, kill or shutdown
never touches another bot's orders (ground truth from the simulator)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading import bus
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)

ETH = "ETH-USD"


def ids_of(world, running) -> set[str]:
    return {o.cl_ord_id for o in world.resting(None) if running.engine.tracker.is_ours(o.cl_ord_id)}


def two_sided(world, running) -> bool:
    return {o.side for o in world.resting(None) if running.engine.tracker.is_ours(o.cl_ord_id)} == {
        Side.BUY,
        Side.SELL,
    }


async def test_bots_on_one_account_and_symbol_keep_to_their_own_orders(world, start_engine):
    first = await start_engine("default")
    await wait_until(lambda: two_sided(world, first), what="default quoting")
    before = ids_of(world, first)

    # The second bot's startup cancels "orphans with its prefix": none of default's.
    second = await start_engine("scalper", spread_bps=Decimal("8"))
    await wait_until(lambda: two_sided(world, second), what="scalper quoting")
    assert ids_of(world, first) == before
    assert first.engine.tracker.prefix != second.engine.tracker.prefix
    assert len(world.resting(SYMBOL)) == 4

    await bus.send_control("scalper", "stop", user="tester")
    await wait_until(lambda: not ids_of(world, second), what="scalper stopped")
    assert ids_of(world, first) == before and first.engine.state == "running"

    await bus.send_control("scalper", "start", user="tester")
    await wait_until(lambda: two_sided(world, second), what="scalper quoting again")
    await bus.send_control("default", "kill", user="tester")
    await wait_until(
        lambda: first.engine.state == "killed" and not ids_of(world, first), what="default killed"
    )
    assert two_sided(world, second) and second.engine.state == "running"

    await second.stop()
    await first.stop()
    assert world.ours() == []


async def test_a_bot_that_died_is_cleaned_up_without_touching_its_neighbour(world, start_engine):
    survivor = await start_engine("default")
    crashed = await start_engine("eth", symbol=ETH)
    world.exchange.market.set_mid(ETH, Decimal("3000"))
    await wait_until(
        lambda: two_sided(world, survivor) and two_sided(world, crashed),
        timeout=10,
        what="both bots quoting",
    )
    orphans = ids_of(world, crashed)
    await crashed.abandon()  # like a SIGKILL: orders left behind
    assert ids_of(world, crashed) == orphans

    kept = ids_of(world, survivor)
    restarted = await start_engine("eth", symbol=ETH)
    await wait_until(lambda: not orphans & ids_of(world, restarted), what="eth's orphans canceled")
    await wait_until(lambda: two_sided(world, restarted), what="eth quoting again")
    assert ids_of(world, survivor) == kept
    world.exchange.market.set_mid(SYMBOL, MID)  # no requote: default's orders stay put
    await restarted.stop()
    await survivor.stop()
    assert world.ours() == []
