"""A day before the access token expires the bot's page says so in a banner (with the command
that renews it), pushed like every status panel; an expired token turns it red."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import render
from tests.dashboard.snapshots import make_snapshot, publish_sync

NOW = dt.datetime(2026, 11, 29, 13, 0, tzinfo=dt.UTC)


def status_html(expires_in: dt.timedelta) -> str:
    snapshot = make_snapshot(now=NOW, token_expires_at=(NOW + expires_in).isoformat())
    return render.render_panel("status", snapshot, NOW)


def test_no_banner_while_more_than_a_day_is_left():
    assert 'id="token-banner"' not in status_html(dt.timedelta(hours=25))


def test_banner_a_day_ahead_names_the_renewal_command():
    html = status_html(dt.timedelta(hours=20))
    assert 'id="token-banner"' in html and "expired" not in html.split('id="token-banner"')[1][:40]
    assert "expires in" in html and "2026-11-30 09:00 UTC" in html
    assert "python manage.py standx_login" in html


def test_an_expired_token_is_a_red_banner():
    html = status_html(-dt.timedelta(minutes=5))
    assert 'class="token-banner expired"' in html
    assert "has expired" in html and "12:55 UTC" in html


@pytest.mark.django_db
def test_the_bot_page_shows_the_banner(client_in):
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=6)
    publish_sync(make_snapshot("default", token_expires_at=expires.isoformat()))
    page = client_in.get("/bots/default/").content.decode()
    assert 'id="token-banner"' in page and "standx_login" in page
