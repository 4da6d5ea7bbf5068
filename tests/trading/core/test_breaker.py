"""The requote circuit breaker (trading.core.breaker): a side placing more than 25 orders
in 5 s is throttled to one order a second for 30 s, whatever the settings say. A breaker
that never trips lets a looping configuration spend the whole request budget (and pay a
flicker-cancel for every order); one that trips too early leaves a side dark."""

from __future__ import annotations

import pytest

from trading.core.breaker import RequoteBreaker
from trading.core.domain import Side

BUY, SELL = Side.BUY, Side.SELL
T0 = 1_000.0


def storm(breaker: RequoteBreaker, side: Side, count: int, start: float, gap: float) -> list[bool]:
    """`count` places on `side`, `gap` seconds apart; what each record_place answered."""
    return [breaker.record_place(side, start + i * gap) for i in range(count)]


@pytest.mark.parametrize(
    ("count", "gap", "trips_at"),
    [
        (25, 0.01, None),  # 25 in a quarter second: the limit itself is allowed
        (26, 0.01, 25),  # the 26th within 5 s trips
        (26, 0.19, 25),  # 26 in 4.75 s: still within the window
        (40, 0.21, None),  # one every 0.21 s: never more than 24 within 5 s
        (60, 0.1, 25),
    ],
)
def test_more_than_max_places_within_the_window_trips_once(count, gap, trips_at):
    breaker = RequoteBreaker()
    answers = storm(breaker, BUY, count, T0, gap)
    tripped = [i for i, tripped in enumerate(answers) if tripped]
    assert tripped == ([] if trips_at is None else [trips_at])  # once, however long the storm
    assert breaker.trips == {BUY: 1 if trips_at is not None else 0, SELL: 0}
    end = T0 + (count - 1) * gap
    assert breaker.tripped(BUY, end) is (trips_at is not None)
    assert not breaker.tripped(SELL, end)


def test_a_tripped_side_places_at_most_one_order_a_second_until_the_hold_ends():
    breaker = RequoteBreaker()
    storm(breaker, BUY, 26, T0, 0.01)
    trip = T0 + 0.25
    assert breaker.hold_remaining(BUY, trip) == pytest.approx(30.0)
    assert breaker.holding(BUY, trip + 0.5)  # placed 0.5 s ago: wait
    assert breaker.holding_sides(trip + 0.5) == frozenset({BUY})
    assert not breaker.holding(BUY, trip + 1.0)  # a second since the last place: one may go
    assert breaker.tripped(BUY, trip + 1.0)
    breaker.record_place(BUY, trip + 1.0)
    assert breaker.holding(BUY, trip + 1.99)
    assert breaker.tripped(BUY, trip + 29.99)
    assert breaker.hold_remaining(BUY, trip + 29.0) == pytest.approx(1.0)
    assert not breaker.tripped(BUY, trip + 30.0)  # the hold is over: place freely again
    assert not breaker.holding(BUY, trip + 30.0)
    assert breaker.hold_remaining(BUY, trip + 31.0) == 0.0


def test_placing_while_tripped_does_not_extend_the_hold_or_count_a_new_trip():
    breaker = RequoteBreaker()
    storm(breaker, BUY, 26, T0, 0.01)
    until = T0 + 0.25 + 30.0
    answers = storm(breaker, BUY, 29, T0 + 1.0, 1.0)  # the one a second it is allowed
    assert not any(answers)
    assert breaker.trips[BUY] == 1
    assert not breaker.tripped(BUY, until)


def test_a_storm_after_the_hold_trips_again():
    breaker = RequoteBreaker()
    storm(breaker, BUY, 26, T0, 0.01)
    answers = storm(breaker, BUY, 26, T0 + 40.0, 0.01)
    assert answers[-1] and not any(answers[:-1])
    assert breaker.trips[BUY] == 2


def test_each_side_has_its_own_count():
    """A bid storm throttles the bid only: the ask keeps quoting (and a side of 25 places
    is not tipped over by the other side's)."""
    breaker = RequoteBreaker()
    storm(breaker, BUY, 25, T0, 0.01)
    assert not any(storm(breaker, SELL, 25, T0, 0.01))
    assert breaker.trips == {BUY: 0, SELL: 0}
    assert breaker.record_place(SELL, T0 + 0.3)
    assert breaker.holding_sides(T0 + 0.4) == frozenset({SELL})
    assert not breaker.tripped(BUY, T0 + 0.4)


@pytest.mark.parametrize(
    ("max_places", "window", "hold", "throttle"), [(3, 1.0, 10.0, 2.0), (5, 10.0, 5.0, 0.5)]
)
def test_the_limits_are_the_breakers_own(max_places, window, hold, throttle):
    breaker = RequoteBreaker(max_places, window, hold, throttle)
    gap = window / (max_places + 1)
    answers = storm(breaker, BUY, max_places + 1, T0, gap)
    assert answers == [False] * max_places + [True]
    trip = T0 + max_places * gap
    assert breaker.hold_remaining(BUY, trip) == pytest.approx(hold)
    assert breaker.holding(BUY, trip + throttle * 0.99)
    assert not breaker.holding(BUY, trip + throttle)
    assert not breaker.tripped(BUY, trip + hold)


def test_reset_clears_a_trip_and_the_count():
    breaker = RequoteBreaker()
    storm(breaker, BUY, 26, T0, 0.01)
    breaker.reset()
    assert not breaker.tripped(BUY, T0 + 0.3) and not breaker.holding(BUY, T0 + 0.3)
    assert breaker.holding_sides(T0 + 0.3) == frozenset()
    # The 25 places before the reset are forgotten: 25 more do not trip.
    assert not any(storm(breaker, BUY, 25, T0 + 0.3, 0.01))
    assert breaker.trips[BUY] == 1  # the count of trips is history, kept for the page


def test_an_untripped_side_is_never_held_however_recently_it_placed():
    breaker = RequoteBreaker()
    breaker.record_place(BUY, T0)
    assert not breaker.holding(BUY, T0) and not breaker.holding(BUY, T0 + 0.1)
    assert breaker.hold_remaining(BUY, T0) == 0.0
