"""Switching symbol while the bot holds a position on its current one: the dashboard form,
the API and admin warn and ask for a confirmation; nothing is saved or sent before it.

The position comes from the engine's snapshot: `account.positions` when the engine reports
the account's positions, else `position.qty` (the bot's own symbol)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from django.test import Client

from tests.dashboard.conftest import config_row
from tests.dashboard.snapshots import make_snapshot, publish_sync
from trading.models import BotConfig

pytestmark = pytest.mark.django_db

LONG_BTC = {"position": {"qty": "0.0001"}}
SHORT_BTC_ACCOUNT = {
    "position": {"qty": "0"},
    "account": {
        "positions": [
            {"symbol": "ETH-USD", "qty": "2", "entry_price": "3500"},
            {"symbol": "BTC-USD", "qty": "-0.5", "entry_price": "97000.5", "upnl": "-12"},
        ],
        "balance": {"equity": "1000"},
    },
}


def post_form(client, **values):
    return client.post("/bots/default/config", values, headers={"HX-Request": "true"})


def post_api(client, body: dict):
    return client.post("/api/config", json.dumps(body), content_type="application/json")


def test_the_form_asks_before_leaving_a_position_behind(client_in, config, sent):
    publish_sync(make_snapshot(**LONG_BTC))
    before = config_row()

    response = post_form(client_in, symbol="ETH-USD", spread_bps="8")
    html = response.content.decode()
    assert response.status_code == 409
    assert "holds a long position of 0.0001 BTC-USD" in html
    assert "stays open on the exchange" in html
    assert 'name="confirm_open_position"' in html
    assert '<option value="ETH-USD" selected>' in html  # the trader's choice is kept
    assert config_row() == before and sent == []

    response = post_form(client_in, symbol="ETH-USD", spread_bps="8", confirm_open_position="1")
    assert response.status_code == 200, response.content.decode()
    assert BotConfig.objects.get(name="default").symbol == "ETH-USD"
    assert [m["action"] for m in sent] == ["config"]


def test_no_position_or_same_symbol_needs_no_confirmation(client_in, config, sent):
    publish_sync(make_snapshot(position={"qty": "0"}))
    assert post_form(client_in, symbol="ETH-USD").status_code == 200
    publish_sync(make_snapshot(symbol="ETH-USD", **LONG_BTC))  # a position, but on ETH
    response = post_form(client_in, symbol="ETH-USD", spread_bps="9")
    assert response.status_code == 200
    assert "confirm_open_position" not in response.content.decode()


def test_the_accounts_positions_are_read_when_reported(client_in, config, sent):
    publish_sync(make_snapshot(**SHORT_BTC_ACCOUNT))
    response = post_form(client_in, symbol="XAU-USD")
    assert response.status_code == 409
    assert "holds a short position of 0.5 BTC-USD (entry price 97,000.5)" in (
        response.content.decode()
    )
    # The account lists no BTC-USD position: position.qty (stale or other) does not count.
    publish_sync(make_snapshot(account={"positions": [{"symbol": "ETH-USD", "qty": "1"}]}))
    assert post_form(client_in, symbol="XAU-USD").status_code == 200


def test_without_an_engine_nothing_is_known_and_nothing_asked(client_in, config, sent):
    assert post_form(client_in, symbol="ETH-USD").status_code == 200


def test_the_api_refuses_with_409_until_confirmed(client_in, config, sent):
    publish_sync(make_snapshot(**LONG_BTC))
    before = config_row()
    response = post_api(client_in, {"symbol": "ETH-USD"})
    assert response.status_code == 409
    [error] = response.json()["detail"]
    assert error["type"] == "open_position" and error["loc"][-1] == "symbol"
    assert "0.0001 BTC-USD" in error["msg"] and "confirm_open_position: true" in error["msg"]
    assert config_row() == before and sent == []

    assert (
        post_api(client_in, {"symbol": "ETH-USD", "confirm_open_position": "yes"}).status_code
        == 422
    )
    response = post_api(client_in, {"symbol": "ETH-USD", "confirm_open_position": True})
    assert response.status_code == 200, response.content
    assert response.json()["config"]["symbol"] == "ETH-USD"
    assert [m["action"] for m in sent] == ["config"]


def test_the_openapi_document_names_the_confirmation(client_in, config):
    schema = client_in.get("/api/openapi.json").json()
    prop = schema["components"]["schemas"]["ConfigIn"]["properties"]["confirm_open_position"]
    assert prop["type"] == "boolean" and "409" in prop["description"]
    # The confirmation alone is no change: the schema asks for a strategy value too.
    required = [rule["required"] for rule in schema["components"]["schemas"]["ConfigIn"]["anyOf"]]
    assert ["symbol"] in required and ["confirm_open_position"] not in required
    assert post_api(client_in, {"confirm_open_position": True}).status_code == 422


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-123456"))
    return client


def admin_form(config: BotConfig, **changes) -> dict:
    data = {k: "" if v is None else str(v) for k, v in model_to_dict(config).items()}
    return {**data, **changes}


@pytest.mark.django_db(transaction=True)
def test_admin_asks_too_and_offers_a_symbol_choice(admin_client, config, sent):
    url = f"/admin/trading/botconfig/{config.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert '<select name="symbol"' in page and '<option value="XAU-USD">' in page

    publish_sync(make_snapshot(**LONG_BTC))
    response = admin_client.post(url, admin_form(config, symbol="ETH-USD"))
    assert response.status_code == 200  # the form again, with the reason
    assert "holds a long position of 0.0001 BTC-USD" in response.content.decode()
    assert BotConfig.objects.get(pk=config.pk).symbol == "BTC-USD" and sent == []

    response = admin_client.post(
        url, admin_form(config, symbol="ETH-USD", confirm_open_position="on")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BotConfig.objects.get(pk=config.pk).symbol == "ETH-USD"
    assert [m["action"] for m in sent] == ["config"]
