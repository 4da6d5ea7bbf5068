"""make_before_break keeps both sides resting through a requote (zero dark time in the
simulator's ground truth, per side and exact); cancel_first, the original lifecycle, goes
dark for a moment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def dark_seconds(before: dict, after: dict) -> tuple[float, float]:
    """Seconds each side (bid, ask) had no order of ours resting between two truths."""
    return tuple(after[key] - before[key] for key in ("bid_dark_seconds", "ask_dark_seconds"))


async def settle(world, start_engine, mode: str):
    world.exchange.set_faults(ack_latency_ms=20.0)
    running = await start_engine(requote_mode=mode, requote_threshold_bps=Decimal("3"))
    await wait_until(world.two_sided, what="first quotes")
    await wait_until(lambda: len(world.ours()) == 2, what="settled")
    return running, {o.cl_ord_id for o in world.ours()}


async def dark_seconds_of_one_requote(world, start_engine, mode: str) -> tuple[float, float]:
    running, before_ids = await settle(world, start_engine, mode)
    before = world.truth()
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(
        lambda: (
            world.two_sided()
            and len(world.ours()) == 2
            and not {o.cl_ord_id for o in world.ours()} & before_ids
        ),
        what="requote complete",
    )
    after = world.truth()
    await running.stop()
    return dark_seconds(before, after)


async def test_make_before_break_leaves_no_dark_time(world, start_engine):
    dark = await dark_seconds_of_one_requote(world, start_engine, "make_before_break")
    assert dark == (0.0, 0.0)


async def test_cancel_first_leaves_some_dark_time(world, start_engine):
    bid_dark, ask_dark = await dark_seconds_of_one_requote(world, start_engine, "cancel_first")
    # at least the cancel ack plus the new order's ack, on each side
    assert bid_dark > 0.02 and ask_dark > 0.02


async def test_make_before_break_keeps_the_old_order_while_its_replacement_fails(
    world, start_engine
):
    """The old order may go only once its replacement rests: when every replacement is
    rejected (post-only), the old orders must keep both sides lit. An engine that cancels the
    old order in the same batch as it places the replacement leaves the sides dark here,
    although its requotes look dark-free when every replacement rests (the simulator applies
    requests in the order they were sent, so the new order rests before the cancel lands)."""
    running, before_ids = await settle(world, start_engine, "make_before_break")
    before = world.truth()
    world.exchange.set_faults(alo_reject_share=1.0)
    injected = world.exchange.faults.injected
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    # Two rounds of rejected replacements per side: the second round is sent after the
    # engine saw the first rejected, so any cancel sent with the first round has landed.
    await wait_until(lambda: injected["alo_reject"] >= 4, what="replacements rejected")
    after = world.truth()
    still_resting = {o.cl_ord_id for o in world.ours() if o.status == "open"}
    await running.stop()
    assert dark_seconds(before, after) == (0.0, 0.0)
    assert still_resting == before_ids
