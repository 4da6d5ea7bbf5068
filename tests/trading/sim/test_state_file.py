"""A simulator restarted with the same state file keeps accounts, tokens, keys, balances and
prices (not open orders); GET /sim/orders and /sim/injected report ground truth and counts."""

from __future__ import annotations

import asyncio
import json
import stat
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command

from tests.trading.sim.helpers import Api, alo
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer

QUIET: dict[str, Any] = {
    "volatility_bps": 0.0,
    "jump_probability": 0.0,
    "taker_trade_probability": 0.0,
}


async def _restart(sim: SimServer, path) -> SimServer:
    port = sim.port
    await sim.stop()
    again = SimServer(
        port=port, state_file=str(path), faults=FaultConfig(ack_latency_ms=0), **QUIET
    )
    await again.start()
    return again


async def test_account_token_and_key_survive_a_restart(tmp_path):
    path = tmp_path / "sim-state.json"
    sim = SimServer(state_file=str(path), faults=FaultConfig(ack_latency_ms=0), **QUIET)
    await sim.start()
    try:
        acct = sim.create_account(balance="1234.5")
        sim.exchange.market.set_mid("BTC-USD", Decimal("70000.00"))
        async with httpx.AsyncClient(base_url=sim.api_base, timeout=5) as http:
            api = Api(http, acct.token, acct.private_key)
            assert (await api.post("/api/new_order", alo("buy", "69000.00"))).status_code == 200
        sim = await _restart(sim, path)
        async with httpx.AsyncClient(base_url=sim.api_base, timeout=5) as http:
            api = Api(http, acct.token, acct.private_key)
            balance = await api.balance()  # the old token still works
            assert Decimal(balance["balance"]) == Decimal("1234.5")
            assert await api.open_orders() == []  # open orders are not kept
            # The old key still signs orders for the old token.
            r = await api.post("/api/new_order", alo("buy", "69000.00"))
            assert r.status_code == 200 and r.json()["code"] == 0
        assert sim.exchange.market.get("BTC-USD").mid == Decimal("70000.00")
    finally:
        await sim.stop()


async def test_state_file_is_private_and_holds_no_private_key(tmp_path):
    path = tmp_path / "sim-state.json"
    sim = SimServer(state_file=str(path), **QUIET)
    await sim.start()
    try:
        acct = sim.create_account()
        assert path.exists()  # saved at creation
    finally:
        await sim.stop()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert acct.private_key not in path.read_text()  # only the public key is kept


async def test_without_a_state_file_a_restart_forgets_accounts():
    sim = SimServer(**QUIET)
    await sim.start()
    acct = sim.create_account()
    port = sim.port
    await sim.stop()
    sim = SimServer(port=port, **QUIET)
    await sim.start()
    try:
        async with httpx.AsyncClient(base_url=sim.api_base, timeout=5) as http:
            r = await Api(http, acct.token, acct.private_key).get("/api/query_balance")
            assert r.status_code == 401
    finally:
        await sim.stop()


def test_a_corrupt_state_file_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"version": 1, "accounts": "nope"}))
    with pytest.raises(CommandError, match="state file"):
        call_command("runsim", "--state-file", str(path))


async def test_sim_orders_and_injected_counts(sim, api, http):
    r = await api.post("/api/new_order", {**alo("buy", "65000.00"), "cl_ord_id": "soak-1"})
    assert r.status_code == 200
    for _ in range(50):  # the ack is asynchronous
        orders = (await api.get("/sim/orders")).json()["orders"]
        if orders and orders[0]["status"] == "open":
            break
        await asyncio.sleep(0.02)
    assert [(o["cl_ord_id"], o["side"], o["status"]) for o in orders] == [("soak-1", "buy", "open")]
    assert (await http.get("/sim/orders")).status_code == 401
    sim.exchange.set_faults(burst_429=2, http_5xx_share=0.0)
    for _ in range(3):
        await http.get("/api/query_symbol_info")
    sim.exchange.set_faults(burst_429=0, http_5xx_share=1.0)  # (setting faults re-arms a burst)
    await http.get("/api/query_symbol_info")
    counts = (await http.get("/sim/injected")).json()
    assert counts == {"http_429": 2, "http_5xx": 1}


async def test_sim_orders_since_is_the_order_log_with_exchange_times(sim, api, http):
    """?since= lists every order created from that moment in any status, with the times a
    soak judges a kill or a stop by; without it only live orders are listed."""
    clock = sim.exchange.clock
    before = clock()
    await api.post("/api/new_order", {**alo("buy", "65000.00"), "cl_ord_id": "log-1"})
    await api.post("/api/new_order", {**alo("buy", "64000.00"), "cl_ord_id": "log-2"})
    for _ in range(50):
        if (
            len(
                [
                    o
                    for o in (await api.get("/sim/orders")).json()["orders"]
                    if o["status"] == "open"
                ]
            )
            == 2
        ):
            break
        await asyncio.sleep(0.02)
    middle = clock()
    await api.post("/api/cancel_order", {"cl_ord_id": "log-1"})
    for _ in range(50):
        if len((await api.get("/sim/orders")).json()["orders"]) == 1:
            break
        await asyncio.sleep(0.02)
    log = {o["cl_ord_id"]: o for o in (await api.get("/sim/orders", since=before)).json()["orders"]}
    assert set(log) == {"log-1", "log-2"}
    assert log["log-1"]["status"] == "canceled" and log["log-1"]["updated_at"] >= middle
    assert log["log-2"]["status"] == "open"
    assert before <= log["log-1"]["created_at"] <= log["log-2"]["created_at"] <= middle
    assert (await api.get("/sim/orders", since=middle)).json()["orders"] == []
    assert [o["cl_ord_id"] for o in (await api.get("/sim/orders")).json()["orders"]] == ["log-2"]
    refused = await api.get("/sim/orders", since="yesterday")
    assert refused.status_code == 400 and "since" in refused.text
    assert (await api.get("/sim/orders", since="nan")).status_code == 400
