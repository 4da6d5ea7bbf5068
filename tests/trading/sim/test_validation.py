"""Bad input to every write endpoint and to the query endpoints gets HTTP 400 with a
descriptive message, and changes no state (orders, balance, leverage)."""

from __future__ import annotations

import pytest

from tests.trading.sim.helpers import Stream, alo


def _without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


GOOD = alo("buy", "65900.00")

BAD_NEW_ORDERS = [
    (_without(GOOD, "symbol"), "missing required field: symbol"),
    (_without(GOOD, "side"), "missing required field: side"),
    (_without(GOOD, "qty"), "missing required field: qty"),
    (_without(GOOD, "price"), "missing required field: price"),
    (_without(GOOD, "order_type"), "missing required field: order_type"),
    (_without(GOOD, "time_in_force"), "missing required field: time_in_force"),
    ({**GOOD, "qty": 0.001}, "qty must be a decimal string"),
    ({**GOOD, "price": 65900}, "price must be a decimal string"),
    ({**GOOD, "qty": "abc"}, "not a valid decimal"),
    ({**GOOD, "side": "long"}, "side must be one of"),
    ({**GOOD, "time_in_force": "fok"}, "time_in_force must be one of"),
    ({**GOOD, "reduce_only": "no"}, "reduce_only must be a boolean"),
    ({**GOOD, "price": "65900.001"}, "not a multiple of the price tick 0.01"),
    ({**GOOD, "qty": "0.00015"}, "not a multiple of the lot size 0.0001"),
    ({**GOOD, "symbol": "ETH-USD", "qty": "0.0005", "price": "3400.0"}, "lot size 0.001"),
    ({**GOOD, "qty": "0.0000"}, "qty must be positive"),
    ({**GOOD, "qty": "101.0000"}, "above max_order_qty 100"),
    ({**GOOD, "symbol": "DOGE-USD"}, "unknown symbol"),
    ({**GOOD, "leverage": 50}, "max leverage"),
    ({**GOOD, "leverage": "10"}, "leverage must be an integer"),
    ({**GOOD, "margin_mode": "portfolio"}, "margin_mode must be one of"),
    ({**GOOD, "price": "10000.00"}, "outside the allowed band"),
    ({**GOOD, "qty": "90.0000"}, "insufficient margin"),
]


async def _state(api) -> tuple:
    orders = await api.get("/api/query_orders")
    lev = await api.get("/api/query_position_config", symbol="BTC-USD")
    return (await api.open_orders(), await api.balance(), orders.json()["total"], lev.json())


@pytest.fixture
async def quiet(make_sim):
    return await make_sim(rate_limit=False)


@pytest.fixture
async def qapi(quiet):
    import httpx

    from tests.trading.sim.helpers import Api

    acct = quiet.create_account()
    async with httpx.AsyncClient(base_url=quiet.api_base, timeout=5.0) as client:
        yield Api(client, acct.token, acct.private_key)


async def test_bad_new_orders_are_400_without_state_change(qapi):
    before = await _state(qapi)
    for body, message in BAD_NEW_ORDERS:
        r = await qapi.post("/api/new_order", body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["code"] == 400 and message in r.json()["message"], (body, r.json())
    assert await _state(qapi) == before


@pytest.mark.parametrize(
    "raw, message",
    [("{not json", "malformed JSON"), ("[1, 2]", "must be a JSON object"), ("", "malformed JSON")],
)
async def test_malformed_bodies_are_400_on_every_write(qapi, raw, message):
    before = await _state(qapi)
    for path in (
        "/api/new_order",
        "/api/cancel_order",
        "/api/cancel_orders",
        "/api/change_leverage",
    ):
        r = await qapi.post(path, raw)
        assert r.status_code == 400 and message in r.json()["message"], (path, r.text)
    assert await _state(qapi) == before


async def test_bad_cancels_are_400_without_state_change(quiet, qapi):
    stream = await Stream.open(quiet.ws_stream_url, qapi.token)
    await qapi.post("/api/new_order", alo("buy", "65900.00", cl_ord_id="keep"))
    await stream.order_status("keep", "open")
    before = await _state(qapi)
    cases = [
        ({}, "order_id or cl_ord_id"),
        ({"order_id": "12"}, "order_id must be an integer"),
        ({"order_id": 42}, "order not found"),
        ({"cl_ord_id": "nope"}, "order not found"),
        ({"cl_ord_id": 5}, "cl_ord_id must be a string"),
    ]
    for body, message in cases:
        r = await qapi.post("/api/cancel_order", body)
        assert r.status_code == 400 and message in r.json()["message"], (body, r.text)
    for body, message in [
        ({}, "order_id_list or cl_ord_id_list"),
        ({"order_id_list": ["1"]}, "list of integers"),
        ({"cl_ord_id_list": "keep"}, "list of strings"),
    ]:
        r = await qapi.post("/api/cancel_orders", body)
        assert r.status_code == 400 and message in r.json()["message"], (body, r.text)
    assert await _state(qapi) == before
    await stream.close()


async def test_bad_change_leverage_is_400(qapi):
    before = await _state(qapi)
    for body, message in [
        ({"symbol": "BTC-USD"}, "missing required field: leverage"),
        ({"symbol": "BTC-USD", "leverage": 21}, "max leverage"),
        ({"symbol": "BTC-USD", "leverage": 0}, "outside 1..20"),
        ({"symbol": "BTC-USD", "leverage": 5.5}, "must be an integer"),
        ({"symbol": "NOPE", "leverage": 5}, "unknown symbol"),
    ]:
        r = await qapi.post("/api/change_leverage", body)
        assert r.status_code == 400 and message in r.json()["message"], (body, r.text)
    assert await _state(qapi) == before
    r = await qapi.post("/api/change_leverage", {"symbol": "BTC-USD", "leverage": 5})
    assert r.status_code == 200
    lev = await qapi.get("/api/query_position_config", symbol="BTC-USD")
    assert lev.json()["leverage"] == 5


@pytest.mark.parametrize(
    "path, params, message",
    [
        ("/api/query_symbol_price", {}, "missing required parameter: symbol"),
        ("/api/query_symbol_price", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_symbol_market", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_depth_book", {}, "missing required parameter: symbol"),
        ("/api/query_depth_book", {"symbol": "BTC-USD", "limit": "x"}, "limit must be an integer"),
        ("/api/query_recent_trades", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_symbol_info", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_open_orders", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_order", {}, "order_id or cl_ord_id"),
        ("/api/query_order", {"order_id": "abc"}, "order_id must be an integer"),
        ("/api/query_orders", {"limit": "many"}, "limit must be an integer"),
        ("/api/query_positions", {"symbol": "NOPE"}, "unknown symbol"),
        ("/api/query_position_config", {}, "missing required parameter: symbol"),
        ("/api/query_trades", {"symbol": "NOPE"}, "unknown symbol"),
    ],
)
async def test_bad_queries_are_400(qapi, path, params, message):
    r = await qapi.get(path, **params)
    assert r.status_code == 400 and message in r.json()["message"], r.text


async def test_unknown_order_query_is_404(qapi):
    r = await qapi.get("/api/query_order", order_id=1)
    assert r.status_code == 404 and r.json()["message"] == "order not found"
