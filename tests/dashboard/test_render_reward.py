"""The panels about what StandX pays (issue 13), rendered from synthetic snapshots."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dashboard import render
from tests.dashboard.snapshots import (
    SPREAD_PROBLEM,
    band_strategy,
    make_snapshot,
    spread_strategy,
    tier,
)
from trading.core.summary import summarize

NOW = dt.datetime(2026, 11, 29, 13, 20, tzinfo=dt.UTC)
HOUR = "2026-11-29T13:00:00+00:00"


def panel(name: str, **overrides) -> str:
    return render.render_panel(name, make_snapshot(now=NOW, **overrides), NOW)


def tier_box(html: str, name: str) -> str:
    box = re.search(rf'<div class="tier [^"]*" data-tier="{name}".*?</div>\s*</div>', html, re.S)
    assert box is not None, f"no {name} tier box"
    return box.group(0)


# ---------------------------------------------------------------- tier budget


def test_tier_budget_shows_each_tier_against_the_utc_hour():
    html = panel("tier", tier=tier(in_band=12.3, elapsed=20.0, hour=HOUR))
    assert "13:00–14:00 UTC" in html
    standard, boosted = tier_box(html, "standard"), tier_box(html, "boosted")
    assert 'data-status="on track"' in standard and "17.7 min still needed" in standard
    assert 'data-status="at risk"' in boosted and "29.7 min still needed" in boosted
    assert "tier-ok" in standard and "tier-warn" in boosted
    assert re.search(r'data-field="in_band_minutes">12.3<', html)
    assert re.search(r'data-field="minutes_left">40.0<', html)


def test_out_of_reach_says_until_when_and_secured_says_reached():
    html = panel(
        "tier",
        tier=tier(
            in_band=31.0, elapsed=50.0, standard="secured", boosted="out of reach", hour=HOUR
        ),
    )
    assert re.search(
        r'data-field="status">out of reach until 14:00 UTC<', tier_box(html, "boosted")
    )
    standard = tier_box(html, "standard")
    assert "reached this hour" in standard and "still needed" not in standard
    assert "tier-bad" in tier_box(html, "boosted")


def test_tier_budget_without_figures_says_so():
    html = render.render_panel("tier", {"bot": "default"}, NOW)
    assert 'id="panel-tier"' in html and "No tier figures yet" in html and "UTC" in html


# ---------------------------------------------------------------- strategy and "cannot earn"


def test_cannot_earn_shows_the_problem_and_one_switch_button():
    html = panel("strategy", strategy=spread_strategy(can_earn=False))
    banner = re.search(r'<div id="cannot-earn".*?</div>', html, re.S).group(0)
    assert SPREAD_PROBLEM in banner
    # One button, submitting the page's form: no form of its own in a panel a push replaces.
    assert banner.count("<button") == 1 and "<form" not in banner
    assert 'form="switch-to-band-form"' in banner
    assert 'data-can-earn="false"' in html


@pytest.mark.parametrize("strategy", [spread_strategy(can_earn=True), band_strategy(), None])
def test_no_banner_when_the_quotes_can_earn_or_nobody_said(strategy):
    html = panel("strategy", strategy=strategy)
    assert 'id="cannot-earn"' not in html and "switch-to-band" not in html


def test_band_line_shows_what_it_aims_for_and_what_it_measured():
    html = panel("strategy", strategy=band_strategy())
    line = re.search(r'<p class="strategy-line".*?</p>', html, re.S).group(0)
    assert "±10 bps of the mark" in line and "<b>6.5</b> bps" in line and "<b>2.1</b> bps" in line
    assert "1.02 bps/√s" in line and "52 ms" in line and "-0.8 bps" in line
    assert "request cap" not in html
    assert "request cap" in panel("strategy", strategy=band_strategy(holding=True))


def test_spread_line_names_the_spread_and_the_band():
    html = panel("strategy", strategy=spread_strategy(can_earn=True))
    line = re.search(r'<p class="strategy-line".*?</p>', html, re.S).group(0)
    assert "50 bps each side of the mid" in line and "±10 bps of the mark" in line
    assert "aiming" not in line


# ---------------------------------------------------------------- size and lifetimes


def test_size_that_counts_and_the_unequal_warning():
    html = panel("size")
    for field, value in [
        ("now_usd", "29.70"),
        ("hour_mean_usd", "28.10"),
        ("x70_usd", "29.70"),
        ("x50_usd", "29.40"),
        ("samples", "14"),
    ]:
        assert re.search(rf'data-field="{field}">{value}<', html), field
    assert "Unequal sizes" not in html
    warning = "bid 30.0 USD vs ask 60.0 USD: StandX counts the smaller side"
    html = panel("size", counted_size={"now_usd": "30.00", "samples": 0, "unequal": warning})
    assert re.search(r'role="alert" data-field="unequal">Unequal sizes: bid 30.0 USD', html)


def test_lifetimes_show_young_cancels_median_life_and_request_rate():
    html = panel("lifetimes")
    assert re.search(r'data-field="young_share">6.5 %', html) and "2 of 31" in html
    assert "orders &lt; 3 s" in html
    assert re.search(r'data-field="median_life_s">12s<', html)
    assert re.search(r'data-field="requests_per_minute">14.0<', html)
    assert 'data-field="young_share" class="warn"' not in html
    flicker = panel(
        "lifetimes",
        lifetimes={
            "cancels": 10,
            "young_cancels": 4,
            "young_share": 0.4,
            "min_rest_s": 3.0,
            "median_life_s": None,
            "requests_per_minute": 80.0,
        },
    )
    assert 'data-field="young_share" class="warn">40.0 %' in flicker


@pytest.mark.parametrize("name", ["size", "lifetimes", "strategy"])
def test_reward_panels_survive_a_snapshot_without_their_figures(name):
    html = render.render_panel(name, {"bot": "default"}, NOW)
    assert f'id="panel-{name}"' in html


# ---------------------------------------------------------------- StandX's hours in the chart


def history(exchange: dict[int, float], ours: float = 2400.0) -> list[dict]:
    """24 hours ending with the current one; `exchange` maps an index to StandX's seconds."""
    start = NOW.replace(minute=0) - dt.timedelta(hours=23)
    return [
        {
            "hour": (start + dt.timedelta(hours=i)).isoformat(),
            "two_sided_seconds": 3600,
            "in_band_seconds": ours,
            "exchange_in_band_seconds": exchange.get(i),
        }
        for i in range(24)
    ]


