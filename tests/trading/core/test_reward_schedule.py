"""Reward schedules as data (trading.core.reward_schedule): a valid table becomes a schedule
whose weights, tiers and sessions read as the file says; each kind of bad table is refused
with a reason that names the key, never taken with a silent default."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trading.core.schedule_cases import VALID
from trading.core.reward_schedule import ScheduleError, parse_schedule

D = Decimal


def changed(path: str, value: object) -> dict:
    """VALID with the key at a dotted path set (value None: removed)."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    table: object = data
    for key in parents:
        table = table[int(key)] if isinstance(table, list) else table[key]  # type: ignore[index]
    if value is None:
        del table[last]  # type: ignore[attr-defined]
    elif isinstance(table, list):
        table[int(last)] = value
    else:
        table[last] = value  # type: ignore[index]
    return data


def test_a_valid_table_reads_as_written():
    schedule = parse_schedule(VALID)
    assert schedule.name == "test" and schedule.dated == dt.date(2026, 8, 15)
    assert schedule.band_bps == 10 and schedule.min_rest_seconds == 3.0
    assert [(t.name, t.minutes, t.multiplier) for t in schedule.tiers] == [
        ("standard", 30, D("0.5")),
        ("boosted", 42, D("1.0")),
    ]
    btc = schedule.terms_for("BTC-USD")
    assert btc is not None and (btc.unit, btc.cap_per_side, btc.max_maker_hours) == (2, 20, 10)
    xau = schedule.terms_for("XAU-USD")
    assert xau is not None and xau.unit is None and xau.session is not None
    assert schedule.terms_for("ETH-USD") is None  # not paid under this schedule


@pytest.mark.parametrize(
    "distance, weight",
    [
        ("0", "2.0"),
        ("2.5", "1.40"),  # halfway between 200 % and 80 %
        ("5", "0.8"),
        ("-5", "0.8"),  # below the mark as above it
        ("7.5", "0.60"),
        ("10", "0.4"),  # the band's edge still counts
        ("10.01", "0"),
        ("50", "0"),
    ],
)
def test_weights_are_linear_between_the_points_and_zero_beyond_the_band(distance, weight):
    assert parse_schedule(VALID).weight_at(D(distance)) == D(weight)


def test_tier_reached_is_the_highest_whose_minutes_are_met():
    schedule = parse_schedule(VALID)
    assert schedule.tier_reached(30 * 60 - 0.001) is None
    assert schedule.tier_reached(30 * 60).name == "standard"
    assert schedule.tier_reached(41 * 60 + 59).name == "standard"
    assert schedule.tier_reached(42 * 60).name == "boosted"


NEW_YORK_SUMMER = -4 * 3600  # EDT: New York is UTC-4 in August


def new_york(day: int, hour: int, minute: int = 0) -> float:
    """Epoch of a wall-clock time in New York on 2026-08-<day> (August: UTC-4)."""
    utc = dt.datetime(2026, 8, day, hour, minute, tzinfo=dt.UTC).timestamp()
    return utc - NEW_YORK_SUMMER


@pytest.mark.parametrize(
    "when, factor",
    [
        (new_york(17, 12), "1"),  # Monday noon: Sunday 18:00's window is open
        (new_york(17, 17, 30), "0.1"),  # Monday's daily break
        (new_york(17, 18), "1"),  # Monday's window opens
        (new_york(21, 16, 59), "1"),  # Friday before the close
        (new_york(21, 17), "0.1"),  # Friday 17:00: closed for the weekend
        (new_york(22, 12), "0.1"),  # Saturday
        (new_york(23, 18), "1"),  # Sunday 18:00: open again
    ],
)
def test_sessions_follow_new_york_time(when, factor):
    xau = parse_schedule(VALID).terms_for("XAU-USD")
    assert xau is not None and xau.session_factor(when) == D(factor)


def test_session_edges_are_the_opens_and_closes_inside_an_interval():
    xau = parse_schedule(VALID).terms_for("XAU-USD")
    assert xau is not None
    edges = xau.session_edges(new_york(21, 12), new_york(24, 12))  # Friday noon to Monday noon
    assert edges == [new_york(21, 17), new_york(23, 18)]
    assert xau.session_edges(new_york(17, 12), new_york(17, 13)) == []
    btc = parse_schedule(VALID).terms_for("BTC-USD")
    assert btc is not None and btc.session_edges(0, 1e10) == [] and btc.session_factor(0) == 1


