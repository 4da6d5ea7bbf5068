"""The tier budget and StandX's own hours: in GET /api/uptime, on the page and the overview,
from an engine's snapshot or, with no engine connected, from the database."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.dashboard.conftest import make_bot
from tests.dashboard.snapshots import make_snapshot, publish_sync, tier
from trading.models import BotConfig, UptimeHour

pytestmark = pytest.mark.django_db


@pytest.fixture
def hour() -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def stored_hours(config, hour):
    """This hour (31 min in band: the standard tier is secured), two finished hours with
    StandX's figure (one 5 minutes off ours) and one without."""
    UptimeHour.objects.create(
        bot="default", hour=hour, in_band_seconds=1860, two_sided_seconds=1900, running_seconds=1900
    )
    UptimeHour.objects.create(
        bot="default",
        hour=hour - dt.timedelta(hours=1),
        in_band_seconds=2000,
        exchange_in_band_seconds=2300,
    )
    UptimeHour.objects.create(
        bot="default",
        hour=hour - dt.timedelta(hours=2),
        in_band_seconds=2000,
        exchange_in_band_seconds=2060,
    )
    UptimeHour.objects.create(bot="default", hour=hour - dt.timedelta(hours=3), in_band_seconds=900)


def test_uptime_api_from_the_engine_carries_its_tier_and_standx_hours(client_in):
    snapshot = make_snapshot(tier=tier(standard="secured", boosted="at risk"))
    snapshot["exchange_uptime"]["hours"] = [
        {
            "hour": "2026-11-29T12:00:00+00:00",
            "in_band_seconds": 2510.0,
            "ours": 2525.3,
            "disagree": False,
        }
    ]
    publish_sync(snapshot)
    body = client_in.get("/api/uptime").json()
    assert body["tier"] == snapshot["tier"]
    assert body["exchange_uptime"] == snapshot["exchange_uptime"]
    assert [row.get("exchange_in_band_seconds") for row in body["history"]] == [
        row["exchange_in_band_seconds"] for row in snapshot["history"]
    ]


def test_uptime_api_without_engine_reads_the_database(client_in, stored_hours, hour):
    body = client_in.get("/api/uptime").json()
    statuses = {t["name"]: t["status"] for t in body["tier"]["tiers"]}
    assert body["tier"]["in_band_minutes"] == 31.0 and statuses["standard"] == "secured"
    assert body["tier"]["hour"] == hour.isoformat()
    assert body["tier"]["next_hour"] == f"{hour + dt.timedelta(hours=1):%H:%M} UTC"
    exchange = body["exchange_uptime"]
    assert [(r["in_band_seconds"], r["ours"], r["disagree"]) for r in exchange["hours"]] == [
        (2060.0, 2000.0, False),
        (2300.0, 2000.0, True),
    ]
    assert exchange["checked_at"] is None and exchange["error"] is None
    by_hour = {row["hour"]: row["exchange_in_band_seconds"] for row in body["history"]}
    assert by_hour[(hour - dt.timedelta(hours=1)).isoformat()] == 2300.0
    assert by_hour[(hour - dt.timedelta(hours=3)).isoformat()] is None


def test_named_bot_uptime_api_has_the_tier_too(client_in, config):
    make_bot("eth", symbol="ETH-USD")
    body = client_in.get("/api/bots/eth/uptime").json()
    assert [t["name"] for t in body["tier"]["tiers"]] == ["standard", "boosted"]


def test_page_without_engine_shows_the_stored_tier_and_standx_hours(client_in, stored_hours):
    html = client_in.get("/").content.decode()
    tier_panel = re.search(r'<section id="panel-tier".*?</section>', html, re.S).group(0)
    assert 'data-tier="standard" data-status="secured"' in tier_panel and "UTC" in tier_panel
    uptime = re.search(r'<section id="panel-uptime".*?</section>', html, re.S).group(0)
    assert uptime.count('<rect class="exch"') == 2
    assert uptime.count('class="hour disagree"') == 1
    assert "StandX: in band 38.3 min (differs by 5.0 min)" in uptime


def test_overview_rows_show_strategy_cannot_earn_and_tier(client_in, config):
    make_bot("eth", symbol="ETH-USD", quote_strategy="band")
    html = client_in.get("/bots/").content.decode()
    default = re.search(r'<tr id="bot-row-default".*?</tr>', html, re.S).group(0)
    eth = re.search(r'<tr id="bot-row-eth".*?</tr>', html, re.S).group(0)
    assert "cannot earn" in default and 'data-field="strategy">spread' in default
    assert "cannot earn" not in eth and 'data-field="strategy">band' in eth
    assert 'data-tier="standard"' in default and 'data-tier="boosted"' in eth


def test_dashboard_form_offers_the_strategy_next_to_the_spread(client_in, config, sent):
    html = client_in.get("/").content.decode()
    fields = re.findall(
        r'name="(\w+)"', re.search(r'<section id="panel-config".*?</section>', html, re.S).group(0)
    )
    assert fields.index("quote_strategy") + 1 == fields.index("spread_bps")
    response = client_in.post(
        "/config",
        {
            "symbol": "BTC-USD",
            "quote_strategy": "band",
            "spread_bps": "50",
            "bid_notional": "30",
            "ask_notional": "30",
            "requote_threshold_bps": "25",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert BotConfig.objects.get(name="default").quote_strategy == "band" and len(sent) == 1


def test_dashboard_form_refuses_an_unknown_strategy(client_in, config, sent):
    response = client_in.post("/config", {"quote_strategy": "yolo"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and b'id="id_quote_strategy-error"' in response.content
    assert BotConfig.objects.get(name="default").quote_strategy == "spread" and sent == []


def test_admin_has_a_band_strategy_fieldset(stored_hours, config, django_user_model):
    from django.test import Client

    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("root", password="pw-123456"))
    html = admin.get(f"/admin/trading/botconfig/{config.pk}/change/").content.decode()
    fieldset = re.search(r"<h2[^>]*>Band strategy</h2>.*?</fieldset>", html, re.S).group(0)
    for field in (
        "quote_strategy",
        "band_margin_bps",
        "band_min_rest_seconds",
        "band_max_requests_per_minute",
    ):
        assert f'name="{field}"' in fieldset
    listing = admin.get("/admin/trading/uptimehour/").content.decode()
    assert "StandX in-band min" in listing and ">38.3<" in listing and ">–<" in listing


def test_database_snapshot_of_a_band_bot_can_earn(client_in, config):
    BotConfig.objects.filter(name="default").update(
        quote_strategy="band", band_margin_bps=Decimal("2")
    )
    strategy = client_in.get("/api/status").json()["strategy"]
    assert (strategy["name"], strategy["can_earn"], strategy["problem"]) == ("band", True, None)
