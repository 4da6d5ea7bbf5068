"""The simulator as exact as the exchange: ids never repeat across a restart (a bot keeps
fills by trade id), each position has its own id, account figures come in the symbol's and
the quote asset's decimals, and /sim/stats counts every rejection its request log shows."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import httpx

from tests.trading.sim.helpers import Api, alo
from tests.trading.sim.test_order_response_session import WAIT, crossing_price, linked
from tests.trading.sim.test_traffic_log import lines
from trading.core.domain import Side
from trading.sim.exchange import SimAccount
from trading.sim.faults import FaultConfig
from trading.sim.requests import reason_key
from trading.sim.runner import SimServer
from trading.standx.order_session import OrderResult

MID = Decimal("66000.00")


async def filled_once(sim: SimServer, api: Api) -> dict:
    """One buy of ours filled by the mid trading through it: the simulator's trade."""
    sim.exchange.market.freeze(None)
    sim.exchange.market.set_mid("BTC-USD", MID)
    assert (await api.post("/api/new_order", alo("buy", "65990.00"))).status_code == 200
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    r = await api.get("/api/query_trades", symbol="BTC-USD")
    [trade] = r.json()["result"]
    return trade


async def fill_on(sim: SimServer, acct: SimAccount) -> tuple[dict, dict]:
    """The trade and the position of one fill on the account."""
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=WAIT) as http:
        api = Api(http, acct.token, acct.private_key)
        trade = await filled_once(sim, api)
        [position] = await api.positions()
    return trade, position


async def test_trade_order_and_position_ids_never_repeat_across_a_restart(make_sim):
    first = await make_sim()
    before, before_position = await fill_on(first, first.create_account())
    await first.stop()
    second = await make_sim()  # the same seed, as runbot's bundled simulator every start
    after, after_position = await fill_on(second, second.create_account())
    assert after["id"] > before["id"]
    assert after["order_id"] > before["order_id"]
    assert after_position["id"] > before_position["id"]


async def test_each_accounts_position_has_its_own_id(sim):
    accounts = [sim.create_account() for _ in range(3)]  # all opened before any trades
    ids = [(await fill_on(sim, acct))[1]["id"] for acct in accounts]
    assert len(set(ids)) == 3, ids


async def test_positions_and_balance_are_in_the_symbols_decimals(sim, api):
    sim.exchange.market.freeze(None)
    for price in ("65990.00", "65980.00", "65970.01"):  # entry 65980.0033333...
        sim.exchange.market.set_mid("BTC-USD", MID)
        assert (await api.post("/api/new_order", alo("buy", price, "0.0010"))).status_code == 200
        sim.exchange.market.set_mid("BTC-USD", Decimal(price) - 5)
    sim.exchange.market.set_mark("BTC-USD", Decimal("65981.37"))
    [position] = await api.positions()
    assert position["entry_price"] == "65980.00"  # 65980.003333... to the 0.01 tick
    assert position["qty"] == "0.0030" and position["mark_price"] == "65981.37"
    money = ("entry_value", "position_value", "upnl", "realized_pnl", "initial_margin")
    assert all(len(position[k].partition(".")[2]) == 9 for k in money), position
    exact = sim.exchange.matching.accounts[api_user(sim, api)].positions["BTC-USD"]
    assert Decimal(position["upnl"]) == round(
        (Decimal("65981.37") - exact.entry_price) * exact.qty, 9
    )
    balance = await api.balance()
    assert all(len(v.partition(".")[2]) in (0, 9) for v in balance.values()), balance
    assert balance["equity"] == "{:.9f}".format(
        Decimal(balance["balance"]) + Decimal(balance["upnl"])
    )


def api_user(sim: SimServer, api: Api) -> str:
    claims = sim.exchange.jwt.verify(api.token)
    return claims.user


async def test_stats_count_every_rejection_the_request_log_shows(make_sim, tmp_path):
    """A post-only order that would cross, cancelled before its ack: the cancel is accepted
    (the order is still pending), then refused on the session once the order is rejected.
    Both refusals are in the log and in /sim/stats."""
    path = tmp_path / "traffic.jsonl"
    sim = await make_sim(FaultConfig(ack_latency_ms=100), log_requests=str(path))
    async with linked(sim) as (rest, handler, acct):
        await handler.wait_for(lambda e: getattr(e, "state", None) == "connected")
        price = await crossing_price(rest)
        await rest.new_order("BTC-USD", Side.BUY, Decimal("0.0010"), price, "cross-then-cancel")
        await rest.cancel_order(cl_ord_id="cross-then-cancel")
        answers = await handler.wait_for(_refused, count=2)
        await asyncio.sleep(0)  # the log line is written before the answer leaves
    assert sorted(a.message for a in answers) == [
        "alo order rejected",
        "order is not open (status rejected)",
    ]
    shown = Counter(
        reason_key(line["status"], line["reason"])
        for line in lines(path)
        if line.get("reason") and line["account"] == acct.user
    )
    counted = sim.exchange.stats(acct.user)["requests"]["rejections"]
    assert (
        counted
        == dict(shown)
        == {"400 alo order rejected": 1, "400 order is not open (status rejected)": 1}
    )


def _refused(event) -> bool:
    return isinstance(event, OrderResult) and not event.ok


async def test_a_batch_cancel_skipping_a_gone_order_is_no_rejection(make_sim):
    sim = await make_sim(FaultConfig(ack_latency_ms=100))
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=WAIT) as http:
        await cancel_in_a_batch_before_its_reject(sim, Api(http, acct.token, acct.private_key))
    assert sim.exchange.stats(acct.user)["requests"]["rejections"] == {"400 alo order rejected": 1}


async def cancel_in_a_batch_before_its_reject(sim: SimServer, api: Api) -> None:
    best_ask = sim.exchange.market.best("BTC-USD", Side.SELL)
    crossing = alo("buy", str(best_ask), cl_ord_id="batch-gone")
    assert (await api.post("/api/new_order", crossing)).status_code == 200
    assert (await api.post("/api/cancel_orders", {"cl_ord_id_list": ["batch-gone"]})).is_success
    async with asyncio.timeout(WAIT):
        while sim.exchange.scheduler.pending():
            await asyncio.sleep(0.02)
