"""`GET /healthz` (no login: ok 200 / degraded 503 and why, nothing secret) and `GET /metrics`
(Prometheus text, API token only), both from the snapshots the engines publish. The split
deployment's real processes are scraped in tests/integration/test_split_ops.py."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from mmsite.env import Secret
from tests.dashboard.snapshots import SPREAD_PROBLEM, band_strategy, make_snapshot, publish_sync
from trading.models import BotConfig

pytestmark = pytest.mark.django_db
TOKEN = "metrics-test-token-8f3a1c5e9b2d7a40"


@pytest.fixture
def two_bots(db):
    BotConfig.load("default")
    BotConfig.load("eth")


def test_healthz_is_ok_when_every_bot_publishes_and_needs_no_login(two_bots):
    publish_sync(make_snapshot("default", strategy=band_strategy()))
    publish_sync(make_snapshot("eth", symbol="ETH-USD"))  # spread 50: cannot earn
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["problems"]) == ("ok", [])
    assert body["warnings"] == [f"eth: the quotes earn nothing: {SPREAD_PROBLEM}"]
    assert set(body["bots"]) == {"default", "eth"}
    assert body["bots"]["eth"]["state"] == "running"
    assert response["Cache-Control"].startswith("max-age=0")
    assert Client().head("/healthz").status_code == 200, "monitors that only HEAD"
    assert Client().post("/healthz").status_code == 405


def test_healthz_is_degraded_and_says_why(two_bots):
    publish_sync(make_snapshot("default", state="killed", state_reason="pressed kill"))
    response = Client().get("/healthz")  # "eth" has no engine publishing
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["problems"] == [
        "default: kill switch engaged: pressed kill",
        "eth: no engine is publishing this bot's state",
    ]


def test_healthz_logs_a_change_once_not_every_poll(two_bots, caplog):
    """A monitor polls every few seconds; a degraded bot must not write an ERROR line each
    time (the engine's age in the problem text changes every poll: not a change)."""
    publish_sync(make_snapshot("default", strategy=band_strategy()))
    publish_sync(make_snapshot("eth", symbol="ETH-USD"))
    Client().get("/healthz")  # ok: where this process starts from
    caplog.clear()
    with caplog.at_level(logging.INFO):
        publish_sync(make_snapshot("default", state="killed", state_reason="pressed kill"))
        polls = [Client().get("/healthz").status_code for _ in range(5)]
        publish_sync(make_snapshot("default", strategy=band_strategy()))
        polls += [Client().get("/healthz").status_code for _ in range(3)]
    assert polls == [503] * 5 + [200] * 3
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines == [
        ("WARNING", "health degraded: default: kill switch engaged: pressed kill"),
        ("INFO", "health ok"),
    ]


def test_healthz_warns_of_the_token_a_day_ahead_without_failing(two_bots):
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    for bot in ("default", "eth"):
        publish_sync(
            make_snapshot(bot, token_expires_at=expires.isoformat(), strategy=band_strategy())
        )
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert "default: the access token expires in 5 h" in response.json()["warnings"][0]


def test_healthz_shows_nothing_secret(two_bots):
    snap = make_snapshot("default")
    publish_sync(snap)
    with override_settings(API_TOKEN=Secret(TOKEN)):
        text = Client().get("/healthz").content.decode()
    assert TOKEN not in text and "cl_ord_id" not in text and snap["position"]["qty"] not in text


@override_settings(API_TOKEN=Secret(TOKEN))
def test_metrics_need_the_api_token(two_bots, operator):
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token-000000000000000")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Bearer"
    staff = Client()
    staff.force_login(operator)
    assert staff.get("/metrics").status_code == 401, "a scrape carries the token, not a session"


@override_settings(API_TOKEN=Secret(TOKEN))
def test_wrong_tokens_are_limited_per_address(two_bots):
    wrong = "Bearer wrong-token-000000000000000"
    for _ in range(10):
        assert Client().get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 401
    refused = Client().get("/metrics", HTTP_AUTHORIZATION=wrong)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def scrape() -> dict:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def ops() -> dict:
    return {
        "in_band_seconds": 1234.5,
        "two_sided_seconds": 1300.0,
        "requotes": 42,
        "fills": 3,
        "failures": 2,
        "requests": {"new_order": 50, "cancel_orders": 20},
        "reaction_ms": {
            "buckets": [[0.5, 0], [1, 4], [2, 9], [5, 10], [10, 10]],
            "sum_ms": 15.5,
            "count": 11,
        },
    }


@override_settings(API_TOKEN=Secret(TOKEN))
def test_metrics_per_bot_from_the_snapshot(two_bots):
    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    publish_sync(make_snapshot("default", ops=ops(), token_expires_at=expires.isoformat()))
    m = scrape()
    bot = (("bot", "default"),)
    assert m[("mmbot_up", bot)] == 1 and m[("mmbot_up", (("bot", "eth"),))] == 0
    assert m[("mmbot_healthy", (("bot", "eth"),))] == 0
    assert m[("mmbot_in_band_seconds_total", bot)] == 1234.5
    assert m[("mmbot_two_sided_seconds_total", bot)] == 1300.0
    assert m[("mmbot_requotes_total", bot)] == 42
    assert m[("mmbot_fills_total", bot)] == 3
    assert m[("mmbot_failures_total", bot)] == 2
    assert (
        m[("mmbot_exchange_requests_total", (("bot", "default"), ("path", "/api/new_order")))] == 50
    )
    assert m[("mmbot_state", (("bot", "default"), ("state", "running")))] == 1
    assert m[("mmbot_state", (("bot", "default"), ("state", "killed")))] == 0
    assert m[("mmbot_feed_connected", (("bot", "default"), ("feed", "market")))] == 1
    assert m[("mmbot_reaction_latency_seconds_bucket", (("bot", "default"), ("le", "0.001")))] == 4
    assert m[("mmbot_reaction_latency_seconds_bucket", (("bot", "default"), ("le", "+Inf")))] == 11
    assert m[("mmbot_reaction_latency_seconds_count", bot)] == 11
    assert m[("mmbot_reaction_latency_seconds_sum", bot)] == pytest.approx(0.0155)
    assert m[("mmbot_hour_in_band_seconds", bot)] > 0
    assert m[("mmbot_token_expiry_timestamp_seconds", bot)] == expires.timestamp()
