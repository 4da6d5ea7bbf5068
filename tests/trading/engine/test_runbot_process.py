"""`manage.py runbot --no-sim` as a real process against an in-test simulator, with its own
SQLite file in a temporary DATA_DIR: SIGKILL keeps the uptime history and the next run cancels
the orphans first; SIGTERM and the end of --duration stop cleanly (exit 0, none of ours open);
a SIGTERM that cannot verify (the exchange frozen) exits non-zero and says orders may remain."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bench.localproc import free_port
from tests.trading.engine.conftest import SYMBOL, wait_until

ROOT = Path(__file__).resolve().parents[3]


async def start_runbot(setup: dict, *args: str) -> asyncio.subprocess.Process:
    with open(setup["log"], "ab") as log:  # the child keeps its own copy
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "manage.py",
            "runbot",
            "--no-sim",
            "--engine-only",
            *args,
            cwd=ROOT,
            env=setup["env"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def wait_exit(process: asyncio.subprocess.Process, timeout: float = 30.0) -> int:
    async with asyncio.timeout(timeout):
        return await process.wait()


def uptime_rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select hour, two_sided_seconds from trading_uptimehour where bot = 'default'"
        ).fetchall()


def first_run_tag(world) -> set[str]:
    return {o.cl_ord_id.rsplit("-", 1)[0] for o in world.ours()}


@pytest.mark.django_db(transaction=True)
async def test_sigkilled_bot_keeps_uptime_and_cleans_orphans(world, data_dir):
    first = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="quotes from the first run")
        await wait_until(
            lambda: any(s > 0 for _, s in uptime_rows(data_dir["db"])),
            timeout=15,
            what="an uptime row persisted",
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await wait_exit(first)
    saved = dict(uptime_rows(data_dir["db"]))
    orphans = {o.cl_ord_id for o in world.ours()}
    assert orphans, "a SIGKILLed bot leaves its orders behind"

    second = await start_runbot(data_dir, "--duration", "4")
    await wait_until(
        lambda: not orphans & {o.cl_ord_id for o in world.ours()},
        timeout=20,
        what="orphans canceled",
    )
    await wait_until(world.two_sided, timeout=20, what="quotes from the second run")
    assert await wait_exit(second) == 0, data_dir["log"].read_text()[-3000:]
    assert world.ours() == []
    after = dict(uptime_rows(data_dir["db"]))
    for hour, seconds in saved.items():
        assert after[hour] >= seconds  # the hour continued; nothing was lost


@pytest.mark.django_db(transaction=True)
async def test_sigterm_stops_cleanly(world, data_dir):
    process = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="quotes")
    finally:
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0, data_dir["log"].read_text()[-3000:]
    assert world.ours() == []
    assert world.truth(SYMBOL)["open_orders"] == 0
    output = data_dir["log"].read_text()
    assert "runbot stopped cleanly" in output and "orders may remain" not in output


@pytest.mark.django_db(transaction=True)
async def test_sigterm_with_the_exchange_frozen_says_orders_may_remain(world, data_dir):
    """The exchange stops answering (every /api request hangs) and runbot is told to stop:
    it cannot cancel or verify, so it must not say "stopped cleanly" and exit 0 (systemd's
    Restart=on-failure would never hear of it). Ground truth: our orders do still rest."""
    setup = {**data_dir, "env": {**data_dir["env"], "HTTP_TIMEOUT_SECONDS": "0.5"}}
    process = await start_runbot(setup)
    try:
        await wait_until(world.two_sided, timeout=20, what="quotes")
        world.exchange.set_faults(hang_share=1.0, hang_max_s=5.0)
    finally:
        process.send_signal(signal.SIGTERM)
    code = await wait_exit(process, timeout=60)
    output = data_dir["log"].read_text()
    assert code != 0, output[-3000:]
    assert "orders may remain on the exchange" in output, output[-3000:]
    assert "runbot stopped cleanly" not in output
    assert world.two_sided()  # the message is the truth: both quotes still rest
    # The engine finished its stop (it was not abandoned at the grace): an exchange that
    # did not answer the cancels is not asked for the position too.
    assert "did not finish its clean stop" not in output, output[-3000:]
    assert "position on BTC-USD not read: the exchange did not answer" in output


def test_unmigrated_database_fails_with_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    env.update({"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mmsite.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "runbot", "--engine-only", "--duration", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "not migrated" in result.stderr and "migrate" in result.stderr


@pytest.mark.django_db(transaction=True)
async def test_banner_shows_mode_symbol_and_never_secrets(world, data_dir):
    process = await start_runbot(data_dir, "--duration", "1")
    assert await wait_exit(process) == 0
    output = data_dir["log"].read_text()
    assert "mode: sim" in output and "symbol: BTC-USD" in output
    assert "strategy: spread — 5 bps each side of the mid" in output
    assert "CANNOT EARN" not in output
    assert world.token not in output and world.private_key not in output
    assert "runbot stopped cleanly" in output


async def test_dashboard_link_is_printed_only_once_the_server_listens(world, data_dir):
    env = {**data_dir["env"], "WEB_PORT": str(free_port())}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "runbot",
        "--no-sim",
        "--duration",
        "6",
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(30):
            while not (line := (await process.stdout.readline()).decode()).startswith("dashboard:"):
                assert line, "runbot ended without printing the dashboard link"
        link = line.split(" ", 1)[1].strip()
        # Followed at once, as a script or an impatient trader would: it must answer.
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(link)
        assert response.status_code == 302 and response.headers["location"] == "/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        async with asyncio.timeout(30):
            await process.wait()


async def test_the_link_waits_for_a_slow_server_and_is_skipped_for_a_failed_one(monkeypatch):
    from trading.fleet import runner

    said: list[str] = []
    command = runner.Runner({"bot": "default"})
    monkeypatch.setattr(command, "say", said.append)

    async def fake_link() -> str:
        return "http://127.0.0.1:1/accounts/link/x"

    monkeypatch.setattr(runner, "dashboard_link", fake_link)

    class SlowServer:
        started = False

    web, serving = SlowServer(), asyncio.create_task(asyncio.sleep(30))
    announce = asyncio.create_task(command.announce_dashboard(web, serving))
    await asyncio.sleep(0.3)
    assert said == []  # not listening yet: no link
    web.started = True
    await asyncio.wait_for(announce, 5)
    assert said == ["dashboard: http://127.0.0.1:1/accounts/link/x"]
    serving.cancel()

    said.clear()
    failed = asyncio.create_task(asyncio.sleep(0))
    await failed  # the server task ended without listening
    await asyncio.wait_for(command.announce_dashboard(SlowServer(), failed), 5)
    assert said == []


@pytest.mark.django_db(transaction=True)
async def test_the_banner_flags_a_strategy_that_cannot_earn(world, data_dir):
    """The original default, 50 bps from the mid, sits outside StandX's 10 bps band."""
    setup = {**data_dir, "env": {**data_dir["env"], "SPREAD_BPS": "50"}}
    process = await start_runbot(setup, "--duration", "1")
    assert await wait_exit(process) == 0
    output = data_dir["log"].read_text()
    assert "CANNOT EARN: SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10" in output
