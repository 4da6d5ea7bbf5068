"""A dead bot must look dead: the split deployment (a web tier, and `runbot --engine-only`
sharing Redis and the SQLite file), the engine SIGKILLed while the pages stay open.

The web tier lives on, so the page's socket stays open and simply receives nothing more: the
bot page and the overview must dim, count the age of their last update upwards and say in a
banner that the bot process may have stopped, instead of showing RUNNING "0.0s ago".
"""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys

import httpx
import pytest
from playwright.sync_api import expect

from bench.localproc import stop_process
from bench.services import missing_binary, start_redis
from tests.e2e.conftest import REPO, Manage, free_port, wait_until


@pytest.fixture
def split(tmp_path):
    if missing_binary() == "redis-server":
        pytest.skip("redis-server not installed")
    with contextlib.ExitStack() as cleanup:  # each step undone even when a later one fails
        redis = start_redis(tmp_path)
        cleanup.callback(redis.stop)
        port = free_port()
        env = {
            "CHANNEL_LAYER": "redis",
            "REDIS_URL": redis.url,
            "REDIS_PREFIX": f"stale{port}",
            "WEB_PORT": str(port),
        }
        engine = Manage(tmp_path, env=env)
        engine.run("migrate", "--noinput")
        engine.start("runbot", "--engine-only")
        cleanup.callback(engine.stop)
        engine.wait_for(r"engine default started", timeout=60)
        with open(tmp_path / "web.log", "ab") as log:
            web = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "mmsite.asgi:application"]
                + ["--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"],
                cwd=REPO,
                env=engine.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        cleanup.callback(stop_process, web)
        link = subprocess.run(
            [sys.executable, "manage.py", "loginlink", "--url", f"http://127.0.0.1:{port}/"],
            cwd=REPO,
            env=engine.env,
            check=True,
            timeout=60,
            capture_output=True,
            text=True,
        ).stdout.strip()
        yield engine, link


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def seconds(text: str) -> float:
    """The page's compact age ('3.2s ago', '12s', '1m 05s') in seconds."""
    match = re.match(r"(?:(\d+)m )?([\d.]+)s", text.strip())
    assert match, text
    return int(match.group(1) or 0) * 60 + float(match.group(2))


def test_a_killed_engine_makes_the_pages_stale(browser, split):
    engine, link = split
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = link.split("/accounts/")[0]
    wait_until(lambda: answers(base + "/accounts/login/"), timeout=30, what="the web tier")
    page.goto(link)
    page.goto(base + "/bots/default/")
    overview = context.new_page()
    overview.goto(base + "/bots/")

    state = page.locator("#panel-status .state")
    expect(state).to_have_attribute("data-state", "running", timeout=20000)
    expect(page.locator("#panel-orders .count")).to_have_attribute("data-count", "2", timeout=20000)
    expect(overview.locator('#bot-row-default [data-field="state"]')).to_have_attribute(
        "data-state", "running", timeout=20000
    )
    # Alive: fresh, not dimmed, no banner.
    expect(page.locator("#stale-banner")).to_be_hidden()
    expect(page.locator("#live")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(overview.locator("#bot-row-default")).not_to_have_class(re.compile(r"\bstale\b"))

    engine.proc.send_signal(signal.SIGKILL)  # no goodbye: the process is simply gone
    engine.proc.wait(15)

    banner = page.locator("#stale-banner")
    expect(banner).to_be_visible(timeout=15000)
    expect(banner).to_contain_text("the bot process may have stopped")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bstale\b"))
    dimmed = page.evaluate("getComputedStyle(document.querySelector('#panel-orders')).opacity")
    assert float(dimmed) < 1
    # The server is up, so the socket is too: it says no updates come, not "disconnected".
    expect(page.locator("#conn")).to_have_attribute("data-state", "quiet", timeout=10000)
    # The age counts up on its own, past the stale limit and on from there.
    age = page.locator('#panel-status [data-field="age"]')
    first = wait_until(lambda: (s := seconds(age.text_content())) > 5 and s, what="age > 5 s")
    wait_until(lambda: seconds(age.text_content()) >= first + 2, what="the age counting up")

    expect(overview.locator("#bot-row-default")).to_have_class(re.compile(r"\bstale\b"))
    expect(overview.locator("#stale-banner")).to_be_visible()
    expect(overview.locator("#stale-banner")).to_contain_text("No update from default")
    row_age = overview.locator('#bot-row-default [data-field="age"]')
    assert seconds(row_age.text_content()) > 5

    # A reload asks the server: the snapshot has expired, so it says no engine is connected.
    page.reload()
    expect(state).to_have_attribute("data-state", "no engine connected", timeout=15000)
    context.close()


@pytest.fixture
def runbot(tmp_path):
    bot = Manage(tmp_path, env={"WEB_PORT": str(free_port())})
    bot.run("migrate", "--noinput")
    bot.start("runbot")  # the newcomer's path: engine and web server in one process
    yield bot
    bot.stop()


def test_a_stopped_runbot_leaves_a_stale_page(page, runbot):
    """The issue's case: 10 s after runbot stopped the page said RUNNING, "0.0s ago"."""
    page.goto(runbot.wait_for(r"dashboard: (http://\S+/accounts/link/\S+)", timeout=60).group(1))
    expect(page.locator("#panel-status .state")).to_have_attribute(
        "data-state", "running", timeout=20000
    )
    expect(page.locator("#stale-banner")).to_be_hidden()

    assert runbot.stop() == 0
    banner = page.locator("#stale-banner")
    expect(banner).to_be_visible(timeout=15000)
    expect(banner).to_contain_text("the bot process may have stopped")
    expect(banner).to_contain_text("the connection to this server is down too")
    expect(page.locator("#live")).to_have_class(re.compile(r"\bstale\b"))
    age = page.locator('#panel-status [data-field="age"]')
    wait_until(lambda: seconds(age.text_content()) > 8, what="the age counting past 8 s")
