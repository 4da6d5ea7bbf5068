"""change_leverage and change_margin_mode (docs/standx-protocol.md §3.2) within bounds: leverage an
integer in 1..max_leverage of the symbol (configurable per symbol), margin_mode cross or
isolated; refused changes are 400 and change nothing."""

from __future__ import annotations

import httpx
import pytest
from django.core.management import CommandError, call_command

from tests.trading.sim.helpers import Api, Stream, alo
from trading.sim.config import SimConfig
from trading.sim.runner import SimServer


async def config(api: Api, symbol: str = "BTC-USD") -> dict:
    r = await api.get("/api/query_position_config", symbol=symbol)
    assert r.status_code == 200, r.text
    return r.json()


async def test_max_leverage_is_configurable_per_symbol(make_sim):
    sim = await make_sim(max_leverage={"BTC-USD": 40})
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=5.0) as http:
        acct = sim.create_account()
        api = Api(http, acct.token, acct.private_key)
        info = {row["symbol"]: row for row in (await http.get("/api/query_symbol_info")).json()}
        assert info["BTC-USD"]["max_leverage"] == "40" and info["ETH-USD"]["max_leverage"] == "20"
        r = await api.post("/api/change_leverage", {"symbol": "BTC-USD", "leverage": 40})
        assert r.status_code == 200 and r.json()["code"] == 0, r.text
        r = await api.post("/api/change_leverage", {"symbol": "BTC-USD", "leverage": 41})
        assert r.status_code == 400 and "outside 1..40" in r.json()["message"]
        r = await api.post("/api/change_leverage", {"symbol": "ETH-USD", "leverage": 21})
        assert r.status_code == 400 and "outside 1..20" in r.json()["message"]
        r = await api.post("/api/new_order", alo("buy", "60000.00", leverage=41))
        assert r.status_code == 400 and "max leverage for BTC-USD" in r.json()["message"]
        assert (await config(api))["leverage"] == 40


@pytest.mark.parametrize(
    "limits, message",
    [
        ({"DOGE-USD": 20}, "not a simulated symbol"),
        ({"BTC-USD": 5}, "at least its default leverage 10"),
        ({"BTC-USD": "40"}, "must be an integer"),
    ],
)
def test_bad_max_leverage_is_refused_at_start(limits, message):
    with pytest.raises(ValueError, match=message):
        SimConfig(max_leverage=limits)
    with pytest.raises(ValueError, match=message):
        SimServer(max_leverage=limits)


def test_runsim_refuses_a_malformed_max_leverage():
    with pytest.raises(CommandError, match="expected SYMBOL=N"):
        call_command("runsim", "--max-leverage", "BTC-USD:40")
    with pytest.raises(CommandError, match="not a simulated symbol"):
        call_command("runsim", "--max-leverage", "DOGE-USD=40")


async def test_margin_mode_changes_and_is_reported(api):
    assert (await config(api))["margin_mode"] == "cross"
    r = await api.post("/api/change_margin_mode", {"symbol": "BTC-USD", "margin_mode": "isolated"})
    assert r.status_code == 200 and r.json()["code"] == 0 and r.json()["request_id"], r.text
    assert await config(api) == {"symbol": "BTC-USD", "leverage": 10, "margin_mode": "isolated"}
    assert (await config(api, "ETH-USD"))["margin_mode"] == "cross"  # per symbol


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"symbol": "BTC-USD", "margin_mode": "portfolio"}, 400, "cross, isolated"),
        ({"symbol": "BTC-USD"}, 400, "missing required field: margin_mode"),
        ({"symbol": "NOPE", "margin_mode": "cross"}, 400, "unknown symbol"),
        ({"margin_mode": "cross"}, 400, "missing required field: symbol"),
    ],
)
async def test_bad_margin_mode_changes_are_400(api, body, status, message):
    r = await api.post("/api/change_margin_mode", body)
    assert r.status_code == status and message in r.json()["message"], r.text
    assert (await config(api))["margin_mode"] == "cross"


async def test_margin_mode_needs_the_body_signature(api):
    body = {"symbol": "BTC-USD", "margin_mode": "isolated"}
    r = await api.post("/api/change_margin_mode", body, sign=False)
    assert r.status_code == 403 and r.json()["code"] == 403
    assert (await config(api))["margin_mode"] == "cross"


async def test_margin_mode_is_fixed_while_orders_or_a_position_are_open(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    r = await api.post("/api/new_order", alo("buy", "60000.00", cl_ord_id="rest"))
    await stream.order_status("rest", "open")
    r = await api.post("/api/change_margin_mode", {"symbol": "BTC-USD", "margin_mode": "isolated"})
    assert r.status_code == 400 and "orders are open" in r.json()["message"]
    await api.post("/api/cancel_order", {"cl_ord_id": "rest"})
    await stream.order_status("rest", "canceled")
    taker = {**alo("buy", "70000.00", cl_ord_id="take"), "time_in_force": "ioc"}
    assert (await api.post("/api/new_order", taker)).status_code == 200
    await stream.order_status("take", "filled")
    r = await api.post("/api/change_margin_mode", {"symbol": "BTC-USD", "margin_mode": "isolated"})
    assert r.status_code == 400 and "position is open" in r.json()["message"]
    r = await api.post("/api/change_margin_mode", {"symbol": "BTC-USD", "margin_mode": "cross"})
    assert r.status_code == 200  # the mode it already has
    assert (await api.positions())[0]["margin_mode"] == "cross"
    await stream.close()