def test_chart_draws_standx_hours_beside_ours_and_flags_disagreement():
    chart = render.history_chart(history({10: 2400 + 120, 11: 2400 - 181, 12: 2400 + 600}), 30, NOW)
    bars = chart["bars"]
    assert [i for i, b in enumerate(bars) if b["exchange"] is not None] == [10, 11, 12]
    assert bars[10]["exchange_x"] == bars[10]["x"] + chart["bar_width"]
    assert [i for i, b in enumerate(bars) if b["disagree"]] == [11, 12]
    assert chart["exchange_hours"] == 3 and chart["disagreements"] == 2


def test_the_running_hour_is_never_flagged():
    chart = render.history_chart(history({23: 0.0}), 30, NOW)
    assert chart["bars"][23]["exchange"] == 0 and not chart["bars"][23]["disagree"]


def test_uptime_panel_has_standx_bars_and_the_disagreement_note():
    html = panel(
        "uptime",
        history=history({20: 2400 + 300, 21: 2400}),
        exchange_uptime={"checked_at": NOW.isoformat(), "error": None, "hours": []},
    )
    assert html.count('<rect class="exch"') == 2
    assert html.count('<g class="hour disagree"') == 1
    assert "StandX: in band 45.0 min (differs by 5.0 min)" in html
    assert "1 hour where StandX and we differ by more than 3 min" in html
    assert "StandX's hours read at 13:20 UTC" in html


def test_uptime_panel_says_when_standx_could_not_be_read():
    html = panel(
        "uptime",
        history=history({}),
        exchange_uptime={"checked_at": None, "error": "HTTP 404", "hours": []},
    )
    assert "could not be read: HTTP 404" in html and '<rect class="exch"' not in html


# ---------------------------------------------------------------- overview row


def test_overview_row_shows_strategy_cannot_earn_and_tier_statuses():
    summary = summarize(
        make_snapshot(now=NOW, tier=tier(standard="at risk", boosted="out of reach"))
    )
    html = render.render_row(summary, NOW)
    assert re.search(r'data-field="strategy">spread <span class="badge bad cannot-earn"', html)
    assert 'data-tier="standard" data-status="at risk"' in html
    assert 'data-tier="boosted" data-status="out of reach"' in html
    band = summarize(make_snapshot(now=NOW, strategy=band_strategy()))
    html = render.render_row(band, NOW)
    assert 'data-field="strategy">band</td>' in html and "cannot-earn" not in html


def test_overview_row_from_an_older_summary_shows_dashes():
    html = render.render_row({"bot": "eth", "state": "running"}, NOW)
    assert 'data-field="strategy">–</td>' in html and "cannot-earn" not in html


def test_band_without_measurements_says_what_it_will_aim_for():
    html = panel("strategy", strategy=band_strategy(target_bps=None, margin_bps=None))
    assert "both sides inside 10 bps of the mark (margin auto" in html and "aiming" not in html


def test_a_strategy_line_is_the_strategys_own_description():
    html = panel("strategy", strategy=band_strategy(description="each side 4 bps from the mark"))
    assert "each side 4 bps from the mark · the reward band is ±10 bps" in html
