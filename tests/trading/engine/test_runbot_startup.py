"""First start and configuration, as a trader meets them, with `runbot` as a real process:
.env changes after the first start are applied and said; a live start (live mode pointed at
the test's simulator on loopback) sees none of the simulator's history or state; a stored
bad symbol holds back its bot while the dashboard and admin serve, and the bot starts once
the row is fixed; every status line and the stop result reach the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from bench.localproc import free_port
from tests.trading.engine.conftest import migrate, wait_until
from tests.trading.engine.test_runbot_process import start_runbot, wait_exit

ROOT = Path(__file__).resolve().parents[3]


def query(db: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def sql_time(moment: dt.datetime) -> str:
    """As Django stores an aware datetime in SQLite: UTC, no offset."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def bot_row(db: Path) -> tuple:
    return query(
        db,
        "select symbol, spread_bps, run_state, state_reason from trading_botconfig "
        "where name = 'default'",
    )[0]


async def run_to_end(env: dict, *args: str, timeout: float = 60) -> tuple[int | None, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "runbot",
        *args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    async with asyncio.timeout(timeout):
        output, _ = await process.communicate()
    return process.returncode, output.decode()


def live_env(world, data_dir: dict) -> dict:
    """Live mode pointed at the test's simulator on loopback, in the same DATA_DIR."""
    return {**data_dir["env"], "STANDX_MODE": "live"}


async def test_env_changes_after_the_first_start_are_applied_and_said(world, data_dir):
    env = data_dir["env"]
    code, first = await run_to_end(env, "--no-sim", "--engine-only", "--duration", "1")
    assert code == 0, first
    assert "changed in .env" not in first
    query(data_dir["db"], "update trading_botconfig set requote_threshold_bps = 4")  # by hand

    changed = {**env, "SPREAD_BPS": "6"}
    code, second = await run_to_end(changed, "--no-sim", "--engine-only", "--duration", "1")
    assert code == 0, second
    assert "bot default: SPREAD_BPS changed in .env 5 -> 6: applied" in second
    # The banner says what is in force: .env's new spread, the threshold set by hand.
    assert "strategy: spread — 6 bps each side of the mid, requote beyond 4 bps" in second
    assert "quoting BTC-USD: bid 30 USD, ask 30 USD, at most 300 USD exposure" in second
    assert bot_row(data_dir["db"])[1] == 6


async def test_a_live_start_shows_none_of_the_simulators_history(world, data_dir, tmp_path):
    sim_env = {k: v for k, v in data_dir["env"].items() if not k.startswith("STANDX_")}
    code, output = await run_to_end(sim_env, "--engine-only", "--duration", "1")  # bundled sim
    assert code == 0, output
    sim_db = tmp_path / "db.sqlite3"
    # What a week on the simulator leaves behind: history, a kill, settings changed by hand.
    old_hour = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).replace(
        minute=0, second=0, microsecond=0
    )
    query(
        sim_db,
        "insert into trading_uptimehour (bot, hour, symbol, two_sided_seconds, "
        "in_band_seconds, bid_seconds, ask_seconds, bid_dark_ms, ask_dark_ms, "
        "running_seconds, counted_usd_seconds, requotes, fills, updated_at) values "
        "('default', ?, 'ETH-USD', 3000, 2900, 3000, 3000, 0, 0, 3600, 0, 10, 0, ?)",
        sql_time(old_hour),
        sql_time(old_hour),
    )
    query(
        sim_db,
        "update trading_botconfig set run_state = 'killed', state_reason = 'sim kill', "
        "spread_bps = 20, symbol = 'ETH-USD'",
    )

    env = live_env(world, data_dir)
    migrate(env)
    live_started = sql_time(dt.datetime.now(dt.UTC))
    worker = await start_runbot({**data_dir, "env": env}, "--duration", "30")
    try:  # not killed, on .env's symbol and spread: it quotes at once
        await wait_until(world.two_sided, timeout=20, what="the live bot quoting")
    finally:
        worker.send_signal(signal.SIGTERM)
    assert await wait_exit(worker) == 0
    output = data_dir["log"].read_text()
    assert "mode: live" in output and "symbol: BTC-USD" in output
    assert "strategy: spread — 5 bps" in output

    live_db = tmp_path / "live.sqlite3"
    assert bot_row(live_db)[:3] == ("BTC-USD", 5, "running")
    assert query(live_db, "select count(*) from trading_uptimehour where symbol = 'ETH-USD'") == [
        (0,)
    ]
    assert query(live_db, "select count(*) from trading_orderevent where at < ?", live_started) == [
        (0,)
    ]
    # The simulator's own database keeps its history for the next sim run.
    assert bot_row(sim_db)[:3] == ("ETH-USD", 20, "killed")


async def test_one_database_for_both_modes_is_refused_changing_nothing(world, data_dir):
    env = data_dir["env"]
    code, output = await run_to_end(env, "--no-sim", "--engine-only", "--duration", "1")
    assert code == 0, output
    shared = {**live_env(world, data_dir), "SQLITE_PATH": str(data_dir["db"])}
    code, output = await run_to_end(shared, "--engine-only", "--duration", "1")
    assert code == 1
    assert "bot 'default' in this database last ran in sim mode, and this is live mode" in output
    assert "Traceback" not in output
    assert not world.ours()


