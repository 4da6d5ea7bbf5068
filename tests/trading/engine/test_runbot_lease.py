"""`runbot --engine-only` holds a lease on its bot: a second worker waits (bounded) while the
first quotes; a worker whose lease was taken stops without touching the new holder's orders;
a clean stop releases the lease. Also: the bot's account comes from BOT_ACCOUNTS."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.trading.engine.conftest import migrate, wait_until
from tests.trading.engine.test_runbot_process import ROOT, start_runbot, wait_exit


def lease_row(db) -> tuple | None:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "select holder, generation from trading_botlease where bot = 'default'"
        ).fetchone()


@pytest.mark.django_db(transaction=True)
async def test_second_worker_waits_bounded_then_gives_up(world, data_dir):
    first = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="quotes from the first worker")
        data_dir["env"]["LEASE_WAIT_SECONDS"] = "1.5"
        second = await start_runbot(data_dir)
        assert await wait_exit(second) != 0
        log = data_dir["log"].read_text()
        assert "bot default is held by" in log and "waiting up to 2s for its lease" in log
        assert "still held by another worker after waiting 2s" in log
        assert first.returncode is None and world.two_sided()  # the holder never noticed
    finally:
        first.send_signal(signal.SIGTERM)
    assert await wait_exit(first) == 0
    assert world.ours() == []
    assert lease_row(data_dir["db"]) == ("", 1)  # released on the clean stop


@pytest.mark.django_db(transaction=True)
async def test_worker_whose_lease_was_taken_leaves_the_orders_alone(world, data_dir):
    data_dir["env"]["LEASE_TTL_SECONDS"] = "3"  # renewals every second
    worker = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="quotes")
        with sqlite3.connect(data_dir["db"]) as conn:  # another worker "took over"
            conn.execute(
                "update trading_botlease set holder = 'new-holder', "
                "generation = generation + 1 where bot = 'default'"
            )
        assert await wait_exit(worker, timeout=15) != 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await wait_exit(worker)
    log = data_dir["log"].read_text()
    assert "taken by another worker" in log
    assert world.ours(), "the new holder's orders are not canceled by the old worker"
    assert lease_row(data_dir["db"])[0] == "new-holder"


def test_live_bot_on_an_account_without_credentials_is_refused(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANDX_")}
    key = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    env.update(
        {
            "DATA_DIR": str(tmp_path),
            "STANDX_MODE": "live",
            "STANDX_ACCOUNTS": "main",
            "STANDX_MAIN_JWT_TOKEN": "jwt-SECRET",
            "STANDX_MAIN_ED25519_PRIVATE_KEY": key,
            "BOT_ACCOUNTS": "eth:main",
            "STANDX_API_BASE": "http://127.0.0.1:9",
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
        }
    )
    migrate(env)
    result = subprocess.run(
        [sys.executable, "manage.py", "runbot", "--engine-only", "--duration", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert (
        "bot 'default' trades on account 'default', which has no credentials: set "
        "STANDX_JWT_TOKEN and STANDX_ED25519_PRIVATE_KEY"
    ) in result.stderr
    assert "jwt-SECRET" not in result.stdout + result.stderr and key not in result.stderr


@pytest.mark.django_db(transaction=True)
async def test_bot_trades_with_the_credentials_of_its_account(world, data_dir):
    env = data_dir["env"]
    env.update(
        {
            "STANDX_ACCOUNTS": "main",
            "BOT_ACCOUNTS": "default:main",
            "STANDX_MAIN_JWT_TOKEN": env.pop("STANDX_JWT_TOKEN"),
            "STANDX_MAIN_ED25519_PRIVATE_KEY": env.pop("STANDX_ED25519_PRIVATE_KEY"),
        }
    )
    worker = await start_runbot(data_dir, "--duration", "6")
    await wait_until(world.two_sided, timeout=20, what="quotes with account main's keys")
    assert await wait_exit(worker) == 0, data_dir["log"].read_text()[-3000:]
    assert "(new account)" not in data_dir["log"].read_text()
    assert world.ours() == []
