"""Settings that guarantee a requote loop are refused by the dashboard form, the API and admin,
with the reason, and change nothing (the rule: trading.core.quoting.loop_problems)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from django.test import Client

from tests.dashboard.conftest import config_row
from trading.models import BotConfig

pytestmark = pytest.mark.django_db

WHY = "replaced at once: a requote loop; make SPREAD_BPS wider than PROXIMITY_GUARD_BPS"
DASHBOARD = {
    "symbol": "BTC-USD",
    "bid_notional": "30",
    "ask_notional": "30",
    "requote_threshold_bps": "25",
}


@pytest.mark.parametrize("spread", ["0.5", "0.9", "1"])
def test_dashboard_refuses_a_spread_inside_the_guard(client_in, sent, config, spread):
    before = config_row()
    response = client_in.post(
        "/config", {**DASHBOARD, "spread_bps": spread}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_spread_bps-error"' in html and WHY in html
    assert config_row() == before and sent == []


def test_dashboard_shows_a_loop_it_cannot_name_a_field_for(client_in, sent, config):
    """A stored row whose deviation cap is inside the guard (written before the rule): the
    dashboard has no field for either value, so the reason is shown above the form."""
    BotConfig.objects.filter(pk=config.pk).update(
        max_spread_deviation_bps=Decimal("60"), proximity_guard_bps=Decimal("60")
    )
    before = config_row()
    response = client_in.post("/config", {**DASHBOARD, "spread_bps": "50"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert (
        "MAX_SPREAD_DEVIATION_BPS (60) is not wider than PROXIMITY_GUARD_BPS (60)"
        in response.content.decode()
    )
    assert config_row() == before and sent == []


def post(client, body):
    return client.post("/api/config", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "body,field,text",
    [
        (
            {"spread_bps": "0.5"},
            "spread_bps",
            "SPREAD_BPS (0.5) is not wider than PROXIMITY_GUARD_BPS (1)",
        ),
        ({"spread_bps": 2, "proximity_guard_bps": 5}, "spread_bps", WHY),
        ({"proximity_guard_bps": "50"}, "spread_bps", WHY),  # the guard grows past it
        (
            {"spread_bps": "4", "max_spread_deviation_bps": "4", "proximity_guard_bps": "4"},
            "max_spread_deviation_bps",
            "make MAX_SPREAD_DEVIATION_BPS wider than PROXIMITY_GUARD_BPS",
        ),
    ],
)
def test_api_refuses_a_loop_with_409_and_the_reason(client_in, sent, config, body, field, text):
    """409: each value is valid on its own (the API schema's per-field rules), together with
    the stored ones or each other they loop: a conflict (dashboard/api_schemas.py)."""
    before = config_row()
    response = post(client_in, body)
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    messages = {error["loc"][-1]: error["msg"] for error in detail}
    assert text in messages[field], detail
    assert config_row() == before and sent == []


def test_api_accepts_a_spread_just_wider_than_the_guard(client_in, sent, config):
    response = post(client_in, {"spread_bps": "1.01"})
    assert response.status_code == 200, response.content
    assert BotConfig.objects.get(pk=config.pk).spread_bps == Decimal("1.01")


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-123456"))
    return client


@pytest.mark.parametrize("changes", [{"spread_bps": "0.5"}, {"proximity_guard_bps": "80"}])
def test_admin_refuses_a_loop_with_the_reason(admin_client, config, sent, changes):
    before = config_row()
    form = {k: "" if v is None else str(v) for k, v in model_to_dict(config).items()}
    response = admin_client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", {**form, **changes}
    )
    assert response.status_code == 200 and b"errornote" in response.content
    assert WHY in response.content.decode()
    assert config_row() == before and sent == []


@pytest.mark.parametrize("spread", ["-5", "0"])
def test_a_value_invalid_on_its_own_gets_one_message_not_a_loop_too(
    client_in, sent, config, spread
):
    response = client_in.post(
        "/config", {**DASHBOARD, "spread_bps": spread}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('id="id_spread_bps-error"') == 1 and "requote loop" not in html
