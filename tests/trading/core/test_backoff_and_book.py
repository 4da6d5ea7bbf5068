"""The one backoff rule (every retry of the code base waits by it) and the book's top (every
quote starts from it), as tables."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.backoff import Backoff
from trading.core.domain import Book, BookTop, Level, OrderState, Side, bps_between


@pytest.mark.parametrize(
    ("attempt", "delay"), [(-3, 0.5), (0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (40, 5.0)]
)
def test_backoff_doubles_from_the_base_up_to_the_cap(attempt, delay):
    assert Backoff(0.5, 5.0).delay(attempt) == delay


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 0.5), (2, 2.0), (9, 5.0)])
def test_jitter_draws_from_the_upper_half_of_the_delay(attempt, ceiling):
    drawn: list[tuple[float, float]] = []

    def rng(low: float, high: float) -> float:
        drawn.append((low, high))
        return low  # the shortest wait jitter allows

    assert Backoff(0.5, 5.0, jitter=True).delay(attempt, rng) == ceiling * 0.5
    assert drawn == [(0.5, 1.0)]
    assert Backoff(0.5, 5.0, jitter=True).delay(attempt, lambda low, high: high) == ceiling
    assert Backoff(0.5, 5.0).delay(attempt, rng) == ceiling  # no jitter: rng not asked
    assert len(drawn) == 1


def level(price: str, qty: str = "1") -> Level:
    return Level(D(price), D(qty))


def test_the_top_of_a_book_is_its_best_levels_with_the_mark_and_time():
    book = Book("BTC-USD", (level("99"), level("98")), (level("101"), level("102")), 7.5)
    top = book.top(D("100.2"))
    assert top == BookTop("BTC-USD", D("99"), D("101"), D("100.2"), 7.5)
    assert (top.mid, top.crossed) == (D("100"), False)
    assert book.top() == BookTop("BTC-USD", D("99"), D("101"), None, 7.5)
    assert (book.best_bid, book.best_ask) == (D("99"), D("101"))


@pytest.mark.parametrize(("bids", "asks"), [((), (level("101"),)), ((level("99"),), ()), ((), ())])
def test_a_one_sided_book_has_no_top(bids, asks):
    book = Book("BTC-USD", bids, asks)
    assert book.top(D("100")) is None
    assert book.best_bid == (bids[0].price if bids else None)
    assert book.best_ask == (asks[0].price if asks else None)


@pytest.mark.parametrize(
    ("bid", "ask", "crossed"), [("99", "101", False), ("100", "100", True), ("101", "99", True)]
)
def test_a_book_is_crossed_when_the_bid_reaches_the_ask(bid, ask, crossed):
    assert BookTop("X", D(bid), D(ask)).crossed is crossed


def test_bps_are_signed_from_the_reference_and_sides_have_opposites():
    assert bps_between(D("101"), D("100")) == D("100")
    assert bps_between(D("99.5"), D("100")) == D("-50")
    assert (Side.BUY.opposite, Side.SELL.opposite) == (Side.SELL, Side.BUY)
    live = {s for s in OrderState if s.is_live}
    assert live == {OrderState.PENDING_NEW, OrderState.OPEN, OrderState.PENDING_CANCEL}
