"""Two bots in one `runbot` (bundled simulator), watched and steered from the overview.

"default" quotes BTC-USD and "eth" ETH-USD. Stopping eth from its row stops eth only:
default keeps running and quoting. eth's own page, reached from its link, shows its panels.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, free_port, start_two_bots, wait_until

SCREENSHOTS = REPO / "test-artifacts"  # ignored by git: for a look, not for asserts


@pytest.fixture
def runbot(tmp_path):
    bot = start_two_bots(tmp_path, {"WEB_PORT": str(free_port()), "REFRESH_INTERVAL": "0.2"})
    yield bot
    bot.stop()


def price(page, bot: str, field: str) -> str:
    text = page.locator(f'#bot-row-{bot} [data-field="{field}"]').text_content(timeout=2000) or ""
    return text.strip().strip("–")


def state(page, bot: str):
    return page.locator(f'#bot-row-{bot} [data-field="state"]')


def test_two_bots_on_the_overview(page, runbot):
    page.goto(runbot.wait_for(r"dashboard: (http://\S+/accounts/link/\S+)", timeout=60).group(1))

    # Two bots: the link lands on the overview, and both rows come alive over the socket.
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10000)
    for bot in ("default", "eth"):
        expect(state(page, bot)).to_have_attribute("data-state", "running", timeout=20000)
        wait_until(
            lambda bot=bot: price(page, bot, "bid") and price(page, bot, "ask"),
            timeout=20,
            what=f"{bot}'s bid and ask",
        )
    expect(page.locator("#bot-row-eth")).to_contain_text("ETH-USD")
    expect(page.locator('#bot-row-default [data-field="orders"]')).to_have_text("2", timeout=10000)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)

    # Stop eth from its row: eth stops and pulls its orders, default goes on quoting.
    page.locator("#bot-row-eth button.btn-stop").click()
    expect(page.locator("#flash")).to_contain_text("eth stop: sent to the engine")
    expect(state(page, "eth")).to_have_attribute("data-state", "stopped", timeout=15000)
    expect(page.locator('#bot-row-eth [data-field="orders"]')).to_have_text("0", timeout=15000)
    page.wait_for_timeout(2000)  # a few more frames after the stop
    expect(state(page, "default")).to_have_attribute("data-state", "running")
    expect(page.locator('#bot-row-default [data-field="orders"]')).to_have_text("2")
    assert price(page, "default", "bid") and price(page, "default", "ask")
    age = page.locator('#bot-row-default [data-field="age"]').text_content()
    assert age.endswith("s") and float(age.rstrip("s")) < 3, age  # still reporting

    # eth's own page, from its link: its panels, live, stopped.
    page.click('#bot-row-eth a[href="/bots/eth/"]')
    page.wait_for_url("**/bots/eth/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10000)
    expect(page.locator("#panel-status .state")).to_have_attribute(
        "data-state", "stopped", timeout=10000
    )
    expect(page.locator("#panel-market h2")).to_contain_text("ETH-USD")
    wait_until(
        lambda: page.locator('#panel-market [data-field="mid"]').text_content().strip().strip("–"),
        what="eth's mid price",
    )
    expect(page.locator("#panel-orders .count")).to_have_attribute("data-count", "0")
    expect(page.locator('nav.switcher a[href="/bots/default/"]')).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "bot-page-eth.png"), full_page=True)
