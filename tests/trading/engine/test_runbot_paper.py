"""`STANDX_MODE=paper manage.py runbot` as a trader starts it: no credentials, STANDX_API_BASE
and STANDX_WS_URL pointing at the simulator standing in for StandX. It quotes on the paper
exchange it runs in process, says "paper" on every terminal line, every log line, every page
and every API answer, keeps its own database file, and the stand-in sees public requests
only."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import httpx
import pytest

from bench.localproc import free_port, migrate
from tests.trading.engine.conftest import wait_until
from trading.sim.runner import SimServer

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "paper-test-token-0123456789abcdef"
PUBLIC_PATHS = {"/api/query_symbol_info", "/api/query_depth_book", "/api/query_symbol_price"}


@pytest.fixture
async def standin(tmp_path):
    sim = SimServer(
        volatility_bps=0.3, step_interval=0.1, push_interval=0.1, log_requests=str(tmp_path / "r")
    )
    await sim.start()
    yield sim
    await sim.stop()


def paper_env(data: Path, standin: SimServer, web_port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STANDX_", "SQLITE_", "DATABASE_", "API_TOKEN"))
    }
    env.update(
        {
            "DATA_DIR": str(data),
            "STANDX_MODE": "paper",
            "STANDX_API_BASE": standin.api_base,
            "STANDX_WS_URL": standin.ws_stream_url,
            "WEB_PORT": str(web_port),
            "API_TOKEN": TOKEN,
            "STATUS_LINE_SECONDS": "1",
            "SPREAD_BPS": "5",
            "REFRESH_INTERVAL": "0.2",
            "LOG_LEVEL": "info",
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
        }
    )
    return env


@pytest.mark.django_db(transaction=True)
async def test_runbot_in_paper_mode_says_so_everywhere_and_sends_nothing_private(standin, tmp_path):
    data, port = tmp_path / "data", free_port()
    data.mkdir()
    env = paper_env(data, standin, port)
    migrate(env)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "manage.py", "runbot", "--duration", "12",
            cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
        )  # fmt: skip
    web = f"http://127.0.0.1:{port}"
    try:
        link = await wait_for_login_link(out)
        async with httpx.AsyncClient(base_url=web, timeout=5.0) as http:
            await check_api(http)
            await check_pages(http, link)
    finally:
        async with asyncio.timeout(40):
            code = await process.wait()
    assert code == 0, err.read_text()[-2000:]

    lines = out.read_text().splitlines()
    assert lines and all(line.startswith("[paper] ") for line in lines), lines
    assert any("mode: paper (paper exchange on http://127.0.0.1:" in line for line in lines)
    assert any(re.match(r"\[paper\] \[default\] running  BTC-USD bid", line) for line in lines)
    logged = [line for line in err.read_text().splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert logged and all(" paper " in line for line in logged)
    assert (data / "paper.sqlite3").exists() and not (data / "live.sqlite3").exists()

    requests = [json.loads(line) for line in (tmp_path / "r").read_text().splitlines()]
    assert requests and {r["kind"] for r in requests} == {"http"}
    assert {r["path"] for r in requests} <= PUBLIC_PATHS
    assert not [r for r in requests if r.get("bearer") or r.get("signed") or r["account"]]


async def wait_for_login_link(out: Path) -> str:
    found: list[str] = []

    def link() -> bool:
        found[:] = re.findall(r"dashboard: (http://\S+/accounts/link/\S+)", out.read_text())
        return bool(found)

    await wait_until(link, timeout=30, what="runbot's login link")
    return found[0]


async def check_api(http: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    await wait_until_async(http, "/api/status", auth)
    for path in ("/api/status", "/api/orders", "/api/uptime", "/api/fills", "/api/bots"):
        answer = await http.get(path, headers=auth)
        assert answer.status_code == 200 and answer.headers["x-trading-mode"] == "paper", path
        body = answer.json()
        rows = body if isinstance(body, list) else [body]
        assert all(row["mode"] == "paper" for row in rows), (path, body)
    refused = await http.get("/api/status")  # even an error says which mode answered
    assert refused.status_code == 401 and refused.headers["x-trading-mode"] == "paper"


async def wait_until_async(http: httpx.AsyncClient, path: str, headers: dict) -> None:
    """Until the engine publishes (mode set in the status) or 20 s pass."""
    async with asyncio.timeout(20):
        while True:
            answer = await http.get(path, headers=headers)
            if answer.status_code == 200 and answer.json().get("mode") == "paper":
                return
            await asyncio.sleep(0.2)


async def check_pages(http: httpx.AsyncClient, link: str) -> None:
    login = await http.get("/accounts/login/")
    assert 'id="paper-badge"' in login.text and "<title>PAPER · " in login.text
    await http.get(link, follow_redirects=True)  # the one-time link logs this client in
    for path in ("/bots/", "/bots/default/", "/api/docs", "/admin/"):
        page = await http.get(path, follow_redirects=True)
        assert page.status_code == 200, path
        assert ">PAPER<" in page.text and page.headers["x-trading-mode"] == "paper", path
    bot_page = await http.get("/bots/default/")
    assert 'class="mode-paper">paper<' in bot_page.text
