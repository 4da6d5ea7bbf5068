"""Inventory control against the simulator: the position limit stops the side that grows the
position and keeps quoting the one that reduces it; a filled side cools down; a stop or a
kill flattens the position when configured (maker at the touch, then taker) and the
simulator's own ledger shows it flat, with no order of ours left behind."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, save_config, wait_until
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)


def sim_position(world) -> Decimal:
    """The position in the simulator's own ledger (not the bot's view of it)."""
    account = world.exchange.matching.accounts[world.user]
    position = account.positions.get(SYMBOL)
    return Decimal("0") if position is None else position.qty


async def take_position(world, side: Side, qty: str) -> None:
    """A position built by hand: an IOC through the touch without our prefix, which the
    bot never touches (the way a fill from an earlier run leaves one)."""
    rest = world.rest_client(timeout=2.0, max_retries=0)
    price = MID * (Decimal("1.01") if side is Side.BUY else Decimal("0.99"))
    try:
        await rest.new_order(SYMBOL, side, qty, price, "manual-take-1", time_in_force="ioc")
    finally:
        await rest.aclose()
    await wait_until(lambda: sim_position(world) != 0, timeout=5, what="the position to exist")


async def test_the_limit_stops_the_growing_side_and_keeps_the_reducing_side(world, start_engine):
    await take_position(world, Side.BUY, "0.003")  # 198 USD long, over a 150 USD limit
    running = await start_engine(max_notional=Decimal("150"))
    await wait_until(
        lambda: world.sides_resting() == {Side.SELL}, timeout=5, what="only the reducing ask"
    )
    await asyncio.sleep(0.5)  # many quoting passes (refresh 0.1 s): the growing bid never comes
    assert world.sides_resting() == {Side.SELL}
    assert all(o.side is Side.SELL for o in world.ours())
    await running.stop()


async def test_below_the_limit_both_sides_quote(world, start_engine):
    await take_position(world, Side.SELL, "0.001")  # 66 USD short, under 150 USD
    running = await start_engine(max_notional=Decimal("150"))
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    await running.stop()


async def test_a_filled_side_waits_out_its_cooldown(world, start_engine):
    running = await start_engine(fill_cooldown_seconds=Decimal("60"))
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    bid = next(o for o in world.resting() if o.side is Side.BUY)
    world.exchange.market.set_mid(SYMBOL, bid.price - 5)  # the market trades through our bid
    await wait_until(lambda: sim_position(world) > 0, timeout=5, what="our bid to be filled")
    world.exchange.market.set_mid(SYMBOL, MID)
    await wait_until(
        lambda: any("waits 60s" in e["message"] for e in running.engine.events.recent()),
        timeout=5,
        what="the cooldown in the event log",
    )
    await wait_until(lambda: Side.SELL in world.sides_resting(), timeout=5, what="an ask")
    await asyncio.sleep(0.5)  # many quoting passes (refresh 0.1 s): the bid stays away
    assert Side.BUY not in world.sides_resting()
    await running.stop()


async def test_stop_with_flatten_on_stop_leaves_no_position(world, start_engine):
    await take_position(world, Side.BUY, "0.002")
    running = await start_engine(flatten_on_stop="on", flatten_maker_seconds=Decimal("0.5"))
    await wait_until(lambda: bool(world.ours()), timeout=5, what="quoting")
    await running.engine.run_control.stop("stopped by test")
    assert sim_position(world) == 0
    assert world.ours() == []
    assert running.engine.bot_state.run.position == "flattened long 0.002 BTC-USD (taker)"
    assert running.engine.bot_state.run.unverified == 0
    await running.stop()


async def test_the_maker_order_at_the_touch_closes_it_when_the_market_comes(world, start_engine):
    await take_position(world, Side.SELL, "0.001")
    running = await start_engine(flatten_on_stop="on", flatten_maker_seconds=Decimal("8"))
    await wait_until(lambda: bool(world.ours()), timeout=5, what="quoting")
    stopping = asyncio.create_task(running.engine.run_control.stop("stopped by test"))
    await wait_until(
        lambda: any(o.reduce_only and o.status == "open" for o in world.ours()),
        timeout=5,
        what="the reduce-only bid at the touch",
    )
    maker = next(o for o in world.ours() if o.reduce_only)
    assert maker.side is Side.BUY and maker.time_in_force == "alo"
    world.exchange.market.set_mid(SYMBOL, maker.price - 5)  # sellers come down to it
    async with asyncio.timeout(15):
        await stopping
    assert sim_position(world) == 0 and world.ours() == []
    assert running.engine.bot_state.run.position == "flattened short 0.001 BTC-USD (maker)"
    await running.stop()


async def test_kill_with_flatten_on_kill_leaves_no_position(world, start_engine):
    await take_position(world, Side.SELL, "0.002")
    running = await start_engine(flatten_on_kill="on", flatten_maker_seconds=Decimal("0"))
    await wait_until(lambda: bool(world.ours()), timeout=5, what="quoting")
    await running.engine.run_control.kill("manual kill by test")
    assert sim_position(world) == 0
    assert world.ours() == []
    assert running.engine.bot_state.run.position == "flattened short 0.002 BTC-USD (taker)"
    await running.stop()


async def test_stop_without_flattening_keeps_the_position_and_says_so(world, start_engine):
    await take_position(world, Side.BUY, "0.002")
    running = await start_engine()
    await wait_until(lambda: bool(world.ours()), timeout=5, what="quoting")
    await running.engine.run_control.stop("stopped by test")
    assert sim_position(world) == Decimal("0.002") and world.ours() == []
    said = "position long 0.002 BTC-USD kept (flatten on stop is off)"
    assert running.engine.bot_state.run.position == said
    await running.stop()
    assert running.engine.shutdown_position is not None
    assert running.engine.shutdown_position.text == said


def our_reduce_only_orders(world) -> list:
    account = world.exchange.matching.accounts[world.user]
    return [o for o in account.orders.values() if o.reduce_only]


async def test_flatten_after_a_fill_closes_the_position_while_quoting_goes_on(world, start_engine):
    running = await start_engine(flatten_after_fill="on", flatten_maker_seconds=Decimal("0"))
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    bid = next(o for o in world.resting() if o.side is Side.BUY)
    world.exchange.market.set_mid(SYMBOL, bid.price - 5)  # the market trades through our bid
    await wait_until(lambda: bool(our_reduce_only_orders(world)), timeout=5, what="a flatten")
    await wait_until(lambda: sim_position(world) == 0, timeout=5, what="the ledger flat again")
    (taker,) = our_reduce_only_orders(world)
    assert (taker.side, taker.time_in_force, taker.status) == (Side.SELL, "ioc", "filled")
    await wait_until(world.two_sided, timeout=5, what="quoting on, both sides")
    await running.stop()
    assert world.ours() == []


async def test_flatten_after_a_fill_tries_the_touch_first(world, start_engine):
    running = await start_engine(flatten_after_fill="on", flatten_maker_seconds=Decimal("8"))
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    ask = next(o for o in world.resting() if o.side is Side.SELL)
    world.exchange.market.set_mid(SYMBOL, ask.price + 5)  # buyers lift our ask: short
    await wait_until(
        lambda: any(o.status == "open" for o in our_reduce_only_orders(world)),
        timeout=5,
        what="the reduce-only bid resting at the touch",
    )
    (maker,) = our_reduce_only_orders(world)
    assert maker.side is Side.BUY and maker.time_in_force == "alo"
    # The quoting pass leaves it alone: it is not taken for a duplicate bid.
    await asyncio.sleep(0.5)
    assert maker.status == "open"
    world.exchange.market.set_mid(SYMBOL, maker.price - 5)  # sellers come down to it
    await wait_until(lambda: sim_position(world) == 0, timeout=5, what="the ledger flat again")
    assert maker.status == "filled" and len(our_reduce_only_orders(world)) == 1
    await running.stop()
    assert world.ours() == []


async def test_a_second_stop_flattens_once_the_setting_is_on(world, start_engine):
    """Stopped with the position kept, the trader turns flattening on and stops again."""
    await take_position(world, Side.BUY, "0.001")
    running = await start_engine()
    await wait_until(lambda: bool(world.ours()), timeout=5, what="quoting")
    await running.engine.run_control.stop("stopped by test")
    assert sim_position(world) == Decimal("0.001")
    await save_config(flatten_on_stop="on", flatten_maker_seconds=Decimal("0"))
    await running.engine.config.reload("config message from test")
    await running.engine.run_control.stop("stopped again by test")
    assert sim_position(world) == 0 and world.ours() == []
    assert running.engine.bot_state.run.position == "flattened long 0.001 BTC-USD (taker)"
    await running.stop()


def reduce_only_refusals(world) -> int:
    """The simulator's count of reduce-only orders it refused (GET /sim/stats)."""
    rejections = world.exchange.stats(world.user)["requests"]["rejections"]
    return sum(n for reason, n in rejections.items() if "reduce_only" in reason)


