"""The bundled reward schedules load with the numbers docs/standx-protocol.md §7.2/§7.3a
give, and a schedule file that cannot be used is refused naming the file and the reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trading.core.reward_schedule import SNAPSHOTS, TIME_WEIGHTED, ScheduleError
from trading.schedules import BUNDLED, DEFAULT_SCHEDULE, HERE, load_schedule

D = Decimal


def test_the_bundled_schedules_are_sip5a_by_default_and_the_original_programme():
    assert BUNDLED == ("sip5a", "uptime-original") and DEFAULT_SCHEDULE == "sip5a"


def test_sip5a_reads_as_the_community_maker_yield_page_of_2026_08_15():
    s = load_schedule("sip5a")
    assert (s.name, s.scoring, s.dated) == ("sip5a", TIME_WEIGHTED, dt.date(2026, 8, 15))
    assert s.band_bps == 10 and s.min_rest_seconds == 3
    assert [s.weight_at(D(bps)) for bps in (0, 5, 10, 11)] == [D("2.0"), D("0.8"), D("0.4"), 0]
    assert [(t.minutes, t.multiplier) for t in s.tiers] == [(30, D("0.5")), (42, D("1.0"))]
    units = {sym: (t.unit, t.cap_per_side) for sym, t in s.symbols.items() if t.unit}
    assert units == {
        "BTC-USD": (2, 20),
        "ETH-USD": (60, 600),
        "HYPE-USD": (4000, 40000),
        "SOL-USD": (1500, 15000),
        "BNB-USD": (300, 3000),
    }
    assert s.symbols["BTC-USD"].max_maker_hours == 10
    for symbol in ("XAU-USD", "XAG-USD", "CL-USD", "TSLA-USD"):
        terms = s.symbols[symbol]
        assert terms.max_maker_hours == 2 and terms.session is not None
        assert terms.session.timezone == "America/New_York"
        assert terms.session.off_session_factor == D("0.1")


def test_the_original_programme_is_x70_x50_of_snapshots_two_btc_btc_only():
    s = load_schedule("uptime-original")
    assert s.scoring == SNAPSHOTS and s.snapshots_per_hour == 60
    assert [(t.minutes, t.multiplier, t.percentile) for t in s.tiers] == [
        (30, D("0.5"), D("0.5")),
        (42, D("1.0"), D("0.7")),
    ]
    assert list(s.symbols) == ["BTC-USD"] and s.symbols["BTC-USD"].cap_per_side == 2
    assert s.weight_at(D(0)) == s.weight_at(D(10)) == 1 and s.weight_at(D("10.5")) == 0


def test_a_schedule_file_by_path_is_validated_like_a_bundled_one(tmp_path):
    text = (HERE / "sip5a.toml").read_text().replace('name = "sip5a"', 'name = "mine"')
    (tmp_path / "mine.toml").write_text(text)
    assert load_schedule(str(tmp_path / "mine.toml")).name == "mine"
    (tmp_path / "bad.toml").write_text(text.replace("band_bps = 10", "band_bps = -1"))
    with pytest.raises(ScheduleError) as refused:
        load_schedule(str(tmp_path / "bad.toml"))
    assert str(refused.value) == f"{tmp_path / 'bad.toml'}: band_bps -1 must be above 0"


@pytest.mark.parametrize(
    "content, reason",
    [
        (None, "cannot be read (No such file or directory)"),
        ("band_bps = = 10", "not valid TOML (Invalid value"),
        (b"\xff\xfe", "not valid TOML ("),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_it(tmp_path, content, reason):
    path = tmp_path / "schedule.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ScheduleError) as refused:
        load_schedule(str(path))
    assert str(refused.value).startswith(f"{path}: {reason}")


def test_a_name_that_is_neither_bundled_nor_a_toml_path_is_refused():
    with pytest.raises(ScheduleError, match="expected one of sip5a, uptime-original, or the path"):
        load_schedule("sip6")
