"""The engine rests a bid and an ask within a few seconds of start, inside the band."""

from __future__ import annotations

import pytest

from tests.trading.engine.conftest import MID, wait_until
from trading.core.domain import BPS, Side

pytestmark = pytest.mark.django_db(transaction=True)


async def test_quotes_both_sides_within_seconds(world, start_engine):
    running = await start_engine()
    await wait_until(world.two_sided, timeout=5, what="a resting bid and ask")
    bid = next(o for o in world.resting() if o.side is Side.BUY)
    ask = next(o for o in world.resting() if o.side is Side.SELL)
    assert bid.price < MID < ask.price
    assert abs(bid.price - MID) / MID * BPS <= 10 and abs(ask.price - MID) / MID * BPS <= 10
    await wait_until(
        lambda: world.truth()["in_band_seconds"] > 0.3,
        timeout=5,
        what="in-band time in ground truth",
    )
    await running.stop()
    assert world.ours() == []
