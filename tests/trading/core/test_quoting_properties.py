"""Property tests of trading.core.quoting: invariants that hold for any book, parameters and
spec."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.domain import BookTop, Side, SymbolSpec
from trading.core.quoting import QuoteParams, adds_exposure, compute_quotes, min_order_qty

TICKS = [D("0.001"), D("0.01"), D("0.1"), D("0.5"), D("1")]
LOTS = [D("0.0001"), D("0.001"), D("0.01"), D("0.1"), D("1")]


@st.composite
def specs(draw) -> SymbolSpec:
    lot = draw(st.sampled_from(LOTS))
    min_qty = draw(st.sampled_from([lot, lot * 3, lot * 10, lot / 2, lot * D("1.5")]))
    max_qty = draw(st.one_of(st.none(), st.integers(100, 10_000).map(lambda n: lot * n)))
    return SymbolSpec("X", draw(st.sampled_from(TICKS)), lot, min_qty, max_qty=max_qty)


@st.composite
def books(draw, spec: SymbolSpec) -> BookTop:
    best_bid_ticks = draw(st.integers(100, 10_000_000))
    width_ticks = draw(st.integers(1, 50))
    tick = spec.price_tick
    return BookTop("X", tick * best_bid_ticks, tick * (best_bid_ticks + width_ticks))


def bps(low: str, high: str):
    return st.decimals(D(low), D(high), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def quote_params(draw) -> QuoteParams:
    return QuoteParams(
        spread_bps=draw(bps("0.01", "1000")),
        bid_notional=draw(bps("0.01", "1000000")),
        ask_notional=draw(bps("0.01", "1000000")),
        max_spread_deviation_bps=draw(bps("0.01", "10000")),
        max_notional=draw(bps("0.01", "10000000")),
    )


@st.composite
def scenarios(draw):
    spec = draw(specs())
    position = draw(st.integers(-100_000, 100_000)) * spec.qty_tick
    return spec, draw(books(spec)), draw(quote_params()), position


@settings(max_examples=400, deadline=None)
@given(scenarios())
def test_quotes_respect_every_rule(scenario):
    spec, top, params, position = scenario
    result = compute_quotes(top, spec, params, position)
    mid = top.mid
    cap = mid * params.max_spread_deviation_bps / 10000
    for quote in filter(None, (result.bid, result.ask)):
        assert quote.price % spec.price_tick == 0
        assert quote.qty % spec.qty_tick == 0
        assert quote.qty >= spec.min_qty and quote.qty >= spec.qty_tick
        assert quote.price > 0
        assert abs(quote.price - mid) <= cap
        if spec.max_qty is not None:
            assert quote.qty <= spec.max_qty
        if adds_exposure(quote.side, position):
            assert abs(position) * mid + quote.qty * quote.price <= params.max_notional
    if result.bid:
        assert result.bid.price < top.best_ask
    if result.ask:
        assert result.ask.price > top.best_bid
    if result.bid and result.ask:
        assert result.bid.price < result.ask.price
    for side in (Side.BUY, Side.SELL):
        assert (result.quote_for(side) is None) == (
            (result.bid_reason if side is Side.BUY else result.ask_reason) is not None
        )


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_no_side_is_dropped_when_the_cap_leaves_room(scenario):
    """Flat, unlimited exposure and a cap wider than a tick: both sides must be quoted."""
    spec, top, params, _ = scenario
    params = QuoteParams(
        params.spread_bps,
        params.bid_notional,
        params.ask_notional,
        params.max_spread_deviation_bps,
        max_notional=D("1e30"),
    )
    if top.mid * params.max_spread_deviation_bps / 10000 < spec.price_tick:
        return
    result = compute_quotes(top, spec, params)
    assert result.bid is not None and result.ask is not None


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_uncapped_size_is_the_largest_lot_multiple_within_the_notional(scenario):
    spec, top, params, _ = scenario
    spec = SymbolSpec(spec.symbol, spec.price_tick, spec.qty_tick, spec.min_qty)
    params = QuoteParams(
        params.spread_bps,
        params.bid_notional,
        params.ask_notional,
        params.max_spread_deviation_bps,
        max_notional=D("1e30"),
    )
    result = compute_quotes(top, spec, params)
    for quote, notional in ((result.bid, params.bid_notional), (result.ask, params.ask_notional)):
        if quote is None:
            continue
        if quote.qty == min_order_qty(spec):
            # the minimum order: the notional did not pay for one more lot than that
            assert notional < (quote.qty + spec.qty_tick) * quote.price
        else:
            assert quote.qty * quote.price <= notional < (quote.qty + spec.qty_tick) * quote.price


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_prices_are_the_spread_rounded_outward_when_within_the_cap(scenario):
    spec, top, params, _ = scenario
    mid = top.mid
    if params.spread_bps > params.max_spread_deviation_bps:
        return
    result = compute_quotes(top, spec, params)
    raw_bid = mid * (1 - params.spread_bps / 10000)
    raw_ask = mid * (1 + params.spread_bps / 10000)
    if result.bid and not result.notes:
        assert raw_bid - spec.price_tick < result.bid.price <= raw_bid
    if result.ask and not result.notes:
        assert raw_ask <= result.ask.price < raw_ask + spec.price_tick
