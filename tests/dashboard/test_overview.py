"""/bots/: one row per configured bot; `/` is the bot's page with one bot, the overview with
more."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import make_bot
from tests.dashboard.snapshots import make_snapshot, publish_sync
from trading.models import BotConfig

pytestmark = pytest.mark.django_db


def rows(html: str) -> dict[str, str]:
    """Each bot's row of the overview table, by bot name."""
    return dict(re.findall(r'<tr id="bot-row-([\w-]+)".*?>(.*?)</tr>', html, re.S))


def test_overview_lists_every_bot_with_a_link_to_its_page(client_in, config):
    make_bot("eth", symbol="ETH-USD")
    make_bot("xau", symbol="XAU-USD")
    html = client_in.get("/bots/").content.decode()
    found = rows(html)
    assert list(found) == ["default", "eth", "xau"]
    assert 'href="/bots/eth/"' in found["eth"] and "ETH-USD" in found["eth"]
    assert all("no engine connected" in row for row in found.values())
    assert 'ws-connect="/ws/overview/"' in html


def test_a_reporting_engine_fills_its_row(client_in, config):
    make_bot("eth", symbol="ETH-USD")
    publish_sync(make_snapshot(bot="eth", symbol="ETH-USD", state="running"))
    found = rows(client_in.get("/bots/").content.decode())
    eth = found["eth"]
    assert 'data-state="running"' in eth
    assert "96,764.2" in eth and "97,736.8" in eth  # our bid and ask
    assert '<td class="r" data-field="orders">2</td>' in eth
    assert "25.2 / 30" in eth  # 1510.5 s in band, target 30
    assert 'data-field="p99">7.3<' in eth  # reaction p99 ms (7.25)
    assert 'data-state="no engine connected"' in found["default"]


def test_row_buttons_post_to_their_bot_and_kill_asks_first(client_in, config):
    make_bot("eth")
    html = client_in.get("/bots/").content.decode()
    eth = rows(html)["eth"]
    for action in ("start", "stop", "kill"):
        assert f'hx-post="/bots/eth/control/{action}"' in eth
    kill = re.search(r'<button[^>]*control/kill"[^>]*>', eth, re.S).group(0)
    assert "hx-confirm=" in kill
    # The pushed rows carry no token of their own: htmx sends the page's as a header.
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'", html)


def test_root_is_the_bots_page_with_one_bot_and_the_overview_with_two(client_in):
    assert BotConfig.objects.count() == 0
    single = client_in.get("/").content.decode()
    assert BotConfig.objects.filter(name="default").exists()  # a fresh install gets one
    assert 'id="panel-status"' in single and 'id="bot-rows"' not in single
    make_bot("eth")
    both = client_in.get("/").content.decode()
    assert list(rows(both)) == ["default", "eth"] and 'id="panel-status"' not in both


def test_root_shows_the_only_bot_even_when_it_is_not_default(client_in):
    make_bot("eth", symbol="ETH-USD")
    html = client_in.get("/").content.decode()
    assert 'ws-connect="/ws/dashboard/eth/"' in html
    assert list(BotConfig.objects.values_list("name", flat=True)) == ["eth"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/bots/nope/"),
        ("post", "/bots/nope/control/stop"),
        ("post", "/bots/nope/config"),
        ("post", "/bots/nope/control/liquidate"),
    ],
)
def test_unknown_bot_is_404_and_creates_no_row(client_in, config, engine_inbox, method, path):
    before = list(BotConfig.objects.values())
    response = getattr(client_in, method)(path, {"symbol": "ETH-USD", "spread_bps": "10"})
    assert response.status_code == 404
    assert list(BotConfig.objects.values()) == before
    assert engine_inbox("nope", "default") == {"nope": None, "default": None}


def test_overview_needs_login(client):
    response = client.get("/bots/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
