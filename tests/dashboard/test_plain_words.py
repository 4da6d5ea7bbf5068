"""Numbers and words (issue 14): values as a person writes them, errors that name the field
and its unit, the audit log in plain words with the exchange's own reason, units on the
columns, UTC on every time, and no stale control message after a config change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.forms import model_to_dict
from django.test import Client

from dashboard import render
from dashboard.event_words import plain_message
from tests.dashboard.snapshots import make_snapshot
from trading.models import BotConfig, OrderEvent

NOW = dt.datetime(2026, 11, 29, 13, 16, 28, tzinfo=dt.UTC)


@pytest.fixture
def admin_client(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-123456"))
    return client


@pytest.mark.django_db
def test_the_form_shows_50_not_50_0000(client_in, config):
    html = client_in.get("/bots/default/").content.decode()
    assert 'name="spread_bps" value="50"' in html and 'name="bid_notional" value="30"' in html
    assert ".0000" not in html


@pytest.mark.django_db
def test_a_negative_spread_is_told_in_plain_words(client_in, config, sent):
    response = client_in.post("/config", {"spread_bps": "-5"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Spread must be more than 0 bps (you entered -5)." in html
    assert "Ensure this value" not in html
    response = client_in.post("/config", {"bid_notional": "lots"}, HTTP_HX_REQUEST="true")
    assert "Bid notional must be a number of USD" in response.content.decode()


@pytest.mark.django_db
def test_admin_shows_plain_decimals_seconds_and_utc(admin_client, config):
    OrderEvent.objects.create(
        bot="default",
        at=NOW,
        kind="reject",
        symbol="BTC-USD",
        side="buy",
        price=Decimal("66331.75"),
        qty=Decimal("0.0003"),
        cl_ord_id="mmbot-x-1",
        message="exchange: rejected",
    )
    html = admin_client.get("/admin/trading/orderevent/").content.decode()
    assert "66331.75<" in html and "66331.7500000000" not in html
    assert "0.0003<" in html and "0.0003000000" not in html
    assert "2026-11-29 13:16:28 UTC" in html
    assert "rejected by the exchange; the order stream gives no reason" in html

    html = admin_client.get("/admin/trading/botconfig/").content.decode()
    assert ">50<" in html and "50.0000" not in html
    page = admin_client.get(f"/admin/trading/botconfig/{config.pk}/change/").content.decode()
    assert 'name="spread_bps" value="50"' in page and " UTC" in page  # updated at, to the second


@pytest.mark.django_db
def test_admin_errors_name_the_field_and_unit(admin_client, config):
    data = {k: "" if v is None else str(v) for k, v in model_to_dict(config).items()}
    response = admin_client.post(
        f"/admin/trading/botconfig/{config.pk}/change/", {**data, "spread_bps": "-1"}
    )
    html = response.content.decode()
    assert "Spread must be more than 0 bps (you entered -1)." in html
    assert "Ensure this value" not in html
    assert BotConfig.objects.get(pk=config.pk).spread_bps == Decimal("50")


@pytest.mark.parametrize(
    "kind,message,words",
    [
        ("place", "missing", "new order: this side had no order"),
        (
            "place",
            "stale (replaces mmbot-a-1b)",
            "new order: it rested longer than STALE_ORDER_SECONDS, replacing mmbot-a-1b",
        ),
        ("cancel", "replaced", "cancel: its replacement is resting"),
        (
            "cancel",
            "make_room:band",
            "cancel to make room for a replacement (two orders a side at most, both within "
            "MAX_NOTIONAL): it left the reward band around the mark",
        ),
        ("cancel", "shutdown: 2 order(s)", "cancel 2 order(s): shutdown"),
        ("canceled", "exchange: canceled", "the exchange confirms it is cancelled"),
        ("open", "resting", "resting on the book"),
        (
            "reject",
            "alo order rejected status=400",
            "rejected by the exchange: “alo order rejected” (HTTP 400): "
            "the post-only order would have crossed the book",
        ),
        (
            "reject",
            "insufficient margin status=400 code=1003",
            "rejected by the exchange: “insufficient margin” (HTTP 400): not enough margin for it",
        ),
        (
            "reject",
            "exchange: alo order rejected (order response)",
            "rejected by the exchange: “alo order rejected”: "
            "the post-only order would have crossed the book",
        ),
        ("info", "something new the engine says", "something new the engine says"),
    ],
)
def test_event_messages_in_plain_words(kind, message, words):
    assert plain_message(kind, message) == words


def test_a_reject_without_a_reason_says_so():
    words = plain_message("reject", "exchange: rejected")
    assert words.startswith("rejected by the exchange") and "gives no reason" in words


def test_the_panels_label_units_and_utc():
    events = [{"at": NOW.isoformat(), "kind": "reject", "message": "alo order rejected status=400"}]
    snapshot = make_snapshot(now=NOW, events=events)
    html = render.render_panel("events", snapshot, NOW)
    assert "time (UTC)" in html and "13:16:28" in html
    assert "“alo order rejected” (HTTP 400)" in html
    assert 'title="as logged: alo order rejected status=400"' in html
    market = render.render_panel("market", snapshot, NOW)
    assert "from mid (bps)" in market and "from mark (bps)" in market and "±10 bps" in market


@pytest.mark.django_db
def test_a_config_change_clears_the_last_control_message(client_in, config, sent):
    flash = client_in.post("/bots/default/control/start", HTTP_HX_REQUEST="true")
    assert "start: sent" in flash.content.decode() and " UTC" in flash.content.decode()
    html = client_in.post(
        "/bots/default/config", {"spread_bps": "8"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert (
        '<span id="flash" class="flash" role="status" aria-live="polite" hx-swap-oob="true">'
        in (html)
    )
    assert "start: sent" not in html and "Saved at " in html and " UTC." in html


@pytest.mark.parametrize(
    "amount, shown",
    [
        ("0", "0.00"),
        ("0.0033", "0.0033"),
        ("0.0150", "0.015"),
        ("99990.31", "99,990.31"),
        ("-1.23456", "-1.2346"),
    ],
)
def test_money_is_shown_without_zeros_that_say_nothing(amount, shown):
    from dashboard.templatetags.dash import usd

    assert usd(amount) == shown
