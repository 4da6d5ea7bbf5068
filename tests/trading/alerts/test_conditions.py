"""What a snapshot says is wrong (trading/alerts/conditions.py): the table /healthz and the
alert watcher both read."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dashboard.snapshots import (
    SPREAD_PROBLEM,
    band_strategy,
    make_snapshot,
    spread_strategy,
    tier,
)
from trading.alerts.conditions import CRITICAL, WARNING, bot_conditions, health

NOW = dt.datetime(2026, 11, 29, 13, 25, tzinfo=dt.UTC)
T = NOW.timestamp()


def snap(**overrides) -> dict:
    overrides.setdefault("strategy", band_strategy())  # quotes that can earn
    return make_snapshot(now=NOW, **overrides)


def keyed(snapshot, now=T) -> dict[str, tuple[str, str]]:
    return {c.key: (c.severity, c.text) for c in bot_conditions(snapshot, now)}


def test_a_healthy_bot_has_no_condition():
    assert keyed(snap()) == {}
    assert health(snap(), T) == {
        "status": "ok",
        "problems": [],
        "warnings": [],
        "state": "running",
        "snapshot_age_s": 0.0,
    }


@pytest.mark.parametrize(
    ("overrides", "key", "severity", "words"),
    [
        ({"state": "killed", "state_reason": "5 consecutive failures"}, "killed", CRITICAL,
         "kill switch engaged: 5 consecutive failures"),
        ({"feed": {"market": "stale", "account": "connected"}}, "feed:market", CRITICAL,
         "market feed stale"),
        ({"feed": {"market": "connected", "account": "disconnected"}}, "feed:account", CRITICAL,
         "account stream disconnected"),
        ({"token_expires_at": (NOW + dt.timedelta(hours=20)).isoformat()}, "token", WARNING,
         "expires in 20 h"),
        ({"token_expires_at": (NOW - dt.timedelta(minutes=1)).isoformat()}, "token", CRITICAL,
         "expired at 2026-11-29 13:24 UTC"),
        ({"state": "stopped", "state_reason": "authentication failed (401): set a fresh ..."},
         "auth", CRITICAL, "quoting stopped: authentication failed"),
        ({"updated_at": (NOW - dt.timedelta(seconds=9)).isoformat()}, "engine", CRITICAL,
         "last update was 9 s ago"),
    ],
)  # fmt: skip
def test_each_condition(overrides, key, severity, words):
    found = keyed(snap(**overrides))
    assert found[key][0] == severity
    assert words in found[key][1]


def test_a_token_with_more_than_a_day_left_is_fine_and_the_hint_names_the_command():
    assert "token" not in keyed(snap(token_expires_at=(NOW + dt.timedelta(hours=25)).isoformat()))
    text = keyed(snap(token_expires_at=(NOW + dt.timedelta(hours=23)).isoformat()))["token"][1]
    assert "python manage.py standx_login" in text


def test_the_target_tier_at_risk_is_a_warning_once_the_hour_has_run_ten_minutes():
    hour = "2026-11-29T13:00:00+00:00"
    at_risk = tier(in_band=8.0, elapsed=25.0, standard="at risk", boosted="out of reach", hour=hour)
    found = keyed(snap(tier=at_risk))
    assert found == {
        f"tier:{hour}": (
            WARNING,
            "standard tier (30 min in band) at risk for the 13:00 UTC hour: 8.0 min in band, "
            "22.0 min still needed, 35.0 min left",
        )
    }
    early = tier(in_band=1.0, elapsed=5.0, standard="at risk", hour=hour)
    assert keyed(snap(tier=early)) == {}, "the first minutes' pace is noise"
    assert keyed(snap(tier=at_risk, state="stopped", state_reason="stopped by admin")) == {}


def test_a_boosted_target_watches_the_boosted_tier():
    boosted_at_risk = tier(in_band=31.0, elapsed=40.0, standard="secured", boosted="at risk")
    uptime = {**snap()["uptime"], "target_minutes": 42}
    assert (
        "boosted tier" in next(iter(keyed(snap(tier=boosted_at_risk, uptime=uptime)).values()))[1]
    )
    assert keyed(snap(tier=boosted_at_risk)) == {}, "a 30-minute target has its tier secured"


def test_no_snapshot_means_no_engine_and_critical_conditions_make_health_degraded():
    assert health(None, T)["status"] == "degraded"
    assert health(None, T)["problems"] == ["no engine is publishing this bot's state"]
    killed = health(snap(state="killed", state_reason="pressed kill"), T)
    assert (killed["status"], killed["state"]) == ("degraded", "killed")
    expiring = health(snap(token_expires_at=(NOW + dt.timedelta(hours=3)).isoformat()), T)
    assert expiring["status"] == "ok" and "expires in 3 h" in expiring["warnings"][0]


def test_quotes_that_cannot_earn_are_one_warning_instead_of_an_hourly_tier():
    out_of_reach = tier(in_band=0.0, elapsed=40.0, standard="out of reach", boosted="out of reach")
    found = keyed(snap(strategy=spread_strategy(can_earn=False), tier=out_of_reach))
    assert found == {"earn": (WARNING, f"the quotes earn nothing: {SPREAD_PROBLEM}")}
    assert keyed(snap(strategy=spread_strategy(can_earn=True), tier=out_of_reach)).keys() == {
        f"tier:{out_of_reach['hour']}"
    }
