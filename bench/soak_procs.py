"""Processes of the soak: `manage.py runsim` and `manage.py runbot --no-sim`, each in its own
process group (so a kill reaches anything it spawned) with its output in a log file (a pipe
nobody reads would block it). Every wait is bounded; `ProcSet.close()` kills what is left.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench import localproc
from bench.localproc import free_port  # noqa: F401  (re-exported to its users)

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        with open(log_path, "ab") as log:  # the child keeps its own copy
            self.popen = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM (a clean stop: runbot cancels our orders), SIGKILL after `timeout`."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode

    def kill(self) -> None:
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(10)


class ProcSet:
    """Every process the soak started; closed on any exit path, including atexit."""

    def __init__(self):
        self.procs: list[Proc] = []
        atexit.register(self.close)

    def start(self, name: str, argv: list[str], env: dict, log_path: Path) -> Proc:
        proc = Proc(name, argv, env, log_path)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.alive():
                proc.kill()


def base_env(data_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STANDX_", "SQLITE_", "API_TOKEN", "WEB_", "SIM_"))
    }
    env.update(
        {
            "DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
            "PYTHONUNBUFFERED": "1",
            "STANDX_MODE": "sim",
        }
    )
    return env


def migrate(env: dict) -> None:
    localproc.migrate(env, timeout=180, quiet=True)


def sim_argv(port: int, seed: int, state_file: Path, extra: tuple[str, ...]) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "runsim",
        "--port",
        str(port),
        "--seed",
        str(seed),
        "--state-file",
        str(state_file),
        *extra,
    ]


def bot_argv() -> list[str]:
    return [sys.executable, "manage.py", "runbot", "--no-sim"]


def wait_http(url: str, proc: Proc, timeout: float, headers: dict | None = None) -> float:
    """Poll `url` until it answers 200; returns the seconds waited. Raises when the process
    died or the time is up."""
    started = time.monotonic()
    while True:
        try:
            if httpx.get(url, headers=headers, timeout=1.0).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        if not proc.alive():
            raise RuntimeError(
                f"{proc.name} exited (code {proc.popen.returncode}); see {proc.log_path}"
            )
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{proc.name} did not answer {url} within {timeout:.0f}s")
        time.sleep(0.2)


def create_account(api_base: str) -> dict:
    r = httpx.post(f"{api_base}/sim/accounts", json={}, timeout=5.0)
    r.raise_for_status()
    return r.json()


def uptime_rows(db_path: Path, bot: str = "default") -> dict[str, float]:
    """UptimeHour rows straight from the SQLite file (hour -> two-sided seconds), read-only
    so the soak can never change what it measures."""
    uri = f"file:{db_path}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=10) as db:
        rows = db.execute(
            "SELECT hour, two_sided_seconds FROM trading_uptimehour WHERE bot = ?", (bot,)
        ).fetchall()
    return {str(hour): float(seconds) for hour, seconds in rows}


def events_like(
    db_path: Path, pattern: str, since: float, bot: str = "default"
) -> list[tuple[float, str]]:
    """The bot's event log (OrderEvent rows) since `since` whose message matches the SQL
    LIKE `pattern`: (unix time, message), oldest first; read-only, like uptime_rows."""
    uri = f"file:{db_path}?mode=ro"
    with sqlite3.connect(uri, uri=True, timeout=10) as db:
        rows = db.execute(
            "SELECT at, message FROM trading_orderevent WHERE bot = ? AND "
            "message LIKE ? ORDER BY at, id",
            (bot, pattern),
        ).fetchall()
    times = [
        (dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).timestamp(), text)
        for at, text in rows
    ]
    return [(at, text) for at, text in times if at >= since]


def count_tracebacks(log_path: Path) -> tuple[int, list[str]]:
    """Tracebacks and 'unhandled' lines in a log, with the exception line of each."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    hits, samples = 0, []
    for i, line in enumerate(lines):
        if "Traceback (most recent call last)" in line or "unhandled" in line.lower():
            hits += 1
            samples.append(_exception_line(lines, i))
    return hits, samples


def _exception_line(lines: list[str], start: int) -> str:
    """The 'SomeError: message' line that ends a traceback (or the line itself)."""
    for line in lines[start + 1 : start + 80]:
        if line and not line.startswith((" ", "Traceback", "During handling", "The above")):
            return line[:200]
    return lines[start][:200]
