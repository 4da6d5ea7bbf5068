"""SimServer: binds port 0 on loopback, reports its URLs, stops within bounds even with an
open WebSocket and a hung request, and works as an async context manager."""

from __future__ import annotations

import asyncio

import httpx
import websockets

from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer


async def test_urls_and_context_manager():
    async with SimServer(seed=1) as sim:
        assert sim.port > 0
        assert sim.api_base == f"http://127.0.0.1:{sim.port}"
        assert sim.ws_stream_url == f"ws://127.0.0.1:{sim.port}/ws-stream/v1"
        assert sim.ws_api_url == f"ws://127.0.0.1:{sim.port}/ws-api/v1"
        acct = sim.create_account(balance="5000")
        assert len(acct.private_key) in (43, 44) and acct.user.startswith("bsc_0x")
        async with httpx.AsyncClient(base_url=sim.api_base) as http:
            assert (await http.get("/api/health")).text == "OK"


async def test_stop_is_bounded_with_open_socket_and_hung_request():
    sim = SimServer(faults=FaultConfig(hang_share=1.0, hang_max_s=60.0))
    await sim.start()
    ws = await websockets.connect(sim.ws_stream_url)
    http = httpx.AsyncClient(base_url=sim.api_base, timeout=30.0)
    hung = asyncio.create_task(http.get("/api/query_symbol_info"))
    await asyncio.sleep(0.2)
    async with asyncio.timeout(15):
        await sim.stop()
    closed = await asyncio.wait_for(ws.wait_closed(), 5)
    assert closed is None and ws.close_code is not None
    hung.cancel()
    await asyncio.gather(hung, return_exceptions=True)
    await http.aclose()


async def test_two_servers_side_by_side_are_independent():
    async with SimServer(seed=1) as a, SimServer(seed=2) as b:
        assert a.port != b.port
        acct = a.create_account()
        async with httpx.AsyncClient() as http:
            r = await http.get(
                f"{b.api_base}/api/query_balance", headers={"Authorization": f"Bearer {acct.token}"}
            )
            assert r.status_code == 401  # each simulator signs with its own secret
