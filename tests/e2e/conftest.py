"""Real-browser tests: Debian's chromium driven by Playwright, against real servers.

No browser is ever downloaded. Without /usr/bin/chromium the tests skip, unless
REQUIRE_BROWSER=1 (CI that must run them), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.localproc import free_port, new_sim_account

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 15, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout}s")


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 960})
    page = context.new_page()
    yield page
    context.close()


class Manage:
    """`manage.py <command>` in a subprocess with its own DATA_DIR; output kept for asserts."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        self.data_dir = data_dir
        self.env = {**os.environ, "DATA_DIR": str(data_dir), "LOG_LEVEL": "info", **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / "runbot.log"

    def run(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            check=True,
            timeout=120,
            capture_output=True,
        )

    def start(self, *args: str) -> None:
        with open(self.log, "a") as out:  # the child keeps its own copy
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def wait_for(self, pattern: str, timeout: float = 30, start: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.compile(pattern).search(self.output(), start)
            if match:
                return match
            if self.proc and self.proc.poll() is not None:
                raise AssertionError(f"process exited ({self.proc.returncode}):\n{self.output()}")
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not seen within {timeout}s:\n{self.output()}")

    def stop(self, timeout: float = 40) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)  # runbot stops cleanly (cancels orders)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(5)


# Two bots in one runbot: "default" quotes BTC-USD, "eth" ETH-USD.
TWO_BOTS = """
from trading.models import BotConfig
BotConfig.load("default")
eth = BotConfig.load("eth")
eth.symbol = "ETH-USD"
eth.save()
"""


def start_two_bots(data_dir: Path, env: dict) -> Manage:
    """`runbot` (bundled simulator, no --bot: every configured bot) with TWO_BOTS stored."""
    bot = Manage(data_dir, env=env)
    bot.run("migrate", "--noinput")
    bot.run("shell", "-c", TWO_BOTS)
    bot.start("runbot")
    return bot


@pytest.fixture
def simulator(tmp_path):
    """`runsim` on a free port and a fresh account on it: its URLs, token and keys."""
    sim = Manage(tmp_path / "sim")
    sim.data_dir.mkdir()
    sim.start("runsim", "--port", str(free_port()))
    match = sim.wait_for(r"StandX simulator on (http://\S+) \(ws: (ws://\S+), (ws://\S+)\)")
    api, stream, ws_api = match.groups()
    yield {"api": api, "stream": stream, "ws_api": ws_api, **new_sim_account(api)}
    sim.stop()


def sim_bot_env(simulator: dict, web_port: int) -> dict:
    """The env of a `runbot --no-sim` trading on the `simulator` fixture's account."""
    return {
        "WEB_PORT": str(web_port),
        "REFRESH_INTERVAL": "0.2",
        "STANDX_MODE": "sim",
        "STANDX_API_BASE": simulator["api"],
        "STANDX_WS_URL": simulator["stream"],
        "STANDX_WS_API_URL": simulator["ws_api"],
        "STANDX_JWT_TOKEN": simulator["token"],
        "STANDX_ED25519_PRIVATE_KEY": simulator["ed25519_private_key"],
    }
