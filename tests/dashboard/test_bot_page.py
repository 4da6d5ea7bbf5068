"""/bots/<name>/: the dashboard page of one bot, its controls and its config form."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.dashboard.conftest import actions, config_row, csrf_token, make_bot
from tests.dashboard.snapshots import make_snapshot, publish_sync
from tests.dashboard.ws_helpers import PANEL_IDS
from trading.models import BotConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def eth(config):
    return make_bot("eth", symbol="ETH-USD")


def test_page_shows_that_bots_snapshot_and_links_to_the_others(client_in, eth):
    make_bot("xau", symbol="XAU-USD")
    publish_sync(make_snapshot(bot="eth", mid="3150.25"))
    publish_sync(make_snapshot(bot="default", mid="97000.5"))
    html = client_in.get("/bots/eth/").content.decode()
    assert all(html.count(f'id="{p}"') == 1 for p in PANEL_IDS)
    assert "3,150.25" in html and "97,000.5" not in html
    assert 'ws-connect="/ws/dashboard/eth/"' in html
    assert 'href="/bots/"' in html  # back to the overview
    switcher = re.search(r'<nav class="switcher".*?</nav>', html, re.S).group(0)
    assert 'href="/bots/default/"' in switcher and 'href="/bots/xau/"' in switcher
    assert 'href="/bots/eth/"' not in switcher  # not a link to itself


def test_page_without_engine_shows_the_bots_stored_config(client_in, eth):
    html = client_in.get("/bots/eth/").content.decode()
    assert "no engine connected" in html
    assert re.search(r'<option value="ETH-USD" selected>', html)
    assert 'action="/bots/eth/config"' in html


@pytest.mark.parametrize("action", ["start", "stop", "kill"])
def test_controls_go_to_that_bots_engine(client_in, eth, engine_inbox, action):
    response = client_in.post(f"/bots/eth/control/{action}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<b>eth</b>" in response.content
    inbox = engine_inbox("eth", "default")
    assert inbox["eth"]["action"] == action and inbox["eth"]["source"] == "dashboard"
    assert inbox["default"] is None


def test_plain_post_returns_to_the_bots_page(client_in, eth, engine_inbox):
    response = client_in.post("/bots/eth/control/stop")
    assert response.status_code == 302 and response["Location"] == "/bots/eth/"


def test_config_form_changes_only_that_bot(client_in, eth, engine_inbox):
    default_before = config_row("default")
    response = client_in.post(
        "/bots/eth/config",
        {
            "symbol": "ETH-USD",
            "spread_bps": "14",
            "bid_notional": "20",
            "ask_notional": "20",
            "requote_threshold_bps": "5",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and b"Saved" in response.content
    assert BotConfig.objects.get(name="eth").spread_bps == Decimal("14")
    assert config_row("default") == default_before
    assert actions(engine_inbox("eth", "default")) == {"eth": "config", "default": None}


def test_invalid_config_renders_that_bots_page_with_errors(client_in, eth, engine_inbox):
    before = config_row("eth")
    response = client_in.post("/bots/eth/config", {"symbol": "ETH-USD", "spread_bps": "-1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "id_spread_bps-error" in html and 'ws-connect="/ws/dashboard/eth/"' in html
    assert config_row("eth") == before and engine_inbox("eth") == {"eth": None}


def test_controls_need_csrf(csrf_client_in, eth, engine_inbox):
    assert csrf_client_in.post("/bots/eth/control/kill").status_code == 403
    assert engine_inbox("eth") == {"eth": None}
    token = csrf_token(csrf_client_in)
    response = csrf_client_in.post(
        "/bots/eth/control/kill", HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert engine_inbox("eth")["eth"]["action"] == "kill"


def test_old_paths_still_act_on_default(client_in, eth, engine_inbox):
    assert client_in.post("/control/stop").status_code == 302
    assert actions(engine_inbox("default", "eth")) == {"default": "stop", "eth": None}
