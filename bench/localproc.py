"""Helpers shared by the benchmarks and the process-level tests: a free loopback port, a
bounded stop of a child process and a fresh account on a local simulator."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port free on loopback right now (the OS picks it; never another address)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, timeout: float = 10.0) -> int | None:
    """SIGTERM, wait up to `timeout`, then SIGKILL: a child never outlives its caller."""
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=timeout)


def migrate(env: dict, timeout: float = 120.0, quiet: bool = False) -> None:
    """`manage.py migrate` on the database `env` names, as `make run` does before runbot.
    `quiet` keeps its output out of a benchmark's table (errors still reach the exception)."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
    )


def new_sim_account(api: str) -> dict:
    """A fresh account on the simulator at `api` (POST /sim/accounts): its token and keys."""
    return httpx.post(
        f"{api}/sim/accounts",
        content=b"{}",
        timeout=5,
        headers={"Content-Type": "application/json"},
    ).json()
