"""The dashboard's strategy form: all valid -> saved and sent; any invalid -> nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.dashboard.conftest import config_row, csrf_token
from trading.models import BotConfig

pytestmark = pytest.mark.django_db

VALID = {
    "symbol": "ETH-USD",
    "spread_bps": "12.5",
    "bid_notional": "40",
    "ask_notional": "45",
    "requote_threshold_bps": "6",
}


def test_valid_change_is_saved_and_sent(client_in, sent, config):
    response = client_in.post("/config", VALID, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Saved" in response.content
    row = BotConfig.objects.get(name="default")
    assert (row.symbol, row.spread_bps, row.ask_notional) == (
        "ETH-USD",
        Decimal("12.5"),
        Decimal("45"),
    )
    assert [m["action"] for m in sent] == ["config"]


def test_plain_post_redirects_to_the_dashboard(client_in, sent, config):
    assert client_in.post("/config", VALID).status_code == 302


BAD = [
    ("spread_bps", "-5"),
    ("spread_bps", "0"),
    ("spread_bps", "NaN"),
    ("spread_bps", "Infinity"),
    ("spread_bps", "999999"),
    ("spread_bps", "abc"),
    ("spread_bps", ""),
    ("spread_bps", "300"),  # above MAX_SPREAD_DEVIATION_BPS (200): BotConfig.clean
    ("bid_notional", "0"),
    ("bid_notional", "-1"),
    ("ask_notional", "1e400"),
    ("requote_threshold_bps", "-0.1"),
    ("symbol", "DOGE-USD"),
    ("symbol", ""),
]


@pytest.mark.parametrize("field,value", BAD)
def test_invalid_field_changes_nothing(client_in, sent, config, field, value):
    before = config_row()
    response = client_in.post("/config", {**VALID, field: value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html, "the message sits next to its field"
    assert "Nothing applied" in html
    assert config_row() == before and sent == []


def test_invalid_plain_post_renders_the_page_with_errors(client_in, sent, config):
    response = client_in.post("/config", {**VALID, "spread_bps": "-1"})
    assert response.status_code == 422
    assert b'id="panel-status"' in response.content and b"id_spread_bps-error" in response.content


def test_config_post_needs_csrf(csrf_client_in, sent, config):
    before = config_row()
    assert csrf_client_in.post("/config", VALID).status_code == 403
    token = csrf_token(csrf_client_in)
    assert csrf_client_in.post("/config", VALID, HTTP_X_CSRFTOKEN=token).status_code == 302
    assert config_row() != before


def test_extra_posted_fields_are_ignored(client_in, sent, config):
    client_in.post("/config", {**VALID, "run_state": "killed", "max_notional": "1"})
    row = BotConfig.objects.get(name="default")
    assert row.run_state == "running" and row.max_notional == config.max_notional


def test_inventory_settings_are_edited_on_the_dashboard(client_in, sent, config):
    """Issue 16: the position limit, skew, cooldown and flattening are dashboard fields."""
    changes = {
        "max_notional": "300",
        "inventory_skew_bps": "2",
        "fill_cooldown_seconds": "1.5",
        "flatten_on_stop": "on",
        "flatten_on_kill": "on",
        "flatten_maker_seconds": "4",
    }
    response = client_in.post("/config", changes, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Saved" in response.content
    row = BotConfig.objects.get(name="default")
    assert (row.max_notional, row.inventory_skew_bps, row.fill_cooldown_seconds) == (
        Decimal("300"),
        Decimal("2"),
        Decimal("1.5"),
    )
    assert (row.flatten_on_stop, row.flatten_on_kill, row.flatten_maker_seconds) == (
        "on",
        "on",
        Decimal("4"),
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_notional", "20"),  # below one 30 USD order: refused between fields
        ("inventory_skew_bps", "51"),
        ("fill_cooldown_seconds", "-1"),
        ("flatten_on_stop", "maybe"),
        ("flatten_maker_seconds", "11"),
    ],
)
def test_bad_inventory_values_change_nothing(client_in, sent, config, field, value):
    before = BotConfig.objects.get(name="default")
    response = client_in.post("/config", {field: value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    after = BotConfig.objects.get(name="default")
    assert getattr(after, field) == getattr(before, field) and sent == []
