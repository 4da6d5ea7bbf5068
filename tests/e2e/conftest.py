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

from bench.localproc import free_port  # noqa: F401  (re-exported to its users)

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
