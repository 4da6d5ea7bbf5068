"""The "cannot earn" flag and its one-click switch to band, on the page and over the API."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings

from tests.dashboard.conftest import config_row, csrf_token, make_bot
from tests.dashboard.snapshots import band_strategy, make_snapshot, publish_sync
from trading.models import BotConfig

pytestmark = pytest.mark.django_db
SWITCH = "/bots/default/switch-to-band"


def strategy_of(name: str = "default") -> str:
    return BotConfig.objects.get(name=name).quote_strategy


def test_a_fresh_install_cannot_earn_and_the_page_says_so(client_in, config):
    assert settings.BOT_DEFAULTS["spread_bps"] >= settings.BOT_DEFAULTS["uptime_band_bps"]
    html = client_in.get("/").content.decode()
    banner = re.search(r'<div id="cannot-earn".*?</div>', html, re.S).group(0)
    assert "SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10" in banner
    # The button sends the page's own form, which sits in #live outside every pushed panel
    # (a push replacing the panel mid-request would lose the response's out-of-band parts).
    assert 'form="switch-to-band-form"' in banner
    live = html[html.index('<div id="live"') :]
    form = re.search(r'<form id="switch-to-band-form"[^>]*>', live).group(0)
    assert f'hx-post="{SWITCH}"' in form and f'action="{SWITCH}"' in form
    assert live.index(form) < live.index('id="panel-status"')
    # The pushed panel has no token of its own: the page hands htmx the CSRF header.
    assert re.search(r'<div id="live"[^>]*hx-headers=\'\{"X-CSRFToken": "\w+"\}\'', html)


def test_the_switch_changes_the_row_and_tells_the_engine(csrf_client_in, config, engine_inbox):
    before = config_row()
    token = csrf_token(csrf_client_in)
    response = csrf_client_in.post(SWITCH, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "strategy spread → band" in html and "±10 bps of the mark" in html
    assert "SPREAD_BPS 50 unused; config: sent" in html
    after = config_row()
    assert after["quote_strategy"] == "band"
    assert {k: v for k, v in after.items() if k != "quote_strategy"} == {
        k: v for k, v in before.items() if k != "quote_strategy"
    }
    message = engine_inbox("default")["default"]
    assert (message["action"], message["user"], message["source"]) == (
        "config",
        "trader",
        "dashboard",
    )
    # The form comes back with band selected (an Apply must not post "spread" back), and
    # without an engine the strategy panel, built from the row, drops the banner.
    assert re.search(r'<section id="panel-config"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<option value="band" selected>', html)
    assert re.search(r'<section id="panel-strategy"[^>]*hx-swap-oob="true"', html)
    assert 'id="cannot-earn"' not in html


def test_without_csrf_nothing_switches(csrf_client_in, config, sent):
    assert csrf_client_in.post(SWITCH, HTTP_HX_REQUEST="true").status_code == 403
    assert strategy_of() == "spread" and sent == []


def test_get_does_not_switch(client_in, config, sent):
    assert client_in.get(SWITCH).status_code == 405
    assert strategy_of() == "spread" and sent == []


def test_unknown_bot_is_404_and_creates_nothing(client_in, config, sent):
    assert client_in.post("/bots/ghost/switch-to-band").status_code == 404
    assert not BotConfig.objects.filter(name="ghost").exists() and sent == []


def test_plain_post_returns_to_that_bots_page(client_in, config, sent):
    make_bot("eth", symbol="ETH-USD")
    response = client_in.post("/bots/eth/switch-to-band")
    assert response.status_code == 302 and response["Location"] == "/bots/eth/"
    assert strategy_of("eth") == "band" and strategy_of("default") == "spread"
    assert [(m["bot"], m["action"]) for m in sent] == [("eth", "config")]


def test_already_band_changes_nothing(client_in, config, sent):
    BotConfig.objects.filter(name="default").update(quote_strategy="band")
    response = client_in.post(SWITCH, HTTP_HX_REQUEST="true")
    assert b"already quoting with band; nothing changed" in response.content and sent == []


def test_a_row_that_fails_validation_is_not_switched(client_in, sent):
    # Stored before today's rules (a requote loop: spread within the proximity guard).
    make_bot("old", spread_bps="3", proximity_guard_bps="5")
    before = config_row("old")
    response = client_in.post("/bots/old/switch-to-band", HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and b"not switched:" in response.content
    assert b"flash-bad" in response.content
    assert config_row("old") == before and sent == []


def test_with_an_engine_the_banner_follows_its_snapshot(client_in, config):
    publish_sync(make_snapshot())  # spread 50: cannot earn
    assert 'id="cannot-earn"' in client_in.get("/").content.decode()
    publish_sync(make_snapshot(strategy=band_strategy()))
    assert 'id="cannot-earn"' not in client_in.get("/").content.decode()


# ---------------------------------------------------------------- the API: one call


def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("path", ["/api/config", "/api/bots/default/config"])
def test_one_api_call_switches_to_band(client_in, config, sent, path):
    response = post_json(client_in, path, {"quote_strategy": "band"})
    assert response.status_code == 200, response.content
    assert response.json()["config"]["quote_strategy"] == "band" and strategy_of() == "band"
    assert [m["action"] for m in sent] == ["config"]


def test_the_band_knobs_are_accepted_by_the_api(client_in, config, sent):
    body = {
        "quote_strategy": "band",
        "band_margin_bps": "1.5",
        "band_min_rest_seconds": "4",
        "band_max_requests_per_minute": 120,
    }
    response = post_json(client_in, "/api/config", body)
    assert response.status_code == 200, response.content
    stored = response.json()["config"]
    assert (
        stored["band_margin_bps"],
        stored["band_min_rest_seconds"],
        stored["band_max_requests_per_minute"],
    ) == ("1.5", "4", 120)


BAD = [
    ({"quote_strategy": "yolo"}, "quote_strategy"),
    ({"quote_strategy": 1}, "quote_strategy"),
    ({"band_margin_bps": "-1"}, "band_margin_bps"),
    ({"band_margin_bps": "51"}, "band_margin_bps"),
    ({"band_margin_bps": "NaN"}, "band_margin_bps"),
    ({"band_min_rest_seconds": "61"}, "band_min_rest_seconds"),
    ({"band_max_requests_per_minute": 5}, "band_max_requests_per_minute"),
    ({"band_max_requests_per_minute": "120"}, "band_max_requests_per_minute"),
]


@pytest.mark.parametrize("body,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_band_values_are_refused_and_change_nothing(client_in, config, sent, body, field):
    before = config_row()
    response = post_json(client_in, "/api/config", body)
    assert 400 <= response.status_code < 500, response.content
    assert any(field in map(str, e["loc"]) for e in response.json()["detail"])
    assert config_row() == before and sent == []


def test_status_api_flags_a_quote_that_cannot_earn(client_in, config):
    strategy = client_in.get("/api/status").json()["strategy"]
    assert strategy["name"] == "spread" and strategy["can_earn"] is False
    assert "SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10" in strategy["problem"]