@pytest.mark.parametrize(
    "path, value, reason",
    [
        ("scoring", "median", "scoring 'median' is not one of time-weighted, snapshots"),
        ("scoring", None, "the schedule needs scoring (text)"),
        ("name", "", "the schedule needs name (text)"),
        ("tierz", [], "the schedule has unknown key(s) tierz"),
        ("dated", "last week", "dated 'last week' is not a date such as 2026-08-15"),
        ("band_bps", 0, "band_bps 0 must be above 0"),
        ("band_bps", "ten", "band_bps 'ten' is not a number"),
        ("band_bps", True, "band_bps True is not a number"),
        ("weights", [], "weights must be a list of [bps, weight] points"),
        ("weights.0", [0], "weights[0] [0] is not a [bps, weight] pair"),
        ("weights.0", [1, 2.0], "weights must start at 0 bps from the mark"),
        ("weights.2", [8, 0.4], "weights must end at the band's edge (10 bps)"),
        ("weights.2", [12, 0.4], "weights[2] distance 12 must be at most 10"),
        ("weights.1", [0, 0.8], "weights' distances must increase (0 then 0 bps)"),
        ("weights.2", [10, 0.9], "weights must not grow with distance (0.8 at 5 bps, 0.9 at 10"),
        ("weights.1", [5, -1], "weights[1] weight -1 must be at least 0"),
        ("weights.1", [5, "nan"], "weights[1] weight 'nan' is not a finite number"),
        ("min_rest_seconds", -1, "min_rest_seconds -1 must be at least 0"),
        ("snapshots_per_hour", 0, "snapshots_per_hour 0 is not a whole number 1-3600"),
        ("tiers", [], "tiers must be a list of [[tiers]] tables"),
        ("tiers.0.minutes", 61, "tiers[0] minutes 61 is not a whole number 0-60"),
        ("tiers.0.minutes", 30.5, "tiers[0] minutes 30.5 is not a whole number 0-60"),
        ("tiers.0.multiplier", 0, "tiers[0] multiplier 0 must be above 0"),
        ("tiers.0.percentile", 0.5, "tiers[0] percentile applies to snapshots scoring only"),
        ("tiers.1.minutes", 30, "tiers must be listed by increasing minutes (standard first)"),
        ("tiers.1.multiplier", 0.25, "tier boosted pays less than standard"),
        ("tiers.0.bonus", 1, "tiers[0] has unknown key(s) bonus"),
        ("symbols", {}, "symbols must be a table of at least one [symbols.<SYMBOL>]"),
        ("symbols.BTC-USD.unit", 0, "symbols.BTC-USD unit 0 must be above 0"),
        ("symbols.BTC-USD.cap", 20, "symbols.BTC-USD has unknown key(s) cap"),
        (
            "symbols.XAU-USD.session",
            "lunch",
            "symbols.XAU-USD session 'lunch' is not in [sessions]",
        ),
        (
            "sessions.metals.timezone",
            "Mars/Olympus",
            "sessions.metals timezone 'Mars/Olympus' is not a known time zone",
        ),
        ("sessions.metals.days", ["funday"], "sessions.metals days ['funday'] must list some of"),
        ("sessions.metals.opens", "6pm", "sessions.metals opens '6pm' is not a time such as 09:30"),
        ("sessions.metals.closes", "18:00", "sessions.metals opens and closes at the same time"),
        (
            "sessions.metals.off_session_factor",
            1.5,
            "sessions.metals off_session_factor 1.5 must be at most 1",
        ),
    ],
)
def test_a_bad_schedule_is_refused_with_its_reason(path, value, reason):
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(changed(path, value))
    assert reason in str(refused.value)


def test_snapshot_scoring_needs_a_percentile_per_tier():
    data = changed("scoring", "snapshots")
    with pytest.raises(ScheduleError, match=r"tiers\[0\] needs a percentile"):
        parse_schedule(data)
    data["tiers"][0]["percentile"] = 0.5
    data["tiers"][1]["percentile"] = 0.7
    assert [t.percentile for t in parse_schedule(data).tiers] == [D("0.5"), D("0.7")]


distances = st.decimals(min_value=0, max_value=20, places=2)


@given(distances, distances)
def test_weight_never_grows_with_distance(a, b):
    schedule = parse_schedule(VALID)
    near, far = sorted((a, b))
    assert schedule.weight_at(near) >= schedule.weight_at(far) >= 0
