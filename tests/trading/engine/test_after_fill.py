"""No crossing replacement after a fill (issue 21). The market trades through our bid: the
`order` channel says "filled" before the next depth_book shows where the market went, and a
replacement priced from the book before the fill crosses the new ask (the exchange rejects
it as "alo order rejected", and the cancel that follows is refused too). The replacement
waits for a book received after the fill, judged from the simulator's own count of rejected
requests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import SYMBOL, wait_until
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)


def rejections(world) -> dict[str, int]:
    return world.exchange.stats(world.user)["requests"]["rejections"]


async def test_a_fill_is_followed_by_a_replacement_priced_after_it(world, start_engine):
    world.exchange.set_faults(ack_latency_ms=50)  # the scenarios' acks
    running = await start_engine()
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    filled = []
    for _ in range(3):  # the market falls through our bid three times
        bid = next(o for o in world.resting() if o.side is Side.BUY)
        world.exchange.market.set_mid(SYMBOL, bid.price - Decimal("5"))
        await wait_until(lambda b=bid: b.status == "filled", timeout=5, what="our bid filled")
        filled.append(bid)
        await wait_until(
            lambda b=bid: any(o.side is Side.BUY and o.price < b.price for o in world.resting()),
            timeout=5,
            what="a new bid below the fill",
        )
    await running.stop()
    assert len(filled) == 3
    assert rejections(world) == {}, rejections(world)
