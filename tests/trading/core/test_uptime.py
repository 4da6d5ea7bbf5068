"""Table-driven tests of trading.core.uptime: hour splits, integration, band, gaps, pause, merge."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.uptime import DARK, HourUptime, SideState, UptimeMeter, hour_start, split_by_hour

H = 3600
T0 = 1_767_225_600  # 2026-01-01 00:00:00 UTC, an hour boundary
MARK = D("100.00")
BID_IN = SideState(True, D("99.92"))  # 8 bps under the mark
ASK_IN = SideState(True, D("100.08"))
BID_OUT = SideState(True, D("99.89"))  # 11 bps under
BID_EDGE = SideState(True, D("99.90"))  # exactly 10 bps: inclusive


def meter(max_gap=30.0) -> UptimeMeter:
    return UptimeMeter(band_bps=D("10"), max_gap_seconds=max_gap)


def counted_seconds(m: UptimeMeter) -> float:
    """All the time the meter counted (up or dark), over every hour."""
    return sum(row.running_seconds for row in m.hours().values())


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (T0, T0 + 10, [(T0, 10.0)]),
        (T0 + H - 5, T0 + H + 7, [(T0, 5.0), (T0 + H, 7.0)]),
        (
            T0 + H - 0.25,
            T0 + 3 * H + 0.5,
            [(T0, 0.25), (T0 + H, 3600.0), (T0 + 2 * H, 3600.0), (T0 + 3 * H, 0.5)],
        ),
        (T0 + H, T0 + 2 * H, [(T0 + H, 3600.0)]),  # [start, end): end boundary excluded
        (T0, T0, []),
        (T0 + 5, T0, []),
    ],
)
def test_split_by_hour(start, end, expected):
    assert split_by_hour(start, end) == expected


@pytest.mark.parametrize(
    "epoch, hour", [(T0, T0), (T0 + 3599.999, T0), (T0 + H, T0 + H), (T0 - 0.001, T0 - H)]
)
def test_hour_start_floors_to_the_utc_hour(epoch, hour):
    assert hour_start(epoch) == hour


# Each row: observations (offset, bid, ask, mark) and the expected fields of hour T0.
@pytest.mark.parametrize(
    "observations, expected",
    [
        # both in band for 10 s, then dark; the last state is not integrated past the last call
        (
            [(0, BID_IN, ASK_IN, MARK), (10, DARK, DARK, MARK), (15, DARK, DARK, MARK)],
            dict(
                two_sided_seconds=10,
                in_band_seconds=10,
                bid_seconds=10,
                ask_seconds=10,
                bid_dark_ms=5000,
                ask_dark_ms=5000,
                running_seconds=15,
            ),
        ),
        # two-sided but the bid is 11 bps away: two-sided, not in band
        (
            [(0, BID_OUT, ASK_IN, MARK), (20, DARK, DARK, MARK)],
            dict(two_sided_seconds=20, in_band_seconds=0),
        ),
        # exactly on the band edge counts
        (
            [(0, BID_EDGE, ASK_IN, MARK), (20, DARK, DARK, MARK)],
            dict(two_sided_seconds=20, in_band_seconds=20),
        ),
        # no mark known: not in band
        (
            [(0, BID_IN, ASK_IN, None), (20, DARK, DARK, None)],
            dict(two_sided_seconds=20, in_band_seconds=0),
        ),
        # the state at the previous observation holds: bid only for 4 s, then both for 6 s
        (
            [(0, BID_IN, DARK, MARK), (4, BID_IN, ASK_IN, MARK), (10, BID_IN, ASK_IN, MARK)],
            dict(
                two_sided_seconds=6, bid_seconds=10, ask_seconds=6, ask_dark_ms=4000, bid_dark_ms=0
            ),
        ),
        # first observation only sets the state
        ([(5, BID_IN, ASK_IN, MARK)], dict(running_seconds=0, two_sided_seconds=0)),
    ],
)
def test_observe_integrates_the_previous_state(observations, expected):
    m = meter()
    for offset, bid, ask, mark in observations:
        m.observe(T0 + offset, bid, ask, mark)
    row = m.hours().get(T0, HourUptime(T0))
    for name, value in expected.items():
        assert getattr(row, name) == pytest.approx(value), name


def test_interval_across_the_hour_boundary_is_split_exactly():
    m = meter()
    m.observe(T0 + H - 12, BID_IN, ASK_IN, MARK)
    m.observe(T0 + H + 18, DARK, ASK_IN, MARK)
    m.observe(T0 + H + 20, DARK, ASK_IN, MARK)
    hours = m.hours()
    assert hours[T0].two_sided_seconds == 12 and hours[T0].in_band_seconds == 12
    assert hours[T0 + H].two_sided_seconds == 18
    assert hours[T0 + H].bid_dark_ms == pytest.approx(2000)
    assert hours[T0 + H].ask_seconds == 20


@pytest.mark.parametrize(
    "interval, counted, gap",
    [
        (30.0, 30.0, False),  # exactly max_gap still counts
        (30.5, 0.0, True),
        (8 * H, 0.0, True),  # laptop slept overnight
    ],
)
def test_long_intervals_are_gaps_not_uptime_nor_dark(interval, counted, gap):
    m = meter(max_gap=30.0)
    m.observe(T0, BID_IN, DARK, MARK)
    m.observe(T0 + interval, BID_IN, DARK, MARK)
    assert counted_seconds(m) == pytest.approx(counted)
    total = sum(r.bid_seconds + r.ask_dark_ms / 1000 for r in m.hours().values())
    assert total == pytest.approx(2 * counted)
    assert sum(r.gaps for r in m.hours().values()) == int(gap)
    if gap:
        assert m.hours()[hour_start(T0 + interval)].gaps == 1
        # the next interval counts normally again
        m.observe(T0 + interval + 5, DARK, DARK, MARK)
        assert counted_seconds(m) == pytest.approx(5.0)


def test_clock_stepping_back_counts_nothing():
    m = meter()
    m.observe(T0 + 10, BID_IN, ASK_IN, MARK)
    m.observe(T0 + 5, BID_IN, ASK_IN, MARK)
    assert counted_seconds(m) == 0
    m.observe(T0 + 12, DARK, DARK, MARK)
    assert counted_seconds(m) == 2
    assert m.hours()[T0].two_sided_seconds == 2


def test_pause_stops_the_meter_and_resume_starts_dark():
    m = meter()
    m.observe(T0, BID_IN, ASK_IN, MARK)
    m.pause(T0 + 10)
    assert m.paused and counted_seconds(m) == 10
    m.observe(T0 + 20, BID_IN, ASK_IN, MARK)
    assert counted_seconds(m) == 10
    m.resume(T0 + 25)
    assert not m.paused
    m.observe(T0 + 27, BID_IN, ASK_IN, MARK)  # 2 s dark right after resume
    m.observe(T0 + 30, DARK, DARK, MARK)  # then 3 s two-sided
    row = m.hours()[T0]
    assert row.two_sided_seconds == 13
    assert row.bid_dark_ms == pytest.approx(2000) and row.running_seconds == 15


def test_requotes_and_fills_count_into_the_hour_of_now():
    m = meter()
    m.record_requote(T0 + 1)
    m.record_requote(T0 + H - 1)
    m.record_fill(T0 + H)
    hours = m.hours()
    assert (hours[T0].requotes, hours[T0].fills) == (2, 0)
    assert (hours[T0 + H].requotes, hours[T0 + H].fills) == (0, 1)


def test_merge_after_restart_adds_up_without_double_counting():
    persisted = HourUptime(
        T0,
        two_sided_seconds=600,
        in_band_seconds=500,
        bid_seconds=700,
        ask_seconds=650,
        bid_dark_ms=1000,
        requotes=3,
        fills=1,
        gaps=1,
    )
    m = meter()
    m.merge(persisted)
    m.merge(persisted)  # reloading the same row does not double it
    m.observe(T0 + 1000, BID_IN, ASK_IN, MARK)
    m.observe(T0 + 1010, DARK, DARK, MARK)
    m.record_requote(T0 + 1010)
    row = m.hours()[T0]
    assert row.two_sided_seconds == 610 and row.in_band_seconds == 510
    assert (row.bid_seconds, row.ask_seconds) == (710, 660)
    assert (row.requotes, row.fills, row.gaps) == (4, 1, 1)
    # merging a newer persisted row replaces the baseline, own measurement is kept on top
    m.merge(HourUptime(T0, two_sided_seconds=900))
    assert m.hours()[T0].two_sided_seconds == 910


def test_merged_hours_without_own_measurement_are_returned_as_is():
    older = HourUptime(T0 - H, two_sided_seconds=1800)
    m = meter()
    m.merge(older)
    assert m.hours() == {T0 - H: older}


def test_prune_keeps_the_current_hour_and_the_ones_before():
    m = meter()
    for k in range(30):
        m.merge(HourUptime(T0 + k * H, two_sided_seconds=k))
    m.record_fill(T0 + 2 * H)
    m.prune(T0 + 29 * H + 10, keep_hours=24)
    assert sorted(m.hours()) == [T0 + k * H for k in range(6, 30)]


def test_plus_refuses_rows_of_different_hours():
    with pytest.raises(ValueError):
        HourUptime(T0).plus(HourUptime(T0 + H))
