"""Conformance: every documented endpoint the simulator serves, asked once well-formed and
once malformed over loopback, answers in the documented shape (docs/standx-protocol.md):
success bodies carry the §3 fields, every error is exactly {"code", "message"} with the
HTTP status equal to the code (§6), unknown paths and wrong methods included."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest
import websockets
from eth_account import Account as EthAccount

from tests.trading.sim.helpers import RECV_TIMEOUT, Stream, alo
from tests.trading.sim.test_wallet_login import login, prepare, request_key, sign

ORDER = {"id", "cl_ord_id", "symbol", "side", "order_type", "time_in_force", "reduce_only"}
ORDER |= {"price", "qty", "fill_qty", "fill_avg_price", "status", "leverage", "margin"}
ORDER |= {"avail_locked", "position_id", "user", "created_at", "updated_at"}
PRICE = {"symbol", "base", "quote", "mark_price", "index_price", "last_price", "mid_price"}
PRICE |= {"spread_bid", "spread_ask", "time"}
MARKET = PRICE | {"funding_rate", "next_funding_time", "open_interest", "spread"}
MARKET |= {"high_price_24h", "low_price_24h", "volume_24h"}
SYMBOL_INFO = {"symbol", "base_asset", "quote_asset", "base_decimals", "quote_decimals"}
SYMBOL_INFO |= {"price_tick_decimals", "qty_tick_decimals", "min_order_qty", "max_order_qty"}
SYMBOL_INFO |= {"max_position_size", "max_open_orders", "def_leverage", "max_leverage"}
SYMBOL_INFO |= {"maker_fee", "taker_fee", "depth_ticks", "price_cap_ratio", "enabled"}
SYMBOL_INFO |= {"price_floor_ratio", "created_at", "updated_at"}
POSITION = {"id", "symbol", "qty", "entry_price", "entry_value", "mark_price", "upnl"}
POSITION |= {"position_value", "realized_pnl", "leverage", "margin_mode", "margin_asset"}
POSITION |= {"initial_margin", "holding_margin", "maint_margin", "mmr", "liq_price", "user"}
POSITION |= {"bankruptcy_price", "status", "time", "created_at", "updated_at"}
BALANCE = {"isolated_balance", "isolated_upnl", "cross_balance", "cross_margin", "cross_upnl"}
BALANCE |= {"locked", "cross_available", "balance", "upnl", "equity", "pnl_freeze"}
TRADE = {"id", "order_id", "symbol", "side", "price", "qty", "value", "fee_asset", "fee_qty"}
TRADE |= {"pnl", "user", "created_at", "updated_at"}
PUBLIC_TRADE = {"symbol", "price", "qty", "quote_qty", "is_buyer_taker", "time"}
PAGE = {"page_size", "result", "total"}
ENVELOPE = {"code", "message", "request_id"}


def assert_error(r: httpx.Response, status: int, what: str) -> None:
    body = r.json()
    assert r.status_code == status, (what, r.status_code, r.text)
    assert set(body) == {"code", "message"}, (what, body)
    assert body["code"] == status and isinstance(body["message"], str) and body["message"], what


def assert_fields(body: object, fields: set[str], what: str) -> None:
    assert isinstance(body, dict), (what, body)
    assert fields <= set(body), (what, sorted(fields - set(body)))


def assert_decimal_strings(row: dict, names: set[str], what: str) -> None:
    for name in names:
        value = row[name]
        if value is not None:  # last/mid price may be null (docs/standx-protocol.md §3.1)
            assert isinstance(value, str) and Decimal(value).is_finite(), (what, name, value)


@pytest.fixture
async def sim(make_sim):
    """Without the per-account limit: a test here sends more than its 20-request burst
    (429s have their own tests in test_rate_limit.py)."""
    return await make_sim(rate_limit=False)


@pytest.fixture
async def world(sim, http, api):
    """One account with a filled order (a position, a trade, a public trade) and one
    order resting: (api, resting order)."""
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post("/api/new_order", alo("buy", "65990.00", cl_ord_id="fills"))
    await stream.order_status("fills", "open")
    sim.exchange.market.set_mid("BTC-USD", Decimal("65980.00"))
    await stream.order_status("fills", "filled")
    await api.post("/api/new_order", alo("buy", "65000.00", cl_ord_id="rests"))
    resting = await stream.order_status("rests", "open")
    await stream.close()
    return api, resting


async def test_public_market_data(world):
    api, _ = world
    http = api.http
    r = await http.get("/api/query_symbol_info")
    assert r.status_code == 200 and isinstance(r.json(), list)
    for row in r.json():
        assert_fields(row, SYMBOL_INFO, "query_symbol_info")
        assert isinstance(row["price_tick_decimals"], int) and isinstance(row["enabled"], bool)
        assert_decimal_strings(row, {"min_order_qty", "max_leverage", "maker_fee"}, row["symbol"])
    cases = {
        "/api/query_symbol_price": PRICE,
        "/api/query_symbol_market": MARKET,
        "/api/query_depth_book": {"symbol", "asks", "bids"},
    }
    for path, fields in cases.items():
        r = await http.get(path, params={"symbol": "BTC-USD"})
        assert r.status_code == 200, (path, r.text)
        assert_fields(r.json(), fields, path)
        assert_error(await http.get(path, params={"symbol": "NOPE-USD"}), 400, path)
        assert_error(await http.get(path), 400, path + " without symbol")
    price = (await http.get("/api/query_symbol_price", params={"symbol": "BTC-USD"})).json()
    assert_decimal_strings(price, PRICE - {"symbol", "base", "quote", "time"}, "price")
    book = (await http.get("/api/query_depth_book", params={"symbol": "BTC-USD"})).json()
    assert all(isinstance(p, str) and isinstance(q, str) for p, q in book["bids"] + book["asks"])
    trades = (await http.get("/api/query_recent_trades", params={"symbol": "BTC-USD"})).json()
    assert trades and all(set(t) >= PUBLIC_TRADE for t in trades), trades
    assert_error(await http.get("/api/query_recent_trades"), 400, "recent trades")
    assert_error(await http.get("/api/query_symbol_info", params={"symbol": "NO"}), 400, "info")
    assert (await http.get("/api/health")).text == "OK"
    assert_error(await http.post("/api/health"), 405, "POST /api/health")


async def test_trading_writes(world):
    api, resting = world
    writes = [
        ("/api/new_order", alo("buy", "64000.00"), {**alo("buy", "64000.00"), "qty": 1}),
        ("/api/cancel_order", {"order_id": resting["id"]}, {"order_id": "x"}),
        ("/api/cancel_orders", {"cl_ord_id_list": ["gone"]}, {"order_id_list": "x"}),
        ("/api/change_leverage", {"symbol": "ETH-USD", "leverage": 5}, {"symbol": "ETH-USD"}),
        (
            "/api/change_margin_mode",
            {"symbol": "ETH-USD", "margin_mode": "isolated"},
            {"symbol": "ETH-USD", "margin_mode": "hedge"},
        ),
    ]
    for path, good, bad in writes:
        r = await api.post(path, good)
        assert r.status_code == 200, (path, r.text)
        assert set(r.json()) == ENVELOPE and r.json()["code"] == 0, (path, r.json())
        assert r.json()["message"] == "success"
        assert_error(await api.post(path, bad), 400, path)
        assert_error(await api.post(path, "{broken"), 400, path + " broken JSON")
        assert_error(await api.post(path, good, sign=False), 403, path + " unsigned")
        assert_error(await api.http.post(path, json=good), 401, path + " without token")
        assert_error(await api.http.get(path), 405, "GET " + path)


async def test_account_queries(world):
    api, resting = world
    r = await api.get("/api/query_order", order_id=resting["id"])
    assert_fields(r.json(), ORDER, "query_order")
    assert isinstance(r.json()["id"], int)
    assert_error(await api.get("/api/query_order", order_id="abc"), 400, "query_order")
    assert_error(await api.get("/api/query_order", order_id=1), 404, "query_order unknown")
    for path in ("/api/query_open_orders", "/api/query_orders", "/api/query_trades"):
        body = (await api.get(path, symbol="BTC-USD")).json()
        assert_fields(body, PAGE, path)
        assert body["result"] and body["total"] == len(body["result"]), (path, body)
        fields = TRADE if path == "/api/query_trades" else ORDER
        assert all(fields <= set(row) for row in body["result"]), path
        assert_error(await api.get(path, symbol="NOPE"), 400, path)
    positions = await api.positions()
    assert len(positions) == 1 and positions[0]["qty"] == "0.0010"
    assert_fields(positions[0], POSITION, "query_positions")
    assert_error(await api.get("/api/query_positions", symbol="NOPE"), 400, "positions")
    config = (await api.get("/api/query_position_config", symbol="BTC-USD")).json()
    assert config == {"symbol": "BTC-USD", "leverage": 10, "margin_mode": "cross"}
    assert_error(await api.get("/api/query_position_config"), 400, "position_config")
    balance = await api.balance()
    assert_fields(balance, BALANCE, "query_balance")
    assert_decimal_strings(balance, BALANCE, "query_balance")
    assert_error(await api.http.get("/api/query_balance"), 401, "balance without token")
    bad_token = {"Authorization": "Bearer not.a.jwt"}
    assert_error(await api.http.get("/api/query_balance", headers=bad_token), 401, "bad token")
    uptime = (await api.get("/api/maker/uptime")).json()
    assert set(uptime) == {"total_eligible_hours", "hours"}  # docs/standx-protocol.md §3.3
    assert isinstance(uptime["hours"], list) and uptime["total_eligible_hours"] == "0.000000000000"
    assert_error(await api.get("/api/maker/uptime", symbol="NOPE"), 400, "maker uptime")


async def test_login_and_geo(http):
    _, request_id = request_key()
    data = await prepare(http, request_id, EthAccount.from_key(b"\x07" * 32).address)
    r = await login(http, data, sign(data, EthAccount.from_key(b"\x07" * 32)))
    assert set(r.json()) == {"token", "address", "alias", "chain", "perpsAlpha"}
    assert r.json()["perpsAlpha"] is True
    bad = await http.post("/v1/offchain/prepare-signin?chain=bsc", json={"address": "me"})
    assert_error(bad, 400, "prepare-signin")
    assert_error(await login(http, data, "0x" + "00" * 65), 400, "login")
    assert_error(await http.get("/v1/offchain/login"), 405, "GET login")
    region = (await http.get("/v1/region")).json()
    assert set(region) == {"systemTime", "region"} and isinstance(region["systemTime"], int)
    assert_error(await http.post("/v1/region"), 405, "POST region")


@pytest.mark.parametrize("path", ["/api/nope", "/", "/api/query_balance/x", "/ws-stream/v1"])
async def test_unknown_paths_are_404_in_the_documented_shape(http, path):
    r = await http.get(path)
    assert_error(r, 404, path)
    assert r.json()["message"] == f"not found: {path}"


async def test_wrong_methods_are_405_with_allow(http):
    r = await http.delete("/api/new_order")
    assert_error(r, 405, "DELETE new_order")
    assert r.headers["allow"] == "POST" and "use POST" in r.json()["message"]
    r = await http.put("/api/query_balance")
    assert_error(r, 405, "PUT query_balance")
    assert "GET" in r.headers["allow"]


async def test_an_unknown_websocket_path_is_a_404_in_the_documented_shape(sim):
    url = sim.ws_stream_url.replace("/ws-stream/v1", "/ws-nope/v1")
    with pytest.raises(websockets.InvalidStatus) as refused:
        await asyncio.wait_for(websockets.connect(url), RECV_TIMEOUT)
    response = refused.value.response
    assert response.status_code == 404
    assert json.loads(response.body) == {"code": 404, "message": "not found: /ws-nope/v1"}
