"""JSON nested 200,000 deep, sent to every JSON entry point of one `runbot` process (the
dashboard's API and WebSockets, the bundled simulator's REST, controls and WebSockets):
each answers it as malformed and the process keeps serving.

Before, eth-account's import (through py_ecc) raised the recursion limit to 100,000 in the
process, and the json parser overflowed the C stack: a segfault that took every bot down
(one unauthenticated POST to /sim/faults did). runbot runs in its own process here, so a
crash fails these tests instead of taking the test runner down with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.localproc import HOST, free_port, migrate, stop_process
from bench.services import wait_for
from tests.trading.fleet.runbot_process import ROOT, bundled_env, start_runbot
from trading.core.bounded_json import MAX_DEPTH

API_TOKEN = "deep-json-test-token-8e2f5a1c"
DEEP = "[" * 200_000 + "]" * 200_000
DEEP_OBJECT = '{"a":' * 200_000 + "1" + "}" * 200_000


@pytest.fixture(scope="module")
def runbot(tmp_path_factory) -> Iterator[dict]:
    data_dir = tmp_path_factory.mktemp("deep-json")
    env = bundled_env(data_dir, API_TOKEN=API_TOKEN)
    migrate(env)
    log = data_dir / "runbot.log"
    process = start_runbot(env, log)
    ports = {"web": int(env["WEB_PORT"]), "sim": int(env["SIM_PORT"])}
    world = {"process": process, "log": log, **ports}
    try:
        wait_for(lambda: serving(world), "runbot's web tier and simulator", timeout=60)
        yield world
    finally:
        stop_process(process, timeout=30)


def serving(world: dict) -> bool:
    try:
        web = httpx.get(f"http://{HOST}:{world['web']}/healthz", timeout=2)
        sim = httpx.get(f"http://{HOST}:{world['sim']}/api/health", timeout=2)
    except httpx.HTTPError:
        return False
    return web.status_code in (200, 503) and sim.status_code == 200


def alive(world: dict) -> None:
    """Still running and still answering, or the log's tail says what happened."""
    code = world["process"].poll()
    assert code is None, f"runbot exited with {code}: {world['log'].read_text()[-2000:]}"
    assert serving(world)


BEARER = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"}


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
@pytest.mark.parametrize(
    "server, path, headers",
    [
        ("web", "/api/config", BEARER),
        ("web", "/api/bots/default/config", BEARER),
        ("sim", "/sim/faults", {}),  # no credentials at all
        ("sim", "/sim/market", {}),
        ("sim", "/sim/accounts", {}),
        ("sim", "/v1/offchain/prepare-signin?chain=bsc", {}),
    ],
)
def test_http_entry_points_refuse_it(runbot, server, path, headers, body):
    r = httpx.post(
        f"http://{HOST}:{runbot[server]}{path}", content=body, headers=headers, timeout=30
    )
    assert r.status_code == 400, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    alive(runbot)


def test_a_body_just_within_the_bound_is_parsed(runbot):
    """The bound refuses nesting, not JSON: a config nested MAX_DEPTH deep is read (and
    refused for its content, 422), one level more is malformed (400)."""
    url = f"http://{HOST}:{runbot['web']}/api/config"
    within = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    over = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert httpx.post(url, content=within, headers=BEARER, timeout=10).status_code == 422
    assert httpx.post(url, content=over, headers=BEARER, timeout=10).status_code == 400


def test_simulator_websockets_refuse_it(runbot):
    base = f"ws://{HOST}:{runbot['sim']}"
    with connect(f"{base}/ws-stream/v1", max_size=None, open_timeout=10) as ws:
        ws.send(DEEP)
        assert json.loads(ws.recv(timeout=10))["code"] == 400
    with connect(f"{base}/ws-api/v1", max_size=None, open_timeout=10) as ws:
        ws.send(DEEP_OBJECT)
        assert json.loads(ws.recv(timeout=10))["code"] == 400
        # A well-formed frame whose params (a JSON string) nest deep.
        frame = {"session_id": "s", "request_id": "r", "method": "auth:login", "params": DEEP}
        ws.send(json.dumps(frame))
        assert json.loads(ws.recv(timeout=10))["code"] == 400
    alive(runbot)


def test_the_simulated_reference_venue_refuses_it(tmp_path):
    """`runsim --reference` also serves Hyperliquid's stream, which reads requests."""
    port = free_port()
    log = tmp_path / "runsim.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runsim", "--port", str(port), "--reference"],
            cwd=ROOT,
            env={**os.environ, "DATA_DIR": str(tmp_path)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "StandX simulator on" in log.read_text(), "runsim", timeout=60)
        url = f"ws://{HOST}:{port}/hyperliquid/ws"
        with connect(url, max_size=None, open_timeout=10) as ws:
            ws.send(DEEP)
            assert json.loads(ws.recv(timeout=10))["channel"] == "error"
            ws.send(json.dumps({"method": "ping"}))
            assert json.loads(ws.recv(timeout=10)) == {"channel": "pong"}
        assert process.poll() is None, log.read_text()[-2000:]
    finally:
        stop_process(process)


def closed_after(url: str, message: str) -> int:
    """The close code the dashboard's socket answers `message` with."""
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    with connect(url, additional_headers=auth, max_size=None, open_timeout=10) as ws:
        ws.recv(timeout=10)  # the first frame: the bot's state
        ws.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


@pytest.mark.parametrize("path", ["/ws/bots/default/", "/ws", "/ws/dashboard/", "/ws/overview/"])
def test_dashboard_websockets_refuse_it(runbot, path):
    assert closed_after(f"ws://{HOST}:{runbot['web']}{path}", DEEP) == 1009  # too big to read
    alive(runbot)


def test_the_dashboards_messages_are_bounded_in_depth_too(runbot):
    """Deep nesting that fits the size cap is malformed (1008), never parsed."""
    message = "[" * 2000 + "]" * 2000
    assert closed_after(f"ws://{HOST}:{runbot['web']}/ws/dashboard/", message) == 1008
    alive(runbot)
