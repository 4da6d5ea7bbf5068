"""Resting orders fill when the market trades through them; positions, balance and the
trade channel follow. Margin is locked by open orders: a new order beyond the available
margin is rejected with 400 "insufficient margin" (so make-before-break can run into it)."""

from __future__ import annotations

from decimal import Decimal

from tests.trading.sim.helpers import Stream, alo


async def test_market_through_bid_fills_it_and_opens_a_long(sim, api):
    stream = await Stream.open(
        sim.ws_stream_url, api.token, channels=("order", "trade", "position", "balance")
    )
    await api.post("/api/new_order", alo("buy", "65990.00", qty="0.0100", cl_ord_id="b"))
    opened = await stream.order_status("b", "open")
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    filled = await stream.order_status("b", "filled")
    assert filled["fill_qty"] == "0.0100" and Decimal(filled["fill_avg_price"]) == Decimal("65990")
    trade = await stream.wait_for(lambda f: f.get("channel") == "trade")
    assert trade["data"]["order_id"] == opened["id"] and trade["data"]["side"] == "buy"
    position = await stream.wait_for(lambda f: f.get("channel") == "position")
    assert Decimal(position["data"]["qty"]) == Decimal("0.01")
    [pos] = await api.positions()
    assert Decimal(pos["qty"]) == Decimal("0.01") and Decimal(pos["entry_price"]) == 65990
    fee = Decimal("0.01") * Decimal("65990") * Decimal("0.0001")
    assert Decimal((await api.balance())["cross_balance"]) == Decimal("100000") - fee
    trades = (await api.get("/api/query_trades")).json()["result"]
    assert len(trades) == 1 and Decimal(trades[0]["qty"]) == Decimal("0.01")
    assert sim.exchange.stats(await _user(sim, api))["symbols"]["BTC-USD"]["fills"] == 1
    await stream.close()


async def test_ask_fill_then_short_is_signed_negative(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post("/api/new_order", alo("sell", "66010.00", cl_ord_id="a"))
    await stream.order_status("a", "open")
    sim.exchange.market.set_mid("BTC-USD", Decimal("66020.00"))
    await stream.order_status("a", "filled")
    [pos] = await api.positions()
    assert Decimal(pos["qty"]) == Decimal("-0.001")
    await stream.close()


async def test_synthetic_taker_partially_fills_an_order_at_the_touch(make_sim):
    sim = await make_sim(taker_trade_probability=1.0, step_interval=0.05)
    sim.exchange.market.freeze("BTC-USD")  # no walk: only the takers at the touch
    acct = sim.create_account()
    import httpx

    from tests.trading.sim.helpers import Api

    async with httpx.AsyncClient(base_url=sim.api_base) as http:
        api = Api(http, acct.token, acct.private_key)
        stream = await Stream.open(sim.ws_stream_url, api.token)
        # Inside the spread, so this bid is the displayed best bid.
        await api.post("/api/new_order", alo("buy", "65999.99", qty="10.0000", cl_ord_id="t"))
        await stream.order_status("t", "open")
        sim.exchange.market.unfreeze("BTC-USD")
        sim.exchange.market.set_volatility("BTC-USD", 0.0)
        partial = await stream.wait_for(
            lambda f: f.get("channel") == "order" and Decimal(f["data"]["fill_qty"]) > 0, timeout=10
        )
        assert Decimal(partial["data"]["fill_qty"]) < Decimal("10")
        await stream.close()


async def test_insufficient_margin_with_old_and_new_orders(make_sim):
    sim = await make_sim()
    acct = sim.create_account(balance="1000")
    import httpx

    from tests.trading.sim.helpers import Api

    async with httpx.AsyncClient(base_url=sim.api_base) as http:
        api = Api(http, acct.token, acct.private_key)
        # 0.1 BTC at 65900 / leverage 10 locks 659 DUSD of 1000.
        r = await api.post("/api/new_order", alo("buy", "65900.00", qty="0.1000"))
        assert r.status_code == 200
        r = await api.post("/api/new_order", alo("buy", "65910.00", qty="0.1000"))
        assert r.status_code == 400 and r.json()["message"] == "insufficient margin"
        bal = await api.balance()
        assert Decimal(bal["locked"]) == Decimal("6590") / 10


async def test_max_open_orders(make_sim):
    sim = await make_sim(max_open_orders=2)
    acct = sim.create_account()
    import httpx

    from tests.trading.sim.helpers import Api

    async with httpx.AsyncClient(base_url=sim.api_base) as http:
        api = Api(http, acct.token, acct.private_key)
        info = (await http.get("/api/query_symbol_info")).json()
        assert info[0]["max_open_orders"] == "2"
        for price in ("65900.00", "65901.00"):
            assert (await api.post("/api/new_order", alo("buy", price))).status_code == 200
        r = await api.post("/api/new_order", alo("buy", "65902.00"))
        assert r.status_code == 400 and "max open orders" in r.json()["message"]


async def _user(sim, api) -> str:
    return sim.exchange.jwt.verify(api.token).user
