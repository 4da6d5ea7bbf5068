"""render.py: snapshot -> panel HTML, and the small arithmetic behind it."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard import render
from dashboard.templatetags.dash import age, bps, num
from tests.dashboard.snapshots import make_snapshot
from tests.dashboard.ws_helpers import PANEL_IDS
from trading.core.summary import summarize

NOW = dt.datetime(2026, 1, 5, 14, 20, tzinfo=dt.UTC)


def test_oob_frame_has_one_root_per_panel_with_swap_attribute():
    html = render.render_oob(make_snapshot(now=NOW), NOW)
    assert html.count('hx-swap-oob="true"') == len(render.PANELS) == len(PANEL_IDS)
    assert all(f'id="{panel_id}"' in html for panel_id in PANEL_IDS)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-01-05T14:19:58+00:00", 2.0),
        ("2026-01-05T14:19:58Z", 2.0),
        (NOW.timestamp() - 3, 3.0),
        (None, None),
    ],
)
def test_age_of_last_update(value, expected):
    context = render.status_context({"updated_at": value}, NOW)
    assert context["age_s"] == expected
    assert context["stale"] is (expected is None)


@pytest.mark.parametrize(
    "expires_in,warning,expired",
    [
        (dt.timedelta(days=3), False, False),
        (dt.timedelta(hours=5), True, False),
        (dt.timedelta(seconds=-1), True, True),
    ],
)
def test_token_expiry_warning(expires_in, warning, expired):
    context = render.status_context({"token_expires_at": (NOW + expires_in).isoformat()}, NOW)
    assert (context["token_warning"], context["token_expired"]) == (warning, expired)
    html = render.render_panel("status", {"token_expires_at": (NOW + expires_in).isoformat()}, NOW)
    assert ("expired" in html) is expired


def test_uptime_minutes_and_reachability():
    snap = make_snapshot(
        now=NOW,
        uptime={
            "in_band_seconds": 600,
            "two_sided_seconds": 900,
            "elapsed_seconds": 2400,
            "target_minutes": 30,
        },
    )
    context = render.uptime_context(snap, NOW)
    assert context["in_band"] == 10 and context["in_band_pct"] == pytest.approx(16.67)
    assert context["reachable"] and not context["met"]  # 10 + 20 minutes left = 30
    snap["uptime"]["elapsed_seconds"] = 2500
    assert not render.uptime_context(snap, NOW)["reachable"]


def test_history_chart_geometry():
    history = [
        {
            "hour": (NOW - dt.timedelta(hours=23 - i)).isoformat(),
            "two_sided_seconds": 3600,
            "in_band_seconds": 1800 if i % 2 else 4000,
        }
        for i in range(24)
    ]
    chart = render.history_chart(history, 30)
    assert len(chart["bars"]) == 24 and chart["target_y"] == 30
    assert chart["bars"][1]["in_band_y"] == 30 and chart["bars"][1]["met"]
    assert chart["bars"][0]["in_band"] == 60  # capped at the hour
    assert [b["x"] for b in chart["bars"][:3]] == [0, 20, 40]


def test_panels_survive_an_empty_snapshot():
    html = render.render_oob({"bot": "default"}, NOW)
    assert html.count('hx-swap-oob="true"') == len(render.PANELS) and "unknown" in html


def test_market_panel_shows_our_quotes_against_mid_and_mark():
    html = render.render_panel("market", make_snapshot(now=NOW), NOW)
    assert "96,764.2" in html and "-50.0" in html and "-49.8" in html
    assert "97,248.1" in html  # the mark


def test_cached_frame_is_reused_within_a_second():
    snap = make_snapshot()
    assert render.render_oob_cached(snap) is render.render_oob_cached(dict(snap))


@pytest.mark.parametrize(
    "f,value,expected",
    [
        (bps, "-49.75", "-49.8"),
        (bps, "3", "+3.0"),
        (bps, None, "–"),
        (num, "97250.50", "97,250.50"),
        (num, "abc", "–"),
        (age, 0.42, "0.4s"),
        (age, 42, "42s"),
        (age, 185, "3m 05s"),
        (age, 7500, "2h 05m"),
    ],
)
def test_filters(f, value, expected):
    assert f(value) == expected


def test_overview_row_from_an_engine_summary():
    summary = summarize(make_snapshot(now=NOW - dt.timedelta(seconds=2)))
    context = render.row_context(summary, NOW)
    assert (context["orders"], context["p99_ms"], context["age_s"]) == (2, 7.25, 2.0)
    assert context["uptime"]["in_band"] == pytest.approx(25.175) and not context["stale"]
    html = render.render_row(summary, NOW, oob=True)
    assert html.startswith(
        '<tr id="bot-row-default" class="bot-row" data-bot="default" hx-swap-oob="true">'
    )
    assert 'data-field="age"' in html and ">2.0s<" in html


def test_overview_row_without_an_engine():
    summary = summarize(
        {
            "bot": "eth",
            "state": "no engine connected",
            "engine": False,
            "symbol": "ETH-USD",
            "updated_at": None,
        }
    )
    html = render.render_row(summary, NOW)
    assert "hx-swap-oob" not in html and ">never<" in html and "data-updated-at" not in html
    assert 'data-field="p99">–<' in html and 'data-field="bid">–<' in html


def test_cached_row_is_reused_within_a_second_but_not_across_bots():
    eth, btc = summarize(make_snapshot(bot="eth")), summarize(make_snapshot(bot="btc"))
    assert render.render_row_cached(eth) is render.render_row_cached(dict(eth))
    assert 'id="bot-row-btc"' in render.render_row_cached(btc)


def test_status_says_when_orders_could_not_be_verified_gone_and_when_the_breaker_holds():
    calm = render.render_panel("status", make_snapshot(now=NOW), NOW)
    assert 'data-field="in-doubt"' not in calm and 'data-field="breaker"' not in calm
    doubt = make_snapshot(
        now=NOW,
        state="killed",
        cleanup={
            "verified": False,
            "left": 2,
            "message": "killed — 2 orders could not be verified gone",
        },
        breaker={
            "bid": {"holding": True, "seconds_left": 12.0, "trips": 1},
            "ask": {"holding": False, "seconds_left": 0.0, "trips": 0},
        },
    )
    html = render.render_panel("status", doubt, NOW)
    assert "killed — 2 orders could not be verified gone: check the exchange" in html
    assert "requote breaker: the bid side places at most one order a second" in html
