"""API reads and actions: the original README's paths, answered from the snapshot."""

from __future__ import annotations

import pytest

from tests.dashboard.snapshots import make_snapshot, publish_sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["start", "stop", "kill"])
def test_action_sends_a_control_message(client_in, sent, action):
    publish_sync(make_snapshot())
    response = client_in.post(f"/api/{action}")
    assert response.status_code == 200
    assert response.json() == {
        "action": action,
        "sent": True,
        "detail": f"{action}: sent to the engine",
    }
    assert sent == [{"bot": "default", "action": action, "user": "trader", "source": "api"}]


def test_unreachable_engine_is_503(client_in, unreachable_layer):
    response = client_in.post("/api/stop")
    assert response.status_code == 503 and "not reachable" in response.json()["detail"]


def test_status_without_engine(client_in, config):
    body = client_in.get("/api/status").json()
    assert body["state"] == "no engine connected" and body["engine_connected"] is False
    assert body["symbol"] == config.symbol and body["config"]["spread_bps"]


def test_status_orders_uptime_from_the_engine(client_in):
    publish_sync(make_snapshot(mid="100.5"))
    status = client_in.get("/api/status").json()
    assert status["state"] == "running" and status["market"]["mid"] == "100.5"
    assert status["engine_connected"] is True
    orders = client_in.get("/api/orders").json()
    assert orders["count"] == 2 and {o["side"] for o in orders["orders"]} == {"buy", "sell"}
    uptime = client_in.get("/api/uptime").json()
    assert uptime["current"]["target_minutes"] == 30 and len(uptime["history"]) == 24


def test_uptime_without_engine_has_24_hours(client_in, config):
    uptime = client_in.get("/api/uptime").json()
    assert len(uptime["history"]) == 24 and uptime["current"]["two_sided_seconds"] == 0


def test_wrong_method_is_405(client_in, sent):
    assert client_in.get("/api/kill").status_code == 405
    assert client_in.post("/api/status").status_code == 405
    assert sent == []
