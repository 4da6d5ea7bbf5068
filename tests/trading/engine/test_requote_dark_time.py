"""make_before_break keeps both sides resting through a requote (zero dark time in the
simulator's ground truth); cancel_first, the original lifecycle, goes dark for a moment."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


async def dark_seconds_of_one_requote(world, start_engine, mode: str) -> float:
    world.exchange.set_faults(ack_latency_ms=20.0)
    running = await start_engine(requote_mode=mode, requote_threshold_bps=Decimal("3"))
    await wait_until(world.two_sided, what="first quotes")
    await wait_until(lambda: len(world.ours()) == 2, what="settled")
    before_ids = {o.cl_ord_id for o in world.ours()}
    before = world.truth()
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(lambda: world.two_sided() and len(world.ours()) == 2
                     and not {o.cl_ord_id for o in world.ours()} & before_ids,
                     what="requote complete")
    after = world.truth()
    await running.stop()
    observed = after["observed_seconds"] - before["observed_seconds"]
    two_sided = after["two_sided_seconds"] - before["two_sided_seconds"]
    assert observed > 0
    return observed - two_sided


async def test_make_before_break_leaves_no_dark_time(world, start_engine):
    dark = await dark_seconds_of_one_requote(world, start_engine, "make_before_break")
    assert dark == pytest.approx(0.0, abs=1e-6)


async def test_cancel_first_leaves_some_dark_time(world, start_engine):
    dark = await dark_seconds_of_one_requote(world, start_engine, "cancel_first")
    assert dark > 0.02      # at least the cancel ack plus the new order's ack
