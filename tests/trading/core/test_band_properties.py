"""Properties of the band strategy's pure core: for any mark, mid and book, band quotes are
inside the band of the mark and never near (let alone across) the touch; the BAND trigger
fires exactly when a live order leaves its keep window; the minimum rest holds."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trading.core.actions import BandWindow, Cancel, Place, Trigger
from trading.core.band import BandInputs, plan_band
from trading.core.decide import DecideParams, decide, trigger_for
from trading.core.domain import BPS, BookTop, LiveOrder, OrderState, Quote, Side, SymbolSpec
from trading.core.quoting import QuoteParams, QuoteResult, compute_quotes

SPEC = SymbolSpec("BTC-USD", D("0.01"), D("0.0001"), D("0.0001"))
NOW = 10_000.0

books = st.builds(
    lambda mid_cents, width_ticks: BookTop(
        "BTC-USD", D(mid_cents) / 100, D(mid_cents + width_ticks) / 100
    ),
    st.integers(5_000_000, 10_000_000),
    st.integers(1, 40),
)
inputs = st.builds(
    BandInputs,
    band_bps=st.decimals(D("4"), D("20"), places=2),
    margin_bps=st.sampled_from([D("0"), D("0.5"), D("2")]),
    guard_bps=st.decimals(D("0"), D("2"), places=2),
    volatility_bps=st.one_of(st.none(), st.floats(0, 8)),
    latency_s=st.one_of(st.none(), st.floats(0.005, 0.5)),
)
gaps = st.decimals(D("-15"), D("15"), places=2)  # mark - mid, bps


def bps(price: D, reference: D) -> D:
    return (price - reference) / reference * BPS


@settings(max_examples=400, deadline=None)
@given(books, inputs, gaps)
def test_band_quotes_sit_inside_the_band_and_never_near_the_touch(top, band, gap):
    mark = top.mid * (1 + gap / BPS)
    plan = plan_band(top, mark, band)
    params = QuoteParams(D("5"), D("100"), D("100"), D("500"), D("1e9"), plan.urgent_bps)
    quotes = compute_quotes(
        top, SPEC, params, D("0"), (plan.price(Side.BUY), plan.price(Side.SELL))
    )
    tick_bps = SPEC.price_tick / mark * BPS
    assert quotes.bid is not None and quotes.ask is not None
    # post-only with room: never within the urgent distance (>= the guard) of the touch
    assert quotes.bid.price < top.best_ask * (1 - plan.urgent_bps / BPS)
    assert quotes.ask.price > top.best_bid * (1 + plan.urgent_bps / BPS)
    for side, quote in ((Side.BUY, quotes.bid), (Side.SELL, quotes.ask)):
        if plan.side(side).in_band:
            assert abs(bps(quote.price, mark)) <= band.band_bps - D("0.5") + tick_bps
            low, high = plan.side(side).keep_low, plan.side(side).keep_high
            assert low - tick_bps <= bps(quote.price, mark) <= high + tick_bps


@settings(max_examples=300, deadline=None)
@given(books, inputs, gaps)
def test_with_the_mark_at_the_mid_both_sides_fit_unless_the_band_is_too_narrow(top, band, gap):
    plan = plan_band(top, top.mid, band)
    room = band.band_bps - plan.margin_bps - plan.urgent_bps - 2  # placement margin 2 bps
    if room > bps(top.best_ask, top.mid):
        assert plan.bid.in_band and plan.ask.in_band


windows = st.builds(
    lambda low, width: BandWindow(D("100"), low, low + width),
    st.decimals(D("-10"), D("9"), places=2),
    st.decimals(D("0.1"), D("8"), places=2),
)
offsets = st.decimals(D("-12"), D("12"), places=2)
FAR_TOP = BookTop("BTC-USD", D("50"), D("150"))  # nothing is ever near this touch


@settings(max_examples=500, deadline=None)
@given(
    windows, offsets, st.decimals(D("0"), D("1"), places=3), st.sampled_from([Side.BUY, Side.SELL])
)
def test_the_band_trigger_fires_exactly_when_an_order_leaves_its_window(window, at, where, side):
    price = window.mark * (1 + at / BPS)
    to = window.low + where * (window.high - window.low)  # a desired quote inside it
    desired = Quote(side, window.mark * (1 + to / BPS), D("1"))
    assume(desired.price != price)
    order = LiveOrder(
        "o1", side, price, D("1"), OrderState.OPEN, sent_at=0.0, ref_mid=D("100"), rested_at=0.0
    )
    params = DecideParams(
        D("25"), D("30"), D("0"), band={side: window}, window_only=True, min_rest_seconds=3.0
    )
    got = trigger_for(order, desired, False, NOW, FAR_TOP, params)
    assert (got is Trigger.BAND) == (not window.holds(price))
    assert got in (None, Trigger.BAND)


@settings(max_examples=300, deadline=None)
@given(windows, offsets, st.floats(0, 2.99), st.sampled_from([Side.BUY, Side.SELL]))
def test_a_young_order_is_never_cancelled_but_replaced_beside_it(window, at, age, side):
    """Younger than the minimum rest: never cancelled for a non-urgent reason, but once it
    is outside its window its replacement is placed at once and rests beside it."""
    price = window.mark * (1 + at / BPS)
    desired_price = window.mark * (1 + (window.low + window.high) / 2 / BPS)
    assume(desired_price != price)
    young = LiveOrder(
        "o1",
        side,
        price,
        D("1"),
        OrderState.OPEN,
        sent_at=NOW - age - 0.05,
        ref_mid=D("100"),
        rested_at=NOW - age,
    )
    params = DecideParams(
        D("25"), D("30"), D("0"), band={side: window}, window_only=True, min_rest_seconds=3.0
    )
    bid, ask = (Quote(side, desired_price, D("1")), None)[:: 1 if side is Side.BUY else -1]
    desired = QuoteResult(D("100"), bid, ask)
    actions = decide(desired, [young], NOW, FAR_TOP, params)
    cancels = [a for a in actions if isinstance(a, Cancel) and a.side is side]
    assert cancels == []  # never a non-urgent cancel of a young order
    placed = [a for a in actions if isinstance(a, Place) and a.side is side]
    assert bool(placed) == (not window.holds(price))
