"""What farming costs, on the real page: `runsim` and `runbot --no-sim` on a fresh account,
Debian's chromium. The test drives the simulator's mid through our bid (POST /sim/market):
the fills panel shows the fill live (maker, the exchange's fee, later its markout), the
position panel the long position and the balance, both from the simulator's own ledger.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from dashboard.templatetags.dash import usd
from tests.e2e.conftest import REPO, Manage, free_port, sim_bot_env, wait_until

SCREENSHOT = (
    REPO
    / ("docs" if os.environ.get("UPDATE_SCREENSHOT") == "1" else "test-artifacts")
    / "fills.png"
)


@pytest.fixture
def runbot(tmp_path, simulator):
    bot = Manage(tmp_path / "bot", env=sim_bot_env(simulator, free_port()))
    bot.data_dir.mkdir()
    bot.run("migrate", "--noinput")
    bot.start("runbot", "--no-sim")
    yield bot
    bot.stop()


def exchange_get(simulator: dict, path: str) -> Any:
    headers = {"Authorization": f"Bearer {simulator['token']}"}
    return httpx.get(f"{simulator['api']}{path}", timeout=5, headers=headers).json()


def our_bid(simulator: dict) -> Decimal | None:
    orders = exchange_get(simulator, "/api/query_open_orders?symbol=BTC-USD")["result"]
    bids = [Decimal(o["price"]) for o in orders if o["side"] == "buy"]
    return max(bids) if bids else None


def script_market(simulator: dict, **body) -> None:
    reply = httpx.post(f"{simulator['api']}/sim/market", json={"symbol": "BTC-USD", **body})
    assert reply.status_code == 200, reply.text


def test_fills_panel_updates_when_the_simulator_fills_our_bid(page, runbot, simulator):
    page.goto(runbot.wait_for(r"dashboard: (http://\S+/accounts/link/\S+)", timeout=60).group(1))
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10000)
    fills = page.locator("#panel-fills")
    expect(fills).to_contain_text("No fills yet.", timeout=20000)
    expect(page.locator("#panel-account")).to_contain_text(
        "No open position on the account.", timeout=20000
    )

    script_market(simulator, frozen=True, volatility_bps=0)  # no fill but ours
    bid = wait_until(lambda: our_bid(simulator), what="our bid resting on the simulator")
    script_market(simulator, mid=str(bid - 5))  # the mid trades through our bid

    [trade] = wait_until(lambda: exchange_get(simulator, "/api/query_trades")["result"])
    row = fills.locator(f'tr[data-trade="{trade["id"]}"]')
    expect(row).to_be_visible(timeout=10000)
    expect(fills.locator('[data-field="fills-this-hour"]')).to_have_attribute("data-count", "1")
    expect(row).to_contain_text("maker")
    fee = Decimal(trade["fee_qty"])
    assert fee == Decimal(trade["qty"]) * Decimal(trade["price"]) * Decimal("0.0001")
    expect(fills.locator('[data-field="fees"]')).to_have_text(usd(fee))
    # The markout arrives 5 s after the fill, pushed like everything else.
    expect(row.locator('[data-field="markout"]')).not_to_contain_text("…", timeout=15000)

    [position] = exchange_get(simulator, "/api/query_positions")
    account = page.locator("#panel-account")
    held = account.locator('tr[data-symbol="BTC-USD"] [data-field="qty"]')
    expect(held).to_contain_text(f"{Decimal(position['qty']):,f}", timeout=10000)
    expect(held).to_contain_text("long")
    balance = Decimal(exchange_get(simulator, "/api/query_balance")["balance"])
    expect(account.locator('[data-field="balance"]')).to_have_text(usd(balance))
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator("#panel-fills").screenshot(path=str(SCREENSHOT))
    account.screenshot(path=str(SCREENSHOT.with_name("account.png")))
