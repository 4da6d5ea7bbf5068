"""Drift, staleness and proximity each replace the resting quotes (ground truth: the orders
resting on the simulator change), with the trigger named in the engine's audit record."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)


def resting_ids(world, side: Side | None = None) -> set[str]:
    return {o.cl_ord_id for o in world.resting() if side is None or o.side is side}


def place_reasons(running) -> list[str]:
    return [e["message"] for e in running.engine.events.recent() if e["kind"] == "place"]


async def test_drift_beyond_threshold_requotes_both_sides(world, start_engine):
    running = await start_engine(requote_threshold_bps=Decimal("3"))
    await wait_until(world.two_sided, what="first quotes")
    before = resting_ids(world)
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))  # +4 bps
    await wait_until(
        lambda: world.two_sided() and not resting_ids(world) & before, what="both sides replaced"
    )
    new_bid = next(o for o in world.resting() if o.side is Side.BUY)
    assert new_bid.price > MID * Decimal("0.9995")  # re-centred on the new mid
    assert any(r.startswith("drift") for r in place_reasons(running))
    assert (
        running.engine.uptime.meter.hours()
        and sum(h.requotes for h in running.engine.uptime.meter.hours().values()) >= 2
    )
    assert world.truth()["fills"] == 0


async def test_stale_orders_are_kept_at_the_same_price_and_replaced_once_it_moves(
    world, start_engine
):
    """An identical replacement would only lose queue position and count as a flicker:
    a stale order is replaced when the quote has somewhere else to go."""
    running = await start_engine(stale_order_seconds=Decimal("1"))
    await wait_until(world.two_sided, what="first quotes")
    before = resting_ids(world)
    await asyncio.sleep(2.0)  # older than STALE_ORDER_SECONDS, same market
    assert resting_ids(world) == before
    world.exchange.market.set_mid(SYMBOL, MID + Decimal("5"))  # 0.8 bps: no drift (3)
    await wait_until(
        lambda: world.two_sided() and not resting_ids(world) & before,
        timeout=6,
        what="stale orders replaced",
    )
    assert any(r.startswith("stale") for r in place_reasons(running))


async def test_order_near_the_opposite_touch_is_requoted(world, start_engine):
    running = await start_engine(
        requote_threshold_bps=Decimal("100"), proximity_guard_bps=Decimal("1")
    )
    await wait_until(world.two_sided, what="first quotes")
    ask = next(o for o in world.resting() if o.side is Side.SELL)
    bid_id = next(iter(resting_ids(world, Side.BUY)))
    # Best bid (mid - 2 ticks) comes within 1 bp of our ask without crossing it.
    world.exchange.market.set_mid(SYMBOL, ask.price - Decimal("3"))
    await wait_until(
        lambda: ask.cl_ord_id not in resting_ids(world) and Side.SELL in world.sides_resting(),
        what="ask replaced",
    )
    assert any(r.startswith("proximity") for r in place_reasons(running))
    assert next(o for o in world.resting() if o.side is Side.SELL).price > ask.price
    assert world.truth()["fills"] == 0
    assert bid_id in resting_ids(world) or any(  # the bid only moves if it drifted
        r.startswith(("drift", "proximity")) for r in place_reasons(running)
    )
