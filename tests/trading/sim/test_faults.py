"""Each injected fault produces what a client should see: 500, 429, a hang until the client
times out, a dropped WebSocket, a silent market feed, ALO rejects, ack latency; the faults
JSON is validated."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from tests.trading.sim.helpers import Stream, alo
from trading.sim.faults import FaultConfig


async def test_5xx_share_one_gives_500_and_no_state_change(sim, api, http):
    r = await http.post("/sim/faults", json={"http_5xx_share": 1.0})
    assert r.status_code == 200 and r.json()["http_5xx_share"] == 1.0
    r = await api.post("/api/new_order", alo("buy", "65900.00"))
    assert r.status_code == 500 and r.json()["code"] == 500
    assert (
        await http.get("/api/query_symbol_price", params={"symbol": "BTC-USD"})
    ).status_code == 500
    sim.exchange.set_faults(http_5xx_share=0.0)
    assert await api.open_orders() == []


async def test_429_burst_hits_the_next_n_requests(sim, http):
    await http.post("/sim/faults", json={"burst_429": 2})
    codes = [(await http.get("/api/query_symbol_info")).status_code for _ in range(3)]
    assert codes == [429, 429, 200]


async def test_hang_makes_the_client_time_out(sim, http):
    sim.exchange.set_faults(hang_share=1.0, hang_max_s=30.0)
    with pytest.raises(httpx.ReadTimeout):
        await http.get("/api/query_symbol_info", timeout=0.5)


async def test_hang_is_bounded_server_side(sim, http):
    sim.exchange.set_faults(hang_share=1.0, hang_max_s=0.2)
    r = await http.get("/api/query_symbol_info", timeout=5.0)
    assert r.status_code == 504


async def test_ws_drop_closes_connections(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    sim.exchange.set_faults(ws_drop_every_s=0.2)
    with pytest.raises(websockets.ConnectionClosed) as info:
        await stream.wait_for(lambda f: False, timeout=5.0)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1011


async def test_stalled_feed_sends_no_depth_frames(make_sim):
    sim = await make_sim(
        push_interval=0.05, faults=FaultConfig(ack_latency_ms=0, stalled_symbols=("BTC-USD",))
    )
    stream = await Stream.open(sim.ws_stream_url)
    for channel in ("depth_book", "price"):
        for symbol in ("BTC-USD", "ETH-USD"):
            await stream.send({"subscribe": {"channel": channel, "symbol": symbol}})
    symbols = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 1.0
    while loop.time() < deadline:
        try:
            frame = await stream.recv(timeout=max(0.01, deadline - loop.time()))
        except TimeoutError:
            break
        symbols.add(frame.get("symbol"))
    assert symbols == {"ETH-USD"}
    sim.exchange.set_faults(stalled_symbols=())
    frame = await stream.wait_for(lambda f: f.get("symbol") == "BTC-USD")
    assert frame["channel"] in ("depth_book", "price")
    await stream.close()


async def test_alo_reject_share_rejects_non_crossing_orders(sim, api):
    sim.exchange.set_faults(alo_reject_share=1.0)
    stream = await Stream.open(sim.ws_stream_url, api.token)
    assert (
        await api.post("/api/new_order", alo("buy", "65000.00", cl_ord_id="r"))
    ).status_code == 200
    await stream.order_status("r", "rejected")
    await stream.close()


async def test_ack_latency_delays_the_order_channel(make_sim):
    sim = await make_sim(faults=FaultConfig(ack_latency_ms=300))
    acct = sim.create_account()
    from tests.trading.sim.helpers import Api

    async with httpx.AsyncClient(base_url=sim.api_base) as http:
        api = Api(http, acct.token, acct.private_key)
        stream = await Stream.open(sim.ws_stream_url, acct.token)
        await api.post("/api/new_order", alo("buy", "65000.00", cl_ord_id="slow"))
        assert await api.open_orders() == []  # acknowledged, not yet resting
        await stream.order_status("slow", "open")
        assert len(await api.open_orders()) == 1
        await stream.close()


@pytest.mark.parametrize(
    "body, message",
    [
        ({"http_5xx_share": 1.5}, "between 0 and 1"),
        ({"hang_share": "0.5"}, "must be a number"),
        ({"ack_latency_ms": -1}, ">= 0"),
        ({"burst_429": -2}, "non-negative integer"),
        ({"stalled_symbols": ["DOGE-USD"]}, "known symbols"),
        ({"bogus": 1}, "unknown fault fields"),
        ([1], "JSON object"),
    ],
)
async def test_faults_json_is_validated(sim, http, body, message):
    before = (await http.get("/sim/faults")).json()
    r = await http.post("/sim/faults", json=body)
    assert r.status_code == 400 and message in r.json()["message"]
    assert (await http.get("/sim/faults")).json() == before


async def test_market_script_over_http(sim, http):
    r = await http.post(
        "/sim/market",
        json={"symbol": "ETH-USD", "mid": "3400.0", "frozen": True, "volatility_bps": 2},
    )
    assert r.status_code == 200 and r.json()["mid"] == "3400.0" and r.json()["frozen"]
    price = (await http.get("/api/query_symbol_price", params={"symbol": "ETH-USD"})).json()
    assert price["mid_price"] == "3400.0" and price["mark_price"] == "3400.0"
    r = await http.post("/sim/market", json={"symbol": "ETH-USD", "mid": "-1"})
    assert r.status_code == 400
