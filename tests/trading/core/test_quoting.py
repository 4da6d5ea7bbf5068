"""Table-driven tests of trading.core.quoting: prices, rounding, sizes, caps, touch guard."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from trading.core.bot_settings import DEFAULTS
from trading.core.domain import BookTop, Quote, Side, SymbolSpec
from trading.core.quoting import (
    QuoteParams,
    compute_quotes,
    min_order_qty,
    qty_for_notional,
    round_down_to_tick,
    round_up_to_tick,
)

BTC = SymbolSpec("BTC-USD", price_tick=D("0.01"), qty_tick=D("0.0001"), min_qty=D("0.0001"))
BTC_MIN_001 = SymbolSpec("BTC-USD", price_tick=D("0.01"), qty_tick=D("0.0001"), min_qty=D("0.001"))
XAG = SymbolSpec("XAG-USD", price_tick=D("0.01"), qty_tick=D("0.1"), min_qty=D("0.1"))
XAU = SymbolSpec("XAU-USD", price_tick=D("0.1"), qty_tick=D("0.001"), min_qty=D("0.001"))


def params(spread="50", bid="30", ask="30", dev="200", max_notional="10000") -> QuoteParams:
    return QuoteParams(
        spread_bps=D(spread),
        bid_notional=D(bid),
        ask_notional=D(ask),
        max_spread_deviation_bps=D(dev),
        max_notional=D(max_notional),
    )


def top(bid: str, ask: str, symbol: str = "BTC-USD") -> BookTop:
    return BookTop(symbol, D(bid), D(ask))


@pytest.mark.parametrize(
    "value, tick, down, up",
    [
        (D("99.504975"), D("0.01"), D("99.50"), D("99.51")),
        (D("99.50"), D("0.01"), D("99.50"), D("99.50")),  # on tick: untouched both ways
        (D("99.5000001"), D("0.01"), D("99.50"), D("99.51")),
        (D("0.00029"), D("0.0001"), D("0.0002"), D("0.0003")),
        (D("2000.05"), D("0.1"), D("2000.0"), D("2000.1")),
        (D("1.0"), D("0.1"), D("1.0"), D("1.0")),
    ],
)
def test_rounding_directions(value, tick, down, up):
    assert round_down_to_tick(value, tick) == down
    assert round_up_to_tick(value, tick) == up


@pytest.mark.parametrize(
    "book, spread, bid_price, ask_price",
    [
        # mid 100000.01: 50 bps -> 99500.00995 down / 100500.01005 up
        (("100000.00", "100000.02"), "50", D("99500.00"), D("100500.02")),
        # mid 100.00 exactly, 100 bps lands exactly on ticks: no extra tick either way
        (("99.99", "100.01"), "100", D("99.00"), D("101.00")),
        # mid 100.005: 50 bps -> 99.504975 / 100.505025: bid down, ask up
        (("100.00", "100.01"), "50", D("99.50"), D("100.51")),
        # one bp on a 100.00 mid: 99.99 / 100.01 exactly
        (("99.98", "100.02"), "1", D("99.99"), D("100.01")),
    ],
)
def test_prices_are_mid_plus_minus_spread_rounded_outward(book, spread, bid_price, ask_price):
    result = compute_quotes(top(*book), BTC, params(spread=spread))
    assert (result.bid.price, result.ask.price) == (bid_price, ask_price)
    assert result.bid_reason is None and result.ask_reason is None


@pytest.mark.parametrize(
    "spec, book, bid_notional, ask_notional, bid_qty, ask_qty",
    [
        # 30 / 99500.00 = 0.0003015 -> 0.0003 ; 30 / 100500.02 = 0.000298 -> 0.0002 (down)
        (BTC, ("100000.00", "100000.02"), "30", "30", D("0.0003"), D("0.0002")),
        # below one lot: 5 / 99500 = 0.00005 -> one lot
        (BTC, ("100000.00", "100000.02"), "5", "5", D("0.0001"), D("0.0001")),
        # exchange minimum larger than one lot wins
        (BTC_MIN_001, ("100000.00", "100000.02"), "5", "30", D("0.001"), D("0.001")),
        # notional above the minimum is still used as is
        (BTC_MIN_001, ("100000.00", "100000.02"), "300", "300", D("0.003"), D("0.0029")),
        # XAG lot 0.1: mid 30.005, bid 29.85 -> 30/29.85 = 1.005 -> 1.0 ; ask 30.16 -> 0.99 -> 0.9
        (XAG, ("30.00", "30.01"), "30", "30", D("1.0"), D("0.9")),
        # XAG below one lot -> 0.1
        (XAG, ("30.00", "30.01"), "2", "2", D("0.1"), D("0.1")),
    ],
)
def test_sizes_from_notional_rounded_down_with_minimum(
    spec, book, bid_notional, ask_notional, bid_qty, ask_qty
):
    result = compute_quotes(
        top(*book, spec.symbol), spec, params(bid=bid_notional, ask=ask_notional)
    )
    assert (result.bid.qty, result.ask.qty) == (bid_qty, ask_qty)


@pytest.mark.parametrize(
    "spec, expected",
    [
        (BTC, D("0.0001")),
        (BTC_MIN_001, D("0.001")),
        (XAG, D("0.1")),
        (SymbolSpec("X", D("0.01"), D("0.01"), D("0.015")), D("0.02")),  # off-lot minimum -> up
        (SymbolSpec("X", D("0.01"), D("0.1"), D("0.01")), D("0.1")),  # min below a lot -> lot
    ],
)
def test_min_order_qty_is_one_lot_or_larger_exchange_minimum(spec, expected):
    assert min_order_qty(spec) == expected


def test_max_qty_caps_the_size():
    spec = SymbolSpec("BTC-USD", D("0.01"), D("0.0001"), D("0.0001"), max_qty=D("0.00025"))
    assert qty_for_notional(D("1000"), D("100000"), spec) == D("0.0002")


@pytest.mark.parametrize(
    "book, spread, dev, bid_price, ask_price, notes",
    [
        # 300 bps wanted, cap 200 bps around mid 100.005 -> 98.0049 up / 102.0051 down
        (
            ("100.00", "100.01"),
            "300",
            "200",
            D("98.01"),
            D("102.00"),
            ("bid:clamped_to_max_deviation", "ask:clamped_to_max_deviation"),
        ),
        # spread exactly at the cap on an exact mid: no clamp, no tick lost
        (("99.99", "100.01"), "200", "200", D("98.00"), D("102.00"), ()),
        # rounding outward would cross the cap by a fraction of a tick: clamped back inside
        (
            ("100.00", "100.01"),
            "200",
            "200",
            D("98.01"),
            D("102.00"),
            ("bid:clamped_to_max_deviation", "ask:clamped_to_max_deviation"),
        ),
    ],
)
def test_max_spread_deviation_clamps_inward_on_tick(book, spread, dev, bid_price, ask_price, notes):
    result = compute_quotes(top(*book), BTC, params(spread=spread, dev=dev))
    assert (result.bid.price, result.ask.price) == (bid_price, ask_price)
    assert result.notes == notes
    cap = result.mid * D(dev) / 10000
    assert result.mid - result.bid.price <= cap and result.ask.price - result.mid <= cap


def test_tick_coarser_than_the_cap_drops_both_sides():
    # mid 100.01 on tick, cap 0.4 bp = 0.004: the only on-tick price within the cap is the
    # mid itself, which cannot be both the bid and the ask.
    result = compute_quotes(top("100.00", "100.02"), BTC, params(spread="50", dev="0.4"))
    assert (result.bid, result.ask) == (None, None)
    assert result.bid_reason == result.ask_reason == "no_spread_within_deviation"


def test_half_tick_mid_with_tiny_cap_drops_both_sides_beyond_deviation():
    result = compute_quotes(top("100.00", "100.01"), BTC, params(spread="50", dev="0.4"))
    assert (result.bid, result.ask) == (None, None)
    assert result.bid_reason == result.ask_reason == "beyond_max_deviation"


def test_touch_guard_moves_off_the_opposite_best_then_cap_still_applies():
    # The feed's book is finer than XAU's 0.1 tick: clamping inward lands the bid on/above the
    # best ask (2000.1 >= 2000.05), the guard moves it to 2000.0, which is beyond a 0.1 bp cap.
    result = compute_quotes(top("2000.00", "2000.05", "XAU-USD"), XAU, params(dev="0.1"))
    assert "bid:moved_below_best_ask" in result.notes
    assert "ask:moved_above_best_bid" in result.notes
    assert (result.bid, result.ask) == (None, None)
    assert result.bid_reason == result.ask_reason == "beyond_max_deviation"


@pytest.mark.parametrize(
    "book, spec, reason",
    [
        (("100.01", "100.00"), BTC, "crossed_book"),
        (("100.00", "100.00"), BTC, "crossed_book"),
        (
            ("100.00", "100.01"),
            SymbolSpec("BTC-USD", D("0.01"), D("0.0001"), D("0.0001"), enabled=False),
            "symbol_disabled",
        ),
    ],
)
def test_unquotable_books_give_no_quotes_with_a_reason(book, spec, reason):
    result = compute_quotes(top(*book), spec, params())
    assert (result.bid, result.ask, result.bid_reason, result.ask_reason) == (
        None,
        None,
        reason,
        reason,
    )


# mid 100000.01; bid 99500.00 x 0.0003 (29.85); ask 100500.02 x 0.0002 (20.10)
@pytest.mark.parametrize(
    "position, max_notional, bid, ask, bid_reason, ask_reason, capped",
    [
        # flat, plenty of room: both sides as configured
        ("0", "10000", D("0.0003"), D("0.0002"), None, None, set()),
        # flat, room for 20 only: both sides add exposure and shrink to 0.0002 / 0.0001
        ("0", "20", D("0.0002"), D("0.0001"), None, None, {Side.BUY, Side.SELL}),
        # long 0.0999 (9990.00): bid may add 10.00 -> one lot; ask reduces: untouched
        ("0.0999", "10000", D("0.0001"), D("0.0002"), None, None, {Side.BUY}),
        # long 0.1 (10000.00): not even one lot fits on the bid; ask still quoted
        ("0.1", "10000", None, D("0.0002"), "max_notional", None, {Side.BUY}),
        # long beyond the cap already: the reducing side is always allowed
        ("0.5", "10000", None, D("0.0002"), "max_notional", None, {Side.BUY}),
        # short mirrors: the ask adds exposure. Short 0.0998 leaves 19.999: one ask lot at
        # 100500.02 (10.05) fits, two (20.10) do not.
        ("-0.0998", "10000", D("0.0003"), D("0.0001"), None, None, {Side.SELL}),
        # short 0.0999 leaves 9.999: less than one ask lot (10.05) -> dropped
        ("-0.0999", "10000", D("0.0003"), None, None, "max_notional", {Side.SELL}),
        ("-0.1", "10000", D("0.0003"), None, None, "max_notional", {Side.SELL}),
    ],
)
def test_max_notional_caps_the_side_that_adds_exposure(
    position, max_notional, bid, ask, bid_reason, ask_reason, capped
):
    result = compute_quotes(
        top("100000.00", "100000.02"),
        BTC,
        params(max_notional=max_notional),
        position_qty=D(position),
    )
    assert (result.bid.qty if result.bid else None) == bid
    assert (result.ask.qty if result.ask else None) == ask
    assert (result.bid_reason, result.ask_reason) == (bid_reason, ask_reason)
    assert result.capped == frozenset(capped)


def test_exactly_at_the_cap_is_allowed():
    # 0.0999 long at mid 100.00 = 9.99; one lot bid at 99.00 adds 0.0099 -> 9.9999 <= 10
    spec = SymbolSpec("X", D("0.01"), D("0.0001"), D("0.0001"))
    result = compute_quotes(
        top("99.99", "100.01", "X"),
        spec,
        params(spread="100", bid="0.0099", max_notional="9.9999"),
        position_qty=D("0.0999"),
    )
    assert result.bid == Quote(Side.BUY, D("99.00"), D("0.0001"))
    assert result.capped == frozenset()


def test_quote_for_selects_the_side():
    result = compute_quotes(top("100000.00", "100000.02"), BTC, params(), position_qty=D("1"))
    assert result.quote_for(Side.BUY) is None and result.bid_reason == "max_notional"
    assert result.quote_for(Side.SELL) == result.ask and result.ask_reason is None


def test_params_from_the_bot_settings():
    settings = DEFAULTS.updated({"max_notional": "10000.0", "proximity_guard_bps": "0"})
    assert QuoteParams.from_settings(settings) == params()
    assert QuoteParams.from_settings(DEFAULTS).proximity_guard_bps == D("1.0")
