"""The web tier as a real process: uvicorn serving mmsite.asgi on a free loopback port, with
its own DATA_DIR (a migrated SQLite file), for what the in-process test client cannot show
(a locked database file, per-request threads and connections)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.localproc import HOST, free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WebServer:
    url: str
    db: Path
    process: subprocess.Popen


def server_env(data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    env.update({"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "mmsite.settings",
                "LOG_LEVEL": "warning", **extra})
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   timeout=120, capture_output=True)


def start_web(data_dir: Path, **extra: str) -> WebServer:
    """Migrate, then serve; returns once the server answers (bounded)."""
    env = server_env(data_dir, **extra)
    manage(env, "migrate", "--noinput", "-v", "0")
    port = free_port()
    log = open(data_dir / "web.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mmsite.asgi:application", "--host", HOST,
         "--port", str(port), "--lifespan", "off", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("uvicorn exited:\n" + (data_dir / "web.log").read_text())
        try:
            httpx.get(url + "/accounts/login/", timeout=2)
            return WebServer(url, data_dir / "db.sqlite3", process)
        except httpx.TransportError:
            time.sleep(0.1)
    stop_process(process)
    raise TimeoutError("uvicorn did not answer within 30 s")
