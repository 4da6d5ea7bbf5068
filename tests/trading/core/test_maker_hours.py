"""The Maker Hours estimate (trading.core.maker_hours and the meter's reward figures): tables
worked out by hand, and properties: monotone in size and in closeness to the mark, zero
outside the band or one-sided, capped per side and per hour."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trading.core.schedule_cases import schedule
from trading.core.domain import Side
from trading.core.maker_hours import (
    BookOrder,
    figure_changes,
    hour_maker_hours,
    maker_hours_by_day,
    moment_figure,
    side_size,
)
from trading.core.uptime import SideState, UptimeMeter

D = Decimal
MARK = D("100000")
HOUR0 = 1_786_000_000 - 1_786_000_000 % 3600  # an hour boundary (August 2026)
SIP5A = schedule()
BTC = SIP5A.terms_for("BTC-USD")
ORIGINAL = schedule(
    scoring="snapshots",
    weights=[[0, 1.0], [10, 1.0]],
    min_rest_seconds=0,
    tiers=[
        {"name": "standard", "minutes": 30, "multiplier": 0.5, "percentile": 0.5},
        {"name": "boosted", "minutes": 42, "multiplier": 1.0, "percentile": 0.7},
    ],
    symbols={"BTC-USD": {"unit": 2, "cap_per_side": 2, "max_maker_hours_per_hour": 1}},
)


def at_bps(bps: str) -> Decimal:
    """The price `bps` from the mark (negative: below it)."""
    return MARK * (1 + D(bps) / 10000)


def order(side: Side, bps: str, qty: str, rested_at: float = HOUR0 - 60) -> BookOrder:
    return BookOrder(side, at_bps(bps), D(qty), rested_at)


def figure(*orders: BookOrder, at: float = HOUR0) -> Decimal:
    return moment_figure(orders, MARK, at, SIP5A, BTC)


# ---------------------------------------------------------------------- one moment


@pytest.mark.parametrize(
    "bid, ask, expected",
    [
        (("0", "1"), ("0", "1"), "2.0"),  # at the mark: 200 %
        (("-5", "1"), ("5", "1"), "0.8"),
        (("-10", "1"), ("10", "1"), "0.4"),  # the band's edge counts
        (("-10.01", "1"), ("5", "1"), "0"),  # one side outside the band: nothing
        (("-2.5", "2"), ("7.5", "1"), "0.60"),  # bid 2 x 1.4 = 2.8, ask 1 x 0.6: the smaller
        (("-5", "30"), ("5", "30"), "20"),  # 24 weighted a side, capped at 20
    ],
)
def test_the_figure_is_the_smaller_weighted_side(bid, ask, expected):
    assert figure(order(Side.BUY, *bid), order(Side.SELL, *ask)) == D(expected)


def test_every_order_of_a_side_counts_with_its_own_weight():
    book = (
        order(Side.BUY, "0", "1"),  # 2.0
        order(Side.BUY, "-5", "1"),  # 0.8
        order(Side.BUY, "-20", "5"),  # outside: 0
    )
    assert side_size(book, Side.BUY, MARK, HOUR0, SIP5A, BTC) == D("2.8")


def test_an_order_counts_only_after_the_minimum_rest():
    book = (order(Side.BUY, "0", "1", rested_at=HOUR0), order(Side.SELL, "0", "1", HOUR0 - 10))
    assert figure(*book, at=HOUR0 + 2.999) == 0
    assert figure(*book, at=HOUR0 + 3) == D("2.0")
    assert figure_changes(book, HOUR0, HOUR0 + 10, SIP5A, BTC) == [HOUR0 + 3]


def test_without_a_mark_or_terms_nothing_counts():
    book = (order(Side.BUY, "0", "1"), order(Side.SELL, "0", "1"))
    assert moment_figure(book, None, HOUR0, SIP5A, BTC) == 0
    assert moment_figure(book, MARK, HOUR0, SIP5A, SIP5A.terms_for("ETH-USD")) == 0


# ---------------------------------------------------------------------- one hour


@pytest.mark.parametrize(
    "weighted_size_seconds, qualifying_minutes, expected",
    [
        (3600 * 2.0, 60, "1"),  # 2 BTC (one unit) all hour, boosted: 1 MH
        (3600 * 2.0, 41, "0.5"),  # the same size, standard tier: half
        (3600 * 2.0, 29.99, "0"),  # under the first tier: nothing
        (1800 * 0.4, 45, "0.1"),  # 0.4 BTC for half the hour: mean 0.2 = 0.1 unit
        (3600 * 40.0, 60, "10"),  # 20 units would be 20 MH: capped at 10 an hour
    ],
)
def test_time_weighted_hour(weighted_size_seconds, qualifying_minutes, expected):
    mh = hour_maker_hours(SIP5A, BTC, weighted_size_seconds, qualifying_minutes * 60)
    assert mh == D(expected)


def test_an_unlisted_symbol_earns_nothing_and_one_without_a_unit_is_unknown():
    assert hour_maker_hours(SIP5A, SIP5A.terms_for("ETH-USD"), 3600.0, 3600.0) == 0
    assert hour_maker_hours(SIP5A, SIP5A.terms_for("XAU-USD"), 3600.0, 3600.0) is None


def test_snapshot_hour_is_the_best_reached_tier_of_x70_and_x50_over_the_unit():
    btc = ORIGINAL.terms_for("BTC-USD")
    samples = [3.0] * 5 + [1.0] * 3 + [0.0] * 2  # descending: X70 = 1.0, X50 = 3.0
    # boosted: max(X70 x 1.0, X50 x 0.5) = 1.5 -> / 2 BTC = 0.75, at most 1 MH
    assert hour_maker_hours(ORIGINAL, btc, 0.0, 45 * 60, samples) == D("0.75")
    assert hour_maker_hours(ORIGINAL, btc, 0.0, 35 * 60, samples) == D("0.75")  # X50 x 0.5
    assert hour_maker_hours(ORIGINAL, btc, 0.0, 29 * 60, samples) == 0
    assert hour_maker_hours(ORIGINAL, btc, 0.0, 45 * 60, [9.0] * 10) == 1  # capped


def test_a_day_is_the_sum_of_its_hours():
    day = HOUR0 - HOUR0 % 86400
    hours = {day: D("0.5"), day + 3600: D("0.25"), day + 86400: D("1")}
    assert maker_hours_by_day(hours) == {day: D("0.75"), day + 86400: D("1")}
    assert maker_hours_by_day({day: D("1"), day + 3600: None}) == {day: None}


# ---------------------------------------------------------------------- the meter


def test_the_meter_integrates_the_figure_from_the_minimum_rest_on_split_by_hour():
    meter = UptimeMeter(D("10"), 5.0, SIP5A, "BTC-USD")
    start = HOUR0 - 1.5  # orders rest 1.5 s before the hour; they count from HOUR0 + 1.5
    book = (order(Side.BUY, "-5", "1", start), order(Side.SELL, "5", "2", start))
    sides = SideState(True, at_bps("-5"), D("1")), SideState(True, at_bps("5"), D("2"))
    for t in range(13):  # observed every second up to HOUR0 + 10.5
        meter.observe(start + t, *sides, MARK, book)
    rows = meter.hours()
    assert rows[HOUR0 - 3600].weighted_size_seconds == 0  # young: nothing counted
    row = rows[HOUR0]
    assert row.reward_seconds == pytest.approx(9.0)  # HOUR0 + 1.5 .. HOUR0 + 10.5
    assert row.weighted_size_seconds == pytest.approx(0.8 * 9.0)  # min(0.8, 1.6)


def test_the_meter_counts_the_figure_only_while_running_and_never_across_a_gap():
    meter = UptimeMeter(D("10"), 5.0, SIP5A, "BTC-USD")
    book = (order(Side.BUY, "0", "1"), order(Side.SELL, "0", "1"))
    sides = SideState(True, MARK, D("1")), SideState(True, MARK, D("1"))
    meter.observe(HOUR0, *sides, MARK, book)
    meter.observe(HOUR0 + 4, *sides, MARK, book)  # 4 s at 2.0
    meter.observe(HOUR0 + 14, *sides, MARK, book)  # a 10 s gap: nothing
    meter.pause(HOUR0 + 16)  # 2 s more
    meter.observe(HOUR0 + 30, *sides, MARK, book)  # paused: nothing
    assert meter.hours()[HOUR0].weighted_size_seconds == pytest.approx(2.0 * 6)
    assert meter.hours()[HOUR0].reward_seconds == pytest.approx(6)


def test_a_meter_without_a_schedule_keeps_the_reward_figures_at_zero():
    meter = UptimeMeter(D("10"), 5.0)
    book = (order(Side.BUY, "0", "1"), order(Side.SELL, "0", "1"))
    sides = SideState(True, MARK, D("1")), SideState(True, MARK, D("1"))
    meter.observe(HOUR0, *sides, MARK, book)
    meter.observe(HOUR0 + 4, *sides, MARK, book)
    assert meter.hours()[HOUR0].weighted_size_seconds == 0
    assert meter.hours()[HOUR0].in_band_seconds == 4


# ---------------------------------------------------------------------- properties

sizes = st.decimals(D("0.0001"), D("50"), places=4)
distances = st.decimals(D("-15"), D("15"), places=2)
orders = st.lists(st.tuples(st.sampled_from(Side), distances, sizes), min_size=0, max_size=6)


def book_of(rows) -> tuple[BookOrder, ...]:
    return tuple(order(side, str(bps), str(qty)) for side, bps, qty in rows)


def one_changed(book, index: int, **change) -> list[BookOrder]:
    """The book with the order at `index` (wrapped) changed."""
    changed = list(book)
    changed[index % len(changed)] = replace(changed[index % len(changed)], **change)
    return changed


nonempty = orders.filter(bool)


@settings(max_examples=300, deadline=None)
@given(nonempty, st.integers(0, 5), sizes)
def test_more_size_never_lowers_the_figure(rows, index, extra):
    book = book_of(rows)
    grown = one_changed(book, index, qty=book[index % len(book)].qty + extra)
    assert figure(*grown) >= figure(*book)


@settings(max_examples=300, deadline=None)
@given(nonempty, st.integers(0, 5), st.decimals(D("0"), D("1"), places=2))
def test_moving_an_order_closer_to_the_mark_never_lowers_the_figure(rows, index, share):
    book = book_of(rows)
    price = MARK + (book[index % len(book)].price - MARK) * share  # the same side, nearer
    assert figure(*one_changed(book, index, price=price)) >= figure(*book)


@settings(max_examples=200, deadline=None)
@given(orders)
def test_orders_outside_the_band_count_nothing(rows):
    # Pushed 20 bps further from the mark, away from it (-10 + 20 would land on +10: inside).
    away = [(side, bps + 20 if bps >= 0 else bps - 20, qty) for side, bps, qty in rows]
    outside = [row if abs(row[1]) > 10 else moved for row, moved in zip(rows, away, strict=True)]
    assert figure(*book_of(outside)) == 0


@settings(max_examples=200, deadline=None)
@given(orders)
def test_a_side_alone_counts_nothing(rows):
    bids_only = [(Side.BUY, bps, qty) for _, bps, qty in rows]
    assert figure(*book_of(bids_only)) == 0


@settings(max_examples=300, deadline=None)
@given(orders)
def test_the_figure_is_capped_per_side_and_no_more_than_either_side(rows):
    book = book_of(rows)
    value = figure(*book)
    assert 0 <= value <= BTC.cap_per_side
    for side in Side:
        assert value <= side_size(book, side, MARK, HOUR0, SIP5A, BTC)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0, 3600 * 100, allow_nan=False),
    st.floats(0, 3600 * 100, allow_nan=False),
    st.floats(0, 3600, allow_nan=False),
    st.floats(0, 3600, allow_nan=False),
)
def test_hour_maker_hours_grow_with_size_and_minutes_and_stay_capped(w1, w2, q1, q2):
    low_w, high_w = sorted((w1, w2))
    low_q, high_q = sorted((q1, q2))
    low = hour_maker_hours(SIP5A, BTC, low_w, low_q)
    high = hour_maker_hours(SIP5A, BTC, high_w, high_q)
    assert low is not None and high is not None
    assert 0 <= low <= high <= BTC.max_maker_hours