async def test_flatten_after_a_fill_sends_no_order_the_exchange_refuses(world, start_engine):
    """The maker leg rests at the touch, times out and is cancelled; the taker leg is sent
    while that cancel is still in flight (50 ms acks, as in the market scenarios). StandX
    counts the maker order until its cancel lands, so a taker for the whole position would be
    refused ("would not reduce the position"): the taker waits for it and closes the rest."""
    world.exchange.set_faults(ack_latency_ms=50)
    running = await start_engine(flatten_after_fill="on", flatten_maker_seconds=Decimal("0.3"))
    await wait_until(world.two_sided, timeout=5, what="a bid and an ask")
    bid = next(o for o in world.resting() if o.side is Side.BUY)
    world.exchange.market.set_mid(SYMBOL, bid.price - 5)  # the market trades through our bid
    await wait_until(
        lambda: (
            any(o.time_in_force == "ioc" for o in our_reduce_only_orders(world))
            or reduce_only_refusals(world) > 0
        ),
        timeout=5,
        what="the taker leg",
    )
    assert reduce_only_refusals(world) == 0
    await wait_until(lambda: sim_position(world) == 0, timeout=5, what="the ledger flat again")
    maker, taker = sorted(our_reduce_only_orders(world), key=lambda o: o.created_at)
    assert (maker.time_in_force, maker.status) == ("alo", "canceled")
    assert (taker.time_in_force, taker.status) == ("ioc", "filled")
    assert taker.created_at >= maker.updated_at  # sent once the maker had left the book
    await running.stop()
    assert reduce_only_refusals(world) == 0
