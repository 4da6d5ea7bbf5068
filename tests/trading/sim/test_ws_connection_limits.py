"""WebSocket limits of docs/standx-protocol.md §4.1/§6 per client IP, both WS paths together:
10 open at once, 30 new in any sliding 60 s; a refused handshake gets HTTP 429 naming the
limit, and GET /sim/stats shows open connections and refusals. The 60 s window is slid with
a fake monotonic clock instead of sleeping."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import websockets
from django.core.management import CommandError, call_command
from starlette.websockets import WebSocket
from websockets.exceptions import InvalidStatus

from bench.localproc import free_port
from tests.trading.sim.helpers import RECV_TIMEOUT
from trading.sim.config import SimConfig
from trading.sim.ws import _deny

ROOT = Path(__file__).resolve().parents[3]

IP = "127.0.0.1"
TOO_MANY = "too many websocket connections from this IP (max 10)"
TOO_MANY_NEW = "too many new websocket connections from this IP (max 30 per minute)"


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _connect(url: str):
    return await asyncio.wait_for(websockets.connect(url), RECV_TIMEOUT)


async def _refused(url: str) -> dict:
    """The error body of a handshake the simulator must refuse with HTTP 429."""
    with pytest.raises(InvalidStatus) as caught:
        await _connect(url)
    assert caught.value.response.status_code == 429
    return json.loads(caught.value.response.body)


async def _alive(ws) -> bool:
    await ws.send(json.dumps({"ping": 1}))
    return json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)) == {"pong": 1}


async def _wait_open(sim, count: int) -> None:
    """The server releases a slot when its handler ends, just after the client's close."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECV_TIMEOUT
    while sim.exchange.ws_limits.open.get(IP, 0) != count:
        assert loop.time() < deadline, sim.exchange.ws_limits.snapshot()
        await asyncio.sleep(0.01)


async def _open_and_close(sim, url: str) -> None:
    ws = await _connect(url)
    await ws.close()
    await _wait_open(sim, 0)


async def test_eleventh_concurrent_connection_is_refused(sim, api):
    # Both paths share the per-IP count: 5 + 5 fill it.
    conns = [await _connect(sim.ws_stream_url) for _ in range(5)]
    conns += [await _connect(sim.ws_api_url) for _ in range(5)]
    for url in (sim.ws_stream_url, sim.ws_api_url):
        assert await _refused(url) == {"code": 429, "message": TOO_MANY}
    assert all([await _alive(ws) for ws in conns])  # the ten stay open and served
    ws_stats = (await api.get("/sim/stats")).json()["ws"]
    assert ws_stats["open_by_ip"] == {IP: 10}
    assert ws_stats["refused"] == {"max_per_ip": 2, "max_new_per_minute": 0}
    assert ws_stats["refused_by_ip"] == {IP: {"max_per_ip": 2}}
    assert ws_stats["limits"] == {"max_ws_per_ip": 10, "max_new_ws_per_minute": 30}

    await conns.pop().close()  # one leaves: one may come in
    await _wait_open(sim, 9)
    conns.append(await _connect(sim.ws_api_url))
    assert await _alive(conns[-1])
    assert sim.exchange.stats("nobody")["ws"]["peak_open_by_ip"] == {IP: 10}
    for ws in conns:
        await ws.close()
    await _wait_open(sim, 0)


async def test_thirty_first_new_connection_in_a_minute_is_refused(sim, api):
    clock = FakeMonotonic()
    sim.exchange.ws_limits.clock = clock
    for i in range(30):  # one per second, never two open
        await _open_and_close(sim, sim.ws_api_url if i % 2 else sim.ws_stream_url)
        clock.now += 1.0
    assert await _refused(sim.ws_stream_url) == {"code": 429, "message": TOO_MANY_NEW}
    clock.now += 29.0  # 59 s after the first: still inside its window
    assert (await _refused(sim.ws_api_url))["message"] == TOO_MANY_NEW
    clock.now += 1.0  # 60 s after the first: it leaves the window, one slot frees
    await _open_and_close(sim, sim.ws_stream_url)
    assert (await _refused(sim.ws_stream_url))["message"] == TOO_MANY_NEW
    ws_stats = (await api.get("/sim/stats")).json()["ws"]
    assert ws_stats["refused"] == {"max_per_ip": 0, "max_new_per_minute": 3}
    assert ws_stats["open_by_ip"] == {}


@pytest.mark.parametrize(
    "limits", [{"max_ws_per_ip": 0, "max_new_ws_per_minute": 0}, {"max_ws_per_ip": 0}]
)
async def test_zero_disables_the_concurrent_limit(make_sim, limits):
    sim = await make_sim(**limits)
    conns = [await _connect(sim.ws_stream_url) for _ in range(15)]
    assert all([await _alive(ws) for ws in conns])
    for ws in conns:
        await ws.close()
    await _wait_open(sim, 0)


@pytest.mark.parametrize(
    "limits", [{"max_ws_per_ip": 0, "max_new_ws_per_minute": 0}, {"max_new_ws_per_minute": 0}]
)
async def test_zero_disables_the_per_minute_limit(make_sim, limits):
    sim = await make_sim(**limits)
    for _ in range(35):
        await _open_and_close(sim, sim.ws_api_url)
    assert sim.exchange.ws_limits.refused == {}


async def test_limits_are_read_at_each_handshake(sim):
    sim.config.max_ws_per_ip = 1  # an in-process test may tighten a running simulator
    first = await _connect(sim.ws_stream_url)
    message = (await _refused(sim.ws_api_url))["message"]
    assert message == "too many websocket connections from this IP (max 1)"
    await first.close()


@pytest.mark.parametrize("name", ["max_ws_per_ip", "max_new_ws_per_minute"])
@pytest.mark.parametrize("value", [-1, 2.5, True])
def test_config_rejects_bad_limits(name, value):
    with pytest.raises(ValueError, match=f"{name} must be a non-negative integer"):
        SimConfig(**{name: value})


@pytest.mark.parametrize("flag", ["--max-ws-per-ip", "--max-new-ws-per-minute"])
def test_runsim_rejects_negative_limits(flag):
    with pytest.raises(CommandError, match="non-negative integer"):
        call_command("runsim", flag, "-1")


async def test_runsim_flags_set_the_limits():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runsim",
            "--port",
            str(port),
            "--max-ws-per-ip",
            "1",
            "--max-new-ws-per-minute",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        await _wait_listening(port, proc)
        first = await _connect(f"ws://127.0.0.1:{port}/ws-stream/v1")
        refusal = await _refused(f"ws://127.0.0.1:{port}/ws-api/v1")
        assert refusal["message"] == "too many websocket connections from this IP (max 1)"
        await first.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def _wait_listening(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=1.0) as http:
        while True:
            try:
                await http.get(f"http://127.0.0.1:{port}/api/health")
                return
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "runsim down"
                await asyncio.sleep(0.2)


async def test_without_the_denial_extension_the_handshake_is_closed_before_accept():
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws-stream/v1", "headers": [], "extensions": {}}
    websocket = WebSocket(scope, receive=None, send=send)
    await _deny(websocket, TOO_MANY)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": TOO_MANY}]
