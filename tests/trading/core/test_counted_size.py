"""The size that counts (trading.core.uptime): StandX scores an hour by min(bid, ask)
notional while both sides rest inside the band of the mark. Anything else counts nothing:
one side dark, one side out of band, no mark yet. The meter integrates it over time."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.uptime import DARK, HourUptime, SideState, UptimeMeter

T0 = 1_767_225_600  # an hour boundary
MARK = D("100")


def side(price: str, qty: str = "2") -> SideState:
    return SideState(True, D(price), D(qty))


@pytest.mark.parametrize(
    ("bid", "ask", "mark", "counted"),
    [
        (side("99.95", "3"), side("100.05", "2"), MARK, 200.1),  # the smaller side: 100.05 x 2
        (side("99.95", "2"), side("100.05", "3"), MARK, 199.9),
        (side("99.90"), side("100.10"), MARK, 199.8),  # exactly at the band's edges: inside
        (side("99.89"), side("100.05"), MARK, 0.0),  # the bid 11 bps out: nothing counts
        (side("99.95"), side("100.11"), MARK, 0.0),  # the ask out
        (side("99.95"), DARK, MARK, 0.0),  # one side dark
        (DARK, side("100.05"), MARK, 0.0),
        (SideState(False, D("99.95"), D("2")), side("100.05"), MARK, 0.0),  # not resting
        (side("99.95"), side("100.05"), None, 0.0),  # no mark yet
        (side("99.95"), side("100.05"), D("0"), 0.0),
        (SideState(True, None, D("2")), side("100.05"), MARK, 0.0),  # no price known
    ],
)
def test_counted_size_is_the_smaller_side_while_both_rest_in_band(bid, ask, mark, counted):
    meter = UptimeMeter(D("10"), 30.0)
    meter.observe(T0, bid, ask, mark)
    assert meter.counted_size() == pytest.approx(counted)
    meter.observe(T0 + 10, bid, ask, mark)
    row = meter.hours()[T0]
    assert row.counted_usd_seconds == pytest.approx(counted * 10)
    assert row.in_band_seconds == (10.0 if counted else 0.0)


def test_counted_size_integrates_over_the_hour_and_stops_when_a_side_goes_dark():
    meter = UptimeMeter(D("10"), 30.0)
    meter.observe(T0, side("99.95", "1"), side("100.05", "1"), MARK)  # 99.95 counts
    meter.observe(T0 + 20, side("99.95", "4"), side("100.05", "2"), MARK)  # 200.1 from now
    meter.observe(T0 + 25, side("99.95", "4"), DARK, MARK)
    meter.observe(T0 + 30, side("99.95", "4"), DARK, MARK)
    row = meter.hours()[T0]
    assert row.counted_usd_seconds == pytest.approx(99.95 * 20 + 200.1 * 5)
    assert (row.two_sided_seconds, row.in_band_seconds, row.running_seconds) == (25.0, 25.0, 30.0)
    assert (row.bid_seconds, row.ask_seconds) == (30.0, 25.0)
    assert (row.bid_dark_ms, row.ask_dark_ms) == (0.0, 5000.0)
    assert meter.counted_size() == 0.0


def test_time_going_backwards_counts_nothing_and_resumes_from_the_latest_look():
    meter = UptimeMeter(D("10"), 30.0)
    meter.observe(T0 + 10, side("99.95"), side("100.05"), MARK)
    meter.observe(T0 + 5, side("99.95"), side("100.05"), MARK)  # a clock step back
    meter.observe(T0 + 10, side("99.95"), side("100.05"), MARK)  # no time passed since T0+10
    meter.observe(T0 + 12, side("99.95"), side("100.05"), MARK)
    assert meter.hours()[T0].running_seconds == 2.0


def test_a_paused_meter_counts_nothing_until_resumed_and_then_starts_dark():
    meter = UptimeMeter(D("10"), 30.0)
    meter.observe(T0, side("99.95"), side("100.05"), MARK)
    meter.pause(T0 + 4)
    assert meter.paused
    meter.observe(T0 + 8, side("99.95"), side("100.05"), MARK)  # ignored while paused
    meter.resume(T0 + 20)
    assert not meter.paused and meter.counted_size() == 0.0  # nothing known after a pause
    meter.observe(T0 + 22, side("99.95"), side("100.05"), MARK)
    meter.observe(T0 + 23, side("99.95"), side("100.05"), MARK)
    row = meter.hours()[T0]
    assert (row.running_seconds, row.in_band_seconds) == (4.0 + 3.0, 4.0 + 1.0)


def test_rows_of_different_hours_are_not_added():
    with pytest.raises(ValueError, match="different hours"):
        HourUptime(T0).plus(HourUptime(T0 + 3600))