async def test_a_bad_stored_symbol_holds_back_its_bot_while_the_dashboard_serves(world, data_dir):
    env = {**data_dir["env"], "WEB_PORT": str(free_port())}
    code, output = await run_to_end(env, "--no-sim", "--engine-only", "--duration", "1")
    assert code == 0, output
    # A row from an older version, which wrote an unchecked SYMBOL to it.
    query(data_dir["db"], "update trading_botconfig set symbol = 'DOGE-USD'")
    with open(data_dir["log"], "ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "manage.py",
            "runbot",
            "--no-sim",
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        await wait_until(
            lambda: "dashboard: http" in data_dir["log"].read_text(),
            timeout=30,
            what="the dashboard served",
        )
        output = data_dir["log"].read_text()
        assert "bot default not started: its symbol 'DOGE-USD' is not one this bot knows" in output
        assert "Traceback" not in output
        async with httpx.AsyncClient(timeout=5) as client:
            for path in ("/accounts/login/", "/admin/login/"):
                response = await client.get(f"http://127.0.0.1:{env['WEB_PORT']}{path}")
                assert response.status_code == 200, path
        assert bot_row(data_dir["db"])[3].startswith("not started: its symbol 'DOGE-USD'")

        query(  # fixed in admin: the row changes, and runbot starts the bot
            data_dir["db"],
            "update trading_botconfig set symbol = 'BTC-USD', updated_at = ?",
            sql_time(dt.datetime.now(dt.UTC)),
        )
        await wait_until(world.two_sided, timeout=30, what="the fixed bot quoting")
        assert bot_row(data_dir["db"])[3] == ""
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0, data_dir["log"].read_text()[-2000:]
    assert not world.ours()


async def test_the_terminal_shows_status_lines_the_stop_result_and_the_bot_in_log_lines(
    world, data_dir
):
    env = {**data_dir["env"], "STATUS_LINE_SECONDS": "1", "LOG_LEVEL": "info"}
    code, output = await run_to_end(env, "--no-sim", "--engine-only", "--duration", "4")
    assert code == 0, output
    status = [line for line in output.splitlines() if line.startswith("[default] running")]
    assert status, output
    assert "BTC-USD bid " in status[-1] and " bps) / ask " in status[-1]
    assert "vs mark 66000" in status[-1] and "position 0" in status[-1]
    assert "min this hour" in status[-1]
    assert "bot default stopped: canceled 2 order(s), verified none left" in output
    assert "INFO trading.engine.engine [default]: engine default started" in output


def startup_failure(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "mmsite.settings", **overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "runbot", "--duration", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_paragraph(result: subprocess.CompletedProcess, code: int, *expected: str):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) <= 3, result.stderr
    for text in expected:
        assert text in result.stderr


def test_a_busy_web_port_is_one_paragraph_naming_it(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mmsite.settings"}
    migrate({**os.environ, **env})
    with contextlib.closing(__import__("socket").socket()) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = startup_failure(**env, WEB_PORT=str(port))
    assert_one_paragraph(
        result,
        1,
        f"CommandError: WEB_PORT {port} on 127.0.0.1 is already in use",
        "set WEB_PORT to a free port in .env",
    )
    assert "mode:" not in result.stdout  # nothing started before the port was known free


def test_a_busy_simulator_port_is_one_paragraph_naming_it(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mmsite.settings"}
    migrate({**os.environ, **env})
    with contextlib.closing(__import__("socket").socket()) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = startup_failure(**env, SIM_PORT=str(port), WEB_PORT=str(free_port()))
    assert_one_paragraph(
        result, 1, f"the bundled simulator cannot listen on 127.0.0.1:{port}", "SIM_PORT=0"
    )


def test_settings_a_user_can_get_wrong_are_one_paragraph(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    assert_one_paragraph(
        startup_failure(DATA_DIR=str(tmp_path), SPREAD_BPS="abc"),
        2,
        "cannot start: SPREAD_BPS='abc' is not valid: expected a decimal number",
    )
    assert_one_paragraph(
        startup_failure(DATA_DIR=str(not_a_dir)), 2, f"DATA_DIR {not_a_dir} is not a directory"
    )
    assert_one_paragraph(
        startup_failure(DATA_DIR=str(tmp_path), SYMBOL="DOGE-USD"),
        2,
        "SYMBOL='DOGE-USD' is not valid: expected one of BTC-USD, ETH-USD, XAU-USD, XAG-USD",
    )
    assert_one_paragraph(
        startup_failure(DATA_DIR=str(tmp_path), DATABASE_URL="postgres://bot@127.0.0.1/"),
        2,
        "DATABASE_URL is not valid",
    )
    unreachable = startup_failure(
        DATA_DIR=str(tmp_path), DATABASE_URL="postgres://bot:pw-S3CRET@127.0.0.1:1/mm"
    )
    assert_one_paragraph(unreachable, 1, "cannot open the database mm@127.0.0.1")
    assert "pw-S3CRET" not in unreachable.stderr
    assert_one_paragraph(
        startup_failure(DATA_DIR=str(tmp_path)),
        1,
        "the database is not migrated",
        "run `python manage.py migrate`",
    )


def test_an_unreachable_redis_is_one_paragraph_without_its_password(tmp_path):
    env = {"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mmsite.settings"}
    migrate({**os.environ, **env})
    result = startup_failure(
        **env, CHANNEL_LAYER="redis", REDIS_URL="redis://bot:pw-S3CRET@127.0.0.1:1/0"
    )
    assert_one_paragraph(result, 1, "cannot reach Redis at 127.0.0.1:1", "set CHANNEL_LAYER=memory")
    assert "pw-S3CRET" not in result.stderr
