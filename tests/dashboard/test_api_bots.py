"""/api/bots and /api/bots/<name>/...: the default bot's operations, for any bot by name."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.dashboard.conftest import actions, config_row, make_bot
from tests.dashboard.snapshots import make_snapshot, publish_sync
from trading.core.summary import summarize
from trading.models import BotConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def eth(config):
    return make_bot("eth", symbol="ETH-USD")


def post_json(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_list_has_every_bot_as_its_overview_row(client_in, eth):
    snapshot = make_snapshot(bot="eth", symbol="ETH-USD")
    publish_sync(snapshot)
    body = client_in.get("/api/bots").json()
    assert [row["bot"] for row in body] == ["default", "eth"]
    assert body[1] == json.loads(json.dumps(summarize(snapshot)))
    assert body[0]["state"] == "no engine connected" and body[0]["engine"] is False


def test_reads_answer_for_the_named_bot(client_in, eth):
    publish_sync(make_snapshot(bot="eth", mid="3150.5", symbol="ETH-USD"))
    publish_sync(make_snapshot(bot="default", mid="97000.5"))
    status = client_in.get("/api/bots/eth/status").json()
    assert status["bot"] == "eth" and status["market"]["mid"] == "3150.5"
    assert status["latency"] == {"reaction_p50_ms": 1.8, "reaction_p99_ms": 7.25, "samples": 412}
    assert client_in.get("/api/bots/eth/orders").json()["count"] == 2
    assert len(client_in.get("/api/bots/eth/uptime").json()["history"]) == 24
    assert client_in.get("/api/status").json()["market"]["mid"] == "97000.5"


def test_status_without_engine_has_empty_latency(client_in, eth):
    status = client_in.get("/api/bots/eth/status").json()
    assert status["engine_connected"] is False and status["symbol"] == "ETH-USD"
    assert status["latency"] == {"reaction_p50_ms": None, "reaction_p99_ms": None, "samples": 0}


def test_config_change_to_eth_leaves_default_untouched(client_in, eth, engine_inbox):
    default_before = config_row("default")
    response = post_json(client_in, "/api/bots/eth/config", {"spread_bps": "12.5"})
    assert response.status_code == 200, response.content
    assert response.json()["config"]["spread_bps"] == "12.5"
    assert BotConfig.objects.get(name="eth").spread_bps == Decimal("12.5")
    assert config_row("default") == default_before
    assert actions(engine_inbox("eth", "default")) == {"eth": "config", "default": None}


def test_rejected_config_for_eth_changes_nothing(client_in, eth, engine_inbox):
    before = config_row("eth")
    response = post_json(client_in, "/api/bots/eth/config", {"spread_bps": -1})
    assert response.status_code == 422
    assert config_row("eth") == before and engine_inbox("eth") == {"eth": None}


@pytest.mark.parametrize("action", ["start", "stop", "kill"])
def test_control_for_eth_goes_to_channel_engine_eth(client_in, eth, engine_inbox, action):
    response = client_in.post(f"/api/bots/eth/{action}")
    assert response.status_code == 200 and response.json()["action"] == action
    inbox = engine_inbox("eth", "default")
    assert inbox["eth"] == {
        "type": "engine.control",
        "action": action,
        "bot": "eth",
        "user": "trader",
        "source": "api",
    }
    assert inbox["default"] is None


@pytest.mark.parametrize(
    "method,op",
    [
        ("get", "status"),
        ("get", "orders"),
        ("get", "uptime"),
        ("post", "start"),
        ("post", "stop"),
        ("post", "kill"),
        ("post", "config"),
    ],
)
def test_unknown_bot_is_404_and_creates_nothing(client_in, config, engine_inbox, method, op):
    rows = list(BotConfig.objects.values())
    path = f"/api/bots/x/{op}"
    if method == "post":
        response = post_json(client_in, path, {"spread_bps": "10"})
    else:
        response = client_in.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown bot 'x'"}
    assert list(BotConfig.objects.values()) == rows
    assert engine_inbox("x") == {"x": None}


def test_the_default_bot_is_reachable_by_name_too(client_in, engine_inbox):
    assert client_in.get("/api/bots/default/status").json()["bot"] == "default"
    assert client_in.post("/api/bots/default/stop").status_code == 200
    assert engine_inbox("default")["default"]["action"] == "stop"
