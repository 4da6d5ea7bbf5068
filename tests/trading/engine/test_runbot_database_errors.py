"""`runbot` on a database it can read but not write stops at once, naming the file and
SQLite's own words, with a non-zero exit: not a minute of "database unavailable" and then a
lease "still held by another worker". The case: a read-only DATA_DIR whose -wal and -shm
files (left by a process that still has the database open) are read-only too."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from tests.trading.engine.test_runbot_process import ROOT

# Root writes any file whatever its mode: drop the capability that allows it (for the
# child only), so the modes apply as they would to the operator's own user.
AS_PLAIN_USER = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
)


@pytest.fixture
def read_only_data_dir(tmp_path):
    if AS_PLAIN_USER and shutil.which("setpriv") is None:
        pytest.fail("running as root needs setpriv (util-linux) to make a file read-only")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    env.update(
        {
            "DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
            "LOG_LEVEL": "warning",
        }
    )
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["shell", "-c", "from trading.models import BotConfig; BotConfig.load('default')"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
    db = tmp_path / "db.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as holder:  # keeps -wal and -shm
        holder.execute("update trading_botconfig set symbol = symbol")
        holder.commit()
        for side in ("-wal", "-shm"):
            (tmp_path / f"db.sqlite3{side}").chmod(0o400)
        tmp_path.chmod(0o500)
        try:
            yield {"env": env, "db": db}
        finally:
            tmp_path.chmod(0o700)


def test_read_only_database_fails_at_once_with_the_real_error(read_only_data_dir):
    result = subprocess.run(
        [*AS_PLAIN_USER, sys.executable, "manage.py", "runbot", "--engine-only", "--duration", "1"],
        cwd=ROOT,
        env=read_only_data_dir["env"],
        capture_output=True,
        text=True,
        timeout=40,
    )  # LEASE_WAIT_SECONDS (60) would run past this bound
    assert result.returncode != 0
    assert (
        f"cannot write to the database {read_only_data_dir['db']}: attempt to write a "
        "readonly database"
    ) in result.stderr, result.stderr[-2000:]
    assert "another runbot" not in result.stderr and "Traceback" not in result.stderr
