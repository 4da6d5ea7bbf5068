"""First load: every panel with its stable id, from the engine's snapshot or from the DB."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.dashboard.snapshots import make_snapshot, publish_sync
from tests.dashboard.ws_helpers import PANEL_IDS
from trading.models import OrderEvent, UptimeHour

pytestmark = pytest.mark.django_db


def test_page_has_every_panel_and_the_live_socket(client_in):
    html = client_in.get("/").content.decode()
    for panel_id in PANEL_IDS:
        assert html.count(f'id="{panel_id}"') == 1
    assert 'hx-ext="ws"' in html and 'ws-connect="/ws/dashboard/default/"' in html
    assert 'id="conn"' in html  # the connection indicator
    assert "hx-swap-oob" not in html  # first load is a plain page


def test_without_engine_the_page_shows_the_database(client_in, config):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    UptimeHour.objects.create(
        bot="default",
        hour=hour - dt.timedelta(hours=2),
        two_sided_seconds=3000,
        in_band_seconds=2400,
    )
    OrderEvent.objects.create(
        bot="default", at=timezone.now(), kind="kill", message="manual kill by someone"
    )
    html = client_in.get("/").content.decode()
    assert "no engine connected" in html
    assert "manual kill by someone" in html
    assert "in band 40.0 min" in html  # the stored hour in the 24 h chart
    assert config.symbol in html


def test_with_engine_the_page_shows_its_latest_snapshot(client_in):
    publish_sync(make_snapshot(mid="12345.5"))
    html = client_in.get("/").content.decode()
    assert "12,345.5" in html
    assert "mmbot-1a2b3c-0007" in html  # an open order
    assert "ALO would cross" in html  # an event
    assert re.search(r'class="state state-running"', html)


def test_assets_are_local_only(client_in):
    html = client_in.get("/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/django_htmx/ext/hx-ws-2.min.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no CDN, no external fonts"


def test_kill_button_asks_for_confirmation(client_in):
    html = client_in.get("/").content.decode()
    kill_form = re.search(r"<form[^>]*control/kill[^>]*>", html).group(0)
    assert "hx-confirm=" in kill_form


def test_static_files_are_served_by_the_asgi_app():
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from mmsite.asgi import application

    http = application.application_mapping["http"]  # behind the status fast path
    assert isinstance(http.app, ASGIStaticFilesHandler)
