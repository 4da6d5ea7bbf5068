"""A stalled market feed pulls our quotes; they come back when the feed is fresh again."""

from __future__ import annotations

import pytest

from tests.trading.engine.conftest import SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


async def test_feed_stall_pulls_quotes_and_they_return(world, start_engine):
    running = await start_engine()
    await wait_until(world.two_sided, what="first quotes")
    world.exchange.set_faults(stalled_symbols=(SYMBOL,))
    await wait_until(lambda: world.ours() == [], timeout=5, what="quotes pulled")
    assert running.engine.state == "running"  # pulled, not stopped
    world.exchange.set_faults(stalled_symbols=())
    await wait_until(world.two_sided, timeout=5, what="quotes back")
    await running.stop()
    assert world.ours() == []
