"""`manage.py runbot` in its own process on its bundled simulator, for tests that need the
whole process (its web tier, its simulator, its database) as a trader runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.localproc import free_port

ROOT = Path(__file__).resolve().parents[3]


def bundled_env(data_dir: Path, **settings: str) -> dict:
    """This environment without another exchange, database or port, plus DATA_DIR, free
    ports for the web tier and the simulator (WEB_PORT, SIM_PORT) and `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STANDX_", "SQLITE_", "DATABASE_", "SIM_", "WEB_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="mmsite.settings",
        DATA_DIR=str(data_dir),
        SIM_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        LOG_LEVEL="warning",
        **settings,
    )
    return env


def start_runbot(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "manage.py", "runbot"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
