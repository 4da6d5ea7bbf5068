"""The page survives a server restart: the indicator shows the outage, then live again,
and the panels resume updating without a reload (htmx's ws extension reconnects)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Manage, free_port, wait_until


@pytest.fixture
def bot(tmp_path):
    bot = Manage(tmp_path, env={"WEB_PORT": str(free_port())})
    bot.run("migrate", "--noinput")
    yield bot
    bot.stop()


def test_page_reconnects_after_runbot_restarts(page, bot):
    bot.start("runbot")  # bundled simulator: the newcomer's path
    page.goto(bot.wait_for(r"dashboard: (http://\S+/accounts/link/\S+)").group(1))
    conn = page.locator("#conn")
    expect(conn).to_have_attribute("data-state", "live", timeout=10000)

    assert bot.stop() == 0
    expect(conn).to_have_attribute("data-state", "reconnecting", timeout=10000)
    assert "reconnecting" in page.evaluate(
        "getComputedStyle(document.getElementById('conn'), '::after').content"
    )

    seen = len(bot.output())
    bot.start("runbot")  # same DATA_DIR: the session survives
    bot.wait_for(r"dashboard: ", start=seen)
    expect(conn).to_have_attribute("data-state", "live", timeout=40000)
    expect(page.locator("#panel-status .state")).to_have_attribute(
        "data-state", "running", timeout=15000
    )
    mid = page.locator('#panel-market [data-field="mid"]')
    first = wait_until(lambda: mid.text_content().strip().strip("–"), what="a mid price")
    wait_until(
        lambda: mid.text_content().strip() not in (first, "–"), what="updates after reconnecting"
    )
