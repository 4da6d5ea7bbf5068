"""Fills, position and money against the simulator's own ledger: every trade of ours is
recorded once with the exchange's price, size, fee and realised PnL (maker/taker from the
fee), the markout 5 s later, persisted by trade id; the position, balance, equity and
available margin are the simulator's; a trade lost while the account stream was down is
backfilled from query_trades after the reconnect, and one seen twice is counted once."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from tests.trading.engine.conftest import FAST_OPTIONS, MID, SYMBOL, wait_until
from trading import bus
from trading.core.domain import Side
from trading.core.orders import bot_prefix
from trading.core.pnl import markout_bps
from trading.models import BotFill, OrderEvent, PnlHour
from trading.sim.serialize import balance_json

pytestmark = pytest.mark.django_db(transaction=True)

OPTIONS = dataclasses.replace(FAST_OPTIONS, account_refresh_every=0.5)


def sim_trades(world) -> list[dict]:
    return world.exchange.matching.accounts[world.user].trades


def sim_fees_and_pnl(world) -> tuple[Decimal, Decimal]:
    trades = sim_trades(world)
    return sum((t["fee_qty"] for t in trades), Decimal(0)), sum(
        (t["pnl"] for t in trades), Decimal(0)
    )


def our_price(world, side: Side) -> Decimal:
    prices = [o.price for o in world.ours(SYMBOL) if o.side is side and o.status == "open"]
    return max(prices) if side is Side.BUY else min(prices)  # the one nearest the mid


async def fill_side(world, side: Side, through: Decimal) -> None:
    """Move the mid through our resting order on `side` so the simulator fills it."""
    count = len(sim_trades(world))
    price = our_price(world, side)
    world.exchange.market.set_mid(SYMBOL, price - through if side is Side.BUY else price + through)
    await wait_until(lambda: len(sim_trades(world)) > count, what=f"our {side.value} filled")


@sync_to_async
def stored_fills(bot: str = "default") -> list[BotFill]:
    return list(BotFill.objects.filter(bot=bot).order_by("trade_id"))


@sync_to_async
def stored_hour_fees(bot: str = "default") -> Decimal:
    return sum((h.fees for h in PnlHour.objects.filter(bot=bot)), Decimal(0))


@sync_to_async
def fill_events(bot: str = "default") -> list[str]:
    rows = OrderEvent.objects.filter(bot=bot, kind="fill", message__startswith="trade ")
    return list(rows.values_list("message", flat=True))  # the order's own "filled" aside


def ledger_matches_sim(engine, world) -> bool:
    ids = {t["id"] for t in sim_trades(world)}
    return ids == {f.trade_id for f in engine.ledger.recent} and len(ids) > 0


async def test_fills_position_and_money_match_the_simulator(world, start_engine):
    bus.forget_snapshot("default")
    running = await start_engine(options=OPTIONS)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    await fill_side(world, Side.BUY, Decimal("5"))
    await wait_until(world.two_sided, what="quoting again after the bid fill")
    await fill_side(world, Side.SELL, Decimal("200"))  # through the ask: now short or flat
    world.exchange.market.set_mid(SYMBOL, MID)
    await wait_until(lambda: ledger_matches_sim(engine, world), what="every trade recorded")

    by_id = {f.trade_id: f for f in engine.ledger.recent}
    for trade in sim_trades(world):
        mine = by_id[trade["id"]]
        assert (mine.side.value, mine.price, mine.qty) == (
            trade["side"],
            trade["price"],
            trade["qty"],
        )
        assert (mine.fee, mine.realized_pnl) == (trade["fee_qty"], trade["pnl"])
        assert mine.liquidity == "maker" and mine.fee == trade["value"] * Decimal("0.0001")
        assert mine.cl_ord_id.startswith("mmbot-")
    fees, pnl = sim_fees_and_pnl(world)
    hour = engine.ledger.hour_of(engine.clock())
    assert (hour.fills, hour.fees, hour.realized_pnl) == (len(sim_trades(world)), fees, pnl)

    # Stopped, so no order locks margin while the balance is compared.
    await bus.send_control("default", "stop", user="tester")
    await wait_until(lambda: engine.state == "stopped" and world.ours() == [], what="stop")
    account = world.exchange.matching.accounts[world.user]
    marks = world.exchange.matching.marks()
    truth = balance_json(account, marks)
    await wait_until(
        lambda: (
            (snap := bus.latest_snapshot("default")) is not None
            and Decimal((snap["account"]["balance"] or {}).get("available") or "NaN")
            == Decimal(truth["cross_available"])
            and snap["fills"]["this_hour"] == len(sim_trades(world))
        ),
        what="the snapshot shows the simulator's balance",
    )
    snap = bus.latest_snapshot("default")
    # Compared as numbers: the exchange writes DUSD to 9 places, the snapshot the one way.
    assert {k: Decimal(v) for k, v in snap["account"]["balance"].items()} == {
        "balance": Decimal(truth["balance"]),
        "available": Decimal(truth["cross_available"]),
        "equity": Decimal(truth["equity"]),
        "upnl": Decimal(truth["upnl"]),
    }
    assert Decimal(snap["fills"]["fees_this_hour"]) == fees
    assert Decimal(snap["fills"]["realized_pnl_this_hour"]) == pnl
    position = account.positions[SYMBOL]
    rows = {r["symbol"]: r for r in snap["account"]["positions"]}
    if position.qty:
        row = rows[SYMBOL]
        assert Decimal(row["qty"]) == position.qty
        assert Decimal(row["entry_price"]) == position.entry_price
        assert Decimal(row["mark_price"]) == marks[SYMBOL]
        assert Decimal(row["upnl"]) == (marks[SYMBOL] - position.entry_price) * position.qty
        assert Decimal(row["margin"]) == account.margin_of(position, marks[SYMBOL])
    else:
        assert SYMBOL not in rows

    # The markout: the mark 5 s after each fill, signed our way.
    await wait_until(
        lambda: all(f.markout_bps is not None for f in engine.ledger.recent),
        timeout=10,
        what="markouts 5 s after the fills",
    )
    for fill in engine.ledger.recent:
        assert fill.markout_bps == markout_bps(fill.side, fill.price, marks[SYMBOL])
    await running.stop()
    stored = await stored_fills()
    assert [f.trade_id for f in stored] == sorted(t["id"] for t in sim_trades(world))
    assert all(f.markout_bps is not None for f in stored)
    assert await stored_hour_fees() == fees


async def test_a_trade_missed_while_the_stream_was_down_is_backfilled_once(world, start_engine):
    running = await start_engine(options=OPTIONS)
    engine = running.engine
    await wait_until(world.two_sided, what="first quotes")
    await fill_side(world, Side.BUY, Decimal("5"))  # seen on the stream
    await wait_until(lambda: ledger_matches_sim(engine, world), what="the first fill")
    await wait_until(world.two_sided, what="quoting again")

    world.exchange.set_faults(lost_user_channels=("trade",))
    await fill_side(world, Side.SELL, Decimal("5"))  # its trade frame is lost
    await asyncio.sleep(0.5)  # the order and balance frames after it have arrived
    assert len(engine.ledger.recent) == 1 and len(sim_trades(world)) == 2
    world.exchange.set_faults(lost_user_channels=())
    world.exchange.hub.close_all(1001, "test: connection dropped")
    await wait_until(lambda: ledger_matches_sim(engine, world), what="the lost fill backfilled")

    # Another reconnect: query_trades lists both again; neither is counted twice.
    world.exchange.hub.close_all(1001, "test: dropped again")
    await wait_until(lambda: engine.market.account_feed == "disconnected", what="the drop")
    await wait_until(lambda: engine.market.account_feed == "connected", what="the reconnect")
    await asyncio.sleep(0.5)  # the backfill after it has run
    hour = engine.ledger.hour_of(engine.clock())
    assert hour.fills == len(engine.ledger.recent) == len(sim_trades(world)) == 2
    assert hour.fees == sim_fees_and_pnl(world)[0]
    await running.stop()
    assert len(await stored_fills()) == 2
    assert len(await fill_events()) == 2

    # A restart: the stored fills are the floor; nothing is taken again.
    running = await start_engine(options=OPTIONS)
    await wait_until(lambda: running.engine.market.account_feed == "connected", what="connect")
    await asyncio.sleep(0.5)
    assert running.engine.ledger.hour_of(running.engine.clock()).fills == 2
    assert len(running.engine.ledger.recent) == 2
    await running.stop()
    assert len(await stored_fills()) == 2


async def test_a_fill_made_before_the_start_is_attributed_by_its_order(world, start_engine):
    """Our order (our prefix) filled while no engine ran, and a hand-placed order filled
    too: after the start the backfill asks query_order whose each trade is; ours is kept,
    the other only audited."""
    rest = world.rest_client(timeout=2.0, max_retries=0)
    ours = bot_prefix("mmbot-", "default") + "earlier-1"
    await rest.new_order(SYMBOL, Side.BUY, Decimal("0.0010"), Decimal("65990.00"), ours)
    await rest.new_order(SYMBOL, Side.BUY, Decimal("0.0020"), Decimal("65990.00"), "by-hand-1")
    await wait_until(lambda: len(world.resting(SYMBOL)) == 2, what="both orders resting")
    world.exchange.market.set_mid(SYMBOL, Decimal("65980.00"))
    await wait_until(lambda: len(sim_trades(world)) == 2, what="both filled")
    await rest.aclose()
    world.exchange.market.set_mid(SYMBOL, MID)

    running = await start_engine(options=OPTIONS)
    engine = running.engine
    await wait_until(lambda: len(engine.ledger.recent) == 1, what="our earlier fill taken")
    [mine] = engine.ledger.recent
    [trade] = [t for t in sim_trades(world) if t["qty"] == Decimal("0.0010")]
    assert (mine.trade_id, mine.cl_ord_id, mine.fee) == (trade["id"], ours, trade["fee_qty"])
    await wait_until(
        lambda: any("not one of ours" in e["message"] for e in engine.events.recent()),
        what="the hand-placed trade audited",
    )
    await asyncio.sleep(0.5)
    assert len(engine.ledger.recent) == 1
    await running.stop()
    assert [f.trade_id for f in await stored_fills()] == [trade["id"]]
