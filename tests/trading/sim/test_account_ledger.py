"""The simulator's money: fees (maker and taker, configurable), realised PnL, balance,
equity, margin and available margin stay consistent with the fills and the mark; trades
are on the `trade` channel and in query_trades (filtered by time and side); a lost trade
frame (fault) is still in query_trades."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx

from tests.trading.sim.helpers import Api, Stream, alo, place

QTY = Decimal("0.0100")


def market(side: str, qty: Decimal = QTY) -> dict:
    body = alo(side, "0", qty=str(qty), time_in_force="ioc", order_type="market")
    del body["price"]
    return body


async def open_api(sim) -> tuple[Api, httpx.AsyncClient]:
    acct = sim.create_account()
    http = httpx.AsyncClient(base_url=sim.api_base, timeout=5.0)
    return Api(http, acct.token, acct.private_key), http


async def test_fees_pnl_balance_and_margin_follow_the_fills(make_sim):
    sim = await make_sim(maker_fee="0.0002", taker_fee="0.0005")
    api, http = await open_api(sim)
    stream = await Stream.open(sim.ws_stream_url, api.token, ("order", "trade"))
    info = (await http.get("/api/query_symbol_info", params={"symbol": "BTC-USD"})).json()
    assert (info[0]["maker_fee"], info[0]["taker_fee"]) == ("0.0002", "0.0005")
    await place(api, stream, "buy", "65990.00", "b", qty=str(QTY))
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    maker = (await stream.wait_for(lambda f: f.get("channel") == "trade"))["data"]
    maker_fee = QTY * Decimal("65990") * Decimal("0.0002")
    assert Decimal(maker["fee_qty"]) == maker_fee and Decimal(maker["pnl"]) == 0

    mark = sim.exchange.market.get("BTC-USD").mark
    [pos] = await api.positions()
    assert Decimal(pos["entry_price"]) == Decimal("65990")
    assert Decimal(pos["upnl"]) == (mark - Decimal("65990")) * QTY
    assert Decimal(pos["initial_margin"]) == QTY * mark / 10
    balance = await api.balance()
    assert Decimal(balance["balance"]) == Decimal("100000") - maker_fee
    assert Decimal(balance["equity"]) == Decimal(balance["balance"]) + Decimal(pos["upnl"])
    assert Decimal(balance["cross_available"]) == (
        Decimal(balance["balance"]) - Decimal(pos["initial_margin"]) + Decimal(pos["upnl"])
    )

    assert (await api.post("/api/new_order", market("sell"))).status_code == 200
    taker = (
        await stream.wait_for(lambda f: f.get("channel") == "trade" and f["data"]["side"] == "sell")
    )["data"]
    price = Decimal(taker["price"])  # the best bid it hit
    taker_fee = QTY * price * Decimal("0.0005")
    realised = (price - Decimal("65990")) * QTY
    assert Decimal(taker["fee_qty"]) == taker_fee and Decimal(taker["pnl"]) == realised
    assert await api.positions() == []  # flat: no row
    balance = await api.balance()
    total = Decimal("100000") + realised - maker_fee - taker_fee
    assert Decimal(balance["balance"]) == total == Decimal(balance["equity"])
    assert Decimal(balance["cross_available"]) == total and Decimal(balance["upnl"]) == 0
    await stream.close()
    await http.aclose()


async def test_query_trades_filters_by_time_and_side(sim):
    api, http = await open_api(sim)
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await place(api, stream, "buy", "65990.00", "b")
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    await stream.order_status("b", "filled")
    between = dt.datetime.now(dt.UTC).isoformat()
    await place(api, stream, "sell", "65990.00", "a")
    sim.exchange.market.set_mid("BTC-USD", Decimal("66000.00"))
    await stream.order_status("a", "filled")
    rows = (await api.get("/api/query_trades")).json()["result"]
    assert [r["side"] for r in rows] == ["sell", "buy"]  # newest first
    later = (await api.get("/api/query_trades", start=between)).json()["result"]
    assert [r["side"] for r in later] == ["sell"]
    earlier = (await api.get("/api/query_trades", end=between)).json()["result"]
    assert [r["side"] for r in earlier] == ["buy"]
    buys = (await api.get("/api/query_trades", side="buy")).json()["result"]
    assert [r["id"] for r in buys] == [rows[1]["id"]]
    bad = await api.get("/api/query_trades", start="yesterday")
    assert bad.status_code == 400 and "ISO-8601" in bad.json()["message"]
    await stream.close()
    await http.aclose()


async def test_a_lost_trade_frame_is_still_in_query_trades(sim):
    api, http = await open_api(sim)
    stream = await Stream.open(sim.ws_stream_url, api.token, ("order", "trade", "balance"))
    sim.exchange.set_faults(lost_user_channels=("trade",))
    await place(api, stream, "buy", "65990.00", "b")
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    await stream.order_status("b", "filled")
    seen = []  # up to the balance frame, which is sent after the trade's
    await stream.wait_for(lambda f: seen.append(f["channel"]) or f["channel"] == "balance")
    assert "trade" not in seen
    rows = (await api.get("/api/query_trades")).json()["result"]
    assert len(rows) == 1 and sim.exchange.faults.injected["lost_trade"] == 1
    bad = await http.post("/sim/faults", json={"lost_user_channels": ["order"]})
    assert bad.status_code == 400
    await stream.close()
    await http.aclose()
