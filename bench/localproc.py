"""Helpers shared by the benchmarks and the process-level tests: a free loopback port and
a bounded stop of a child process."""

from __future__ import annotations

import socket
import subprocess

HOST = "127.0.0.1"


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
