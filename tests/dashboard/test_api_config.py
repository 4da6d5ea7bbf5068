"""POST /api/config: strict parsing, the model's rules, all or nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.dashboard.conftest import config_row
from trading.models import BotConfig

pytestmark = pytest.mark.django_db


def post(client, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/config", data, content_type="application/json")


def test_valid_change_is_saved_and_sent(client_in, config, sent):
    response = post(client_in, {"spread_bps": 12.5, "bid_notional": "40", "symbol": "XAU-USD"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["config"]["spread_bps"] == "12.5" and body["sent"] is True
    row = BotConfig.objects.get(name="default")
    assert (row.spread_bps, row.bid_notional, row.symbol) == (
        Decimal("12.5"),
        Decimal("40"),
        "XAU-USD",
    )
    assert row.ask_notional == config.ask_notional  # untouched fields keep their value
    assert [m["action"] for m in sent] == ["config"]


BAD = [
    ({"spread_bps": -5}, "spread_bps"),
    ({"spread_bps": 0}, "spread_bps"),
    ({"spread_bps": "NaN"}, "spread_bps"),
    ('{"spread_bps": NaN}', "spread_bps"),
    ('{"spread_bps": Infinity}', "spread_bps"),
    ({"spread_bps": "-Infinity"}, "spread_bps"),
    ({"spread_bps": 5000}, "spread_bps"),  # absurd spread
    ({"spread_bps": 300}, "spread_bps"),  # > max_spread_deviation_bps
    ({"spread_bps": "wide"}, "spread_bps"),
    ({"spread_bps": True}, "spread_bps"),
    ({"spread_bps": [1]}, "spread_bps"),
    ({"bid_notional": 0}, "bid_notional"),
    ({"ask_notional": -30}, "ask_notional"),
    ({"ask_notional": 1e12}, "ask_notional"),
    ({"max_notional": 0}, "max_notional"),
    ({"requote_threshold_bps": -1}, "requote_threshold_bps"),
    ({"refresh_interval": 0.001}, "refresh_interval"),
    ({"max_consecutive_failures": 0}, "max_consecutive_failures"),
    ({"max_consecutive_failures": 2.5}, "max_consecutive_failures"),
    ({"max_consecutive_failures": "5"}, "max_consecutive_failures"),
    ({"uptime_target_minutes": 61}, "uptime_target_minutes"),
    ({"symbol": "DOGE-USD"}, "symbol"),
    ({"symbol": 7}, "symbol"),
    ({"requote_mode": "yolo"}, "requote_mode"),
    ({"run_state": "killed"}, "run_state"),  # not a strategy value: forbidden
    ({"api_token": "x"}, "api_token"),  # extra fields are forbidden
]


@pytest.mark.parametrize("body,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_input_is_4xx_with_the_field_and_changes_nothing(client_in, config, sent, body, field):
    before = config_row()
    response = post(client_in, body)
    assert 400 <= response.status_code < 500, response.content
    detail = response.json()["detail"]
    assert any(field in map(str, error["loc"]) for error in detail), detail
    assert all(error["msg"] for error in detail)
    assert config_row() == before and sent == []


def test_one_bad_field_rejects_the_good_ones_too(client_in, config, sent):
    before = config_row()
    response = post(client_in, {"spread_bps": 10, "bid_notional": -1})
    assert response.status_code == 422
    assert config_row() == before and sent == []


@pytest.mark.parametrize("raw", ["", "not json", "[]", "null", '"x"'])
def test_malformed_body_is_4xx(client_in, config, sent, raw):
    before = config_row()
    response = client_in.post("/api/config", raw, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert config_row() == before and sent == []


def test_empty_change_is_refused(client_in, config, sent):
    response = post(client_in, {})
    assert response.status_code == 422 and sent == []


def test_a_rule_between_fields_is_a_conflict(client_in, config, sent):
    """Each value alone is valid (schema), together with the stored maximum deviation (200)
    it is not: 409, field by field, nothing saved."""
    before = config_row()
    response = post(client_in, {"spread_bps": "300"})
    assert response.status_code == 409
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["spread_bps"]
    assert config_row() == before and sent == []


def test_a_position_limit_below_one_order_is_a_conflict(client_in, config, sent):
    """Issue 16: MAX_NOTIONAL under the stored 30 USD orders could never quote them whole."""
    before = config_row()
    response = post(client_in, {"max_notional": "20"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert [e["loc"][-1] for e in detail] == ["max_notional"]
    assert "below one order's notional" in detail[0]["msg"]
    assert config_row() == before and sent == []


def test_inventory_settings_through_the_api(client_in, config, sent):
    response = post(
        client_in, {"inventory_skew_bps": 3, "flatten_on_kill": "on", "fill_cooldown_seconds": "2"}
    )
    assert response.status_code == 200
    row = BotConfig.objects.get(name="default")
    assert (row.inventory_skew_bps, row.flatten_on_kill) == (Decimal("3"), "on")
    assert post(client_in, {"flatten_on_stop": "yes"}).status_code == 422


@pytest.mark.parametrize("value", ["1e2", " 5", "+5", "5.", ".5", "05", "12.34567", "٣"])
def test_decimal_strings_must_be_plain(client_in, config, sent, value):
    response = post(client_in, {"spread_bps": value})
    assert response.status_code == 422 and "plain decimal" in response.json()["detail"][0]["msg"]
    assert sent == []


@pytest.mark.parametrize(
    "body,field,stored",
    [
        ({"spread_bps": "12.5"}, "spread_bps", Decimal("12.5")),
        ({"spread_bps": 12.5}, "spread_bps", Decimal("12.5")),
        ({"max_consecutive_failures": 7.0}, "max_consecutive_failures", 7),  # a JSON integer
    ],
)
def test_plain_values_are_accepted(client_in, config, sent, body, field, stored):
    assert post(client_in, body).status_code == 200
    assert getattr(BotConfig.objects.get(name="default"), field) == stored
