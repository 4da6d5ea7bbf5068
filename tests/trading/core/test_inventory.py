"""trading.core.inventory: the position limit at its default, the skew (bounded by the reward
band, for any position and book), the cooldown's fill detection, the flattening orders and
the rule between MAX_NOTIONAL and the order size."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.bot_settings import DEFAULTS
from trading.core.domain import BPS, BookTop, LiveOrder, OrderState, Side, SymbolSpec
from trading.core.inventory import (
    adding_side,
    filled_side,
    fills_to_limit,
    flatten_order,
    flatten_wanted,
    inventory_problems,
    reduce_only_allowance,
    skew_offset,
    skew_shift_bps,
)
from trading.core.quoting import QuoteParams, compute_quotes
from trading.core.strategies import plan_pass
from trading.core.strategy import Measured

BTC = SymbolSpec("BTC-USD", price_tick=D("0.01"), qty_tick=D("0.0001"), min_qty=D("0.0001"))
TOP = BookTop("BTC-USD", D("94999.99"), D("95000.01"))
DEFAULT = QuoteParams(D("5"), D("30"), D("30"), D("200"), D("300"), D("1"))


# ---------------------------------------------------------------- the position limit


def test_the_default_limit_allows_ten_default_orders_on_one_side():
    assert fills_to_limit(D("300"), D("30")) == 10
    position, sizes = D("0"), []
    while (bid := compute_quotes(TOP, BTC, DEFAULT, position).bid) is not None:
        position += bid.qty  # the bid is filled, again and again
        sizes.append(bid.qty)
    # Ten whole orders of 0.0003 BTC (28.50 USD at this price), then the one lot that still
    # fits under 300 USD, then nothing: 0.0031 BTC is 294.50 USD.
    assert sizes == [D("0.0003")] * 10 + [D("0.0001")]
    result = compute_quotes(TOP, BTC, DEFAULT, position)
    assert result.bid is None and result.bid_reason == "max_notional"
    assert result.ask is not None and result.ask.qty == D("0.0003")  # reducing: full size


def test_the_limit_stops_the_ask_of_a_short_and_keeps_its_bid():
    result = compute_quotes(TOP, BTC, DEFAULT, D("-0.0032"))  # 304 USD short
    assert result.ask is None and result.ask_reason == "max_notional"
    assert result.bid is not None


def test_max_notional_below_one_order_is_refused():
    problems = inventory_problems({"max_notional": "20", "bid_notional": "30", "ask_notional": "5"})
    assert "MAX_NOTIONAL (20) is below one order's notional (30)" in problems["max_notional"]
    assert (
        inventory_problems({"max_notional": "30", "bid_notional": "30", "ask_notional": "30"}) == {}
    )
    assert inventory_problems({"max_notional": "x", "bid_notional": "30"}) == {}


@pytest.mark.parametrize(
    "position, side", [(D("0"), None), (D("0.1"), Side.BUY), (D("-0.1"), Side.SELL)]
)
def test_adding_side(position, side):
    assert adding_side(position) is side


# ---------------------------------------------------------------- skew


def test_skew_is_in_proportion_to_the_limit_used():
    assert skew_shift_bps(D("0"), D("95000"), D("150"), D("4")) == 0
    assert skew_shift_bps(D("0.0008"), D("93750"), D("150"), D("4")) == D("2")  # 75 USD: half
    assert skew_shift_bps(D("-0.01"), D("95000"), D("150"), D("4")) == D("4")  # beyond: all
    assert skew_shift_bps(D("0.01"), D("95000"), D("150"), D("0")) == 0  # off


positions = st.decimals(D("-0.01"), D("0.01"), places=4)
skews = st.decimals(D("0"), D("50"), places=2)
edges = st.decimals(D("2"), D("20"), places=2)


@settings(max_examples=300, deadline=None)
@given(positions, skews, st.decimals(D("100"), D("1000"), places=0))
def test_the_shift_is_bounded_and_grows_with_the_position(position, skew, limit):
    shift = skew_shift_bps(position, D("95000"), limit, skew)
    assert 0 <= shift <= skew
    larger = skew_shift_bps(position * 2, D("95000"), limit, skew)
    assert larger >= shift


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(list(Side)), st.decimals(D("0"), D("30"), places=2), skews, edges)
def test_skew_moves_away_from_the_mark_and_never_out_of_the_band(side, distance, shift, edge):
    away = -1 if side is Side.BUY else 1
    offset = away * distance
    moved = skew_offset(side, offset, shift, edge)
    assert moved * away >= offset * away  # away from the mark, never toward it
    assert abs(moved - offset) <= shift
    if distance <= edge:
        assert abs(moved) <= edge  # in band it was, in band it stays


books = st.builds(
    lambda mid_cents, width: BookTop("BTC-USD", D(mid_cents) / 100, D(mid_cents + width) / 100),
    st.integers(5_000_000, 10_000_000),
    st.integers(1, 40),
)


@settings(max_examples=300, deadline=None)
@given(books, positions, skews, st.decimals(D("-3"), D("3"), places=2))
def test_band_skew_keeps_the_target_inside_its_window_and_the_band(top, position, skew, gap):
    mark = top.mid * (1 + gap / BPS)
    values = {"quote_strategy": "band", "max_notional": "150", "inventory_skew_bps": skew}
    plain = plan_pass(
        DEFAULTS.updated(values | {"inventory_skew_bps": "0"}), top, mark, Measured(2.0, 0.05)
    )
    plan = plan_pass(DEFAULTS.updated(values), top, mark, Measured(2.0, 0.05), position)
    assert plan.band is not None and plain.band is not None and plan.windows is not None
    for side in Side:
        sp, before = plan.band.side(side), plain.band.side(side)
        window = plan.windows[side]
        if side is not adding_side(position) or not before.in_band:
            assert sp == before  # only the adding side moves
            continue
        assert window.low <= sp.target <= window.high
        assert abs(sp.target) <= D("10") - plan.band.margin_bps  # inside the band's edge
        assert abs(sp.target) >= abs(before.target)
        # ... and never ON the far end of its window, where rounding would put the order
        # outside it for good: a quarter of the room is always left.
        far = -window.low if side is Side.BUY else window.high
        assert far - abs(sp.target) >= (far - abs(before.target)) / 4 - D("0.0001")


@settings(max_examples=200, deadline=None)
@given(books, positions, st.decimals(D("1"), D("20"), places=2))
def test_spread_skew_keeps_an_in_band_quote_in_band(top, position, skew):
    values = DEFAULTS.updated(
        {"spread_bps": "5", "max_notional": "150", "inventory_skew_bps": skew}
    )
    plan = plan_pass(values, top, top.mid, Measured())
    side = adding_side(position)
    plan = plan_pass(values, top, top.mid, Measured(), position)
    assert plan.anchors is not None
    if side is None or skew_shift_bps(position, top.mid, D("150"), skew) == 0:
        spread = D("5") / BPS  # no skew: mid ± SPREAD_BPS
        assert plan.anchors == (top.mid * (1 - spread), top.mid * (1 + spread))
        return
    anchor = plan.anchors[0 if side is Side.BUY else 1]
    distance = abs(anchor - top.mid) / top.mid * BPS
    assert D("5") - D("0.0001") <= distance <= D("9.5") + D("0.0001")


# ---------------------------------------------------------------- cooldown and flattening


def test_filled_side_reads_the_position_change():
    assert filled_side(D("0"), D("0.0003")) is Side.BUY
    assert filled_side(D("0.0003"), D("0")) is Side.SELL
    assert filled_side(D("0.0003"), D("0.0003")) is None


def test_flatten_orders_are_maker_at_our_touch_then_taker_through_the_other():
    maker = flatten_order(D("0.0008"), TOP, BTC, taker=False)
    assert maker is not None and maker.time_in_force == "alo"
    assert (maker.quote.side, maker.quote.price, maker.quote.qty) == (
        Side.SELL,
        D("95000.01"),
        D("0.0008"),
    )
    taker = flatten_order(D("-0.0008"), TOP, BTC, taker=True)
    assert taker is not None and taker.time_in_force == "ioc" and taker.quote.side is Side.BUY
    assert taker.quote.price == D("95475.02")  # 50 bps through the best ask, tick up
    assert flatten_order(D("0"), TOP, BTC, taker=True) is None
    assert flatten_order(D("0.00004"), TOP, BTC, taker=True) is None  # below one lot


def reduce_only(side: Side, qty: str, state=OrderState.OPEN, filled: str = "0") -> LiveOrder:
    price = D("95000")
    cl_ord_id = f"ro-{side.value}-{qty}"
    return LiveOrder(cl_ord_id, side, price, D(qty), state, 0.0, price, fill_qty=D(filled))


@pytest.mark.parametrize(
    "position, others, allowance",
    [
        (D("0.0008"), [], D("0.0008")),
        (D("0.0008"), [reduce_only(Side.SELL, "0.0005")], D("0.0003")),
        # a cancel in flight: the exchange still counts the order until it lands
        (D("0.0008"), [reduce_only(Side.SELL, "0.0008", OrderState.PENDING_CANCEL)], D("0")),
        (D("0.0008"), [reduce_only(Side.SELL, "0.0005", OrderState.PENDING_NEW)], D("0.0003")),
        # what a partly filled order has left; gone orders and the other side do not count
        (D("0.0008"), [reduce_only(Side.SELL, "0.0005", filled="0.0004")], D("0.0007")),
        (D("0.0008"), [reduce_only(Side.SELL, "0.0005", OrderState.CANCELED)], D("0.0008")),
        (D("-0.0008"), [reduce_only(Side.SELL, "0.0005")], D("0.0008")),
        (D("0.0003"), [reduce_only(Side.SELL, "0.0005")], D("0")),  # never below zero
        (D("0"), [], D("0")),
    ],
)
def test_the_reduce_only_allowance_is_the_position_less_our_other_reduce_only_orders(
    position, others, allowance
):
    assert reduce_only_allowance(position, others) == allowance


@given(
    st.decimals(D("-0.01"), D("0.01"), places=5),
    st.lists(
        st.tuples(
            st.sampled_from(list(Side)),
            st.decimals(D("0.0001"), D("0.005"), places=4),
            st.sampled_from([s for s in OrderState if s is not OrderState.FILLED]),
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_a_flattening_order_never_exceeds_what_the_exchange_allows(position, others, taker):
    """StandX's rule (docs/standx-protocol.md, new_order reduce_only): max qty = position
    qty - other pending reduce-only qty. The order reduces, and fits beside the others."""
    live = [reduce_only(side, str(qty), state) for side, qty, state in others]
    order = flatten_order(position, TOP, BTC, taker, reduce_only_allowance(position, live))
    if order is None:
        return
    reducing = Side.SELL if position > 0 else Side.BUY
    pending = sum((o.qty for o in live if o.side is reducing and o.state.is_live), D("0"))
    assert order.quote.side is reducing
    assert D("0") < order.quote.qty <= abs(position) - pending


def test_which_setting_a_stop_and_a_kill_follow():
    values = DEFAULTS.updated({"flatten_on_stop": "on", "flatten_on_kill": "off"})
    assert flatten_wanted(values, "stop") and flatten_wanted(values, "shutdown")
    assert not flatten_wanted(values, "kill")
    assert not flatten_wanted(DEFAULTS, "stop")


@pytest.mark.parametrize(
    ("position", "taker", "side", "price", "tif"),
    [
        # Long: sell it. Maker at our own touch (the best ask); taker 50 bps through the
        # best bid, rounded down to the tick so the IOC still crosses.
        (D("0.0008"), False, Side.SELL, D("95000.01"), "alo"),
        (D("0.0008"), True, Side.SELL, D("94524.99"), "ioc"),
        # Short: buy it back. Maker at the best bid; taker 50 bps through the best ask, up.
        (D("-0.0008"), False, Side.BUY, D("94999.99"), "alo"),
        (D("-0.0008"), True, Side.BUY, D("95475.02"), "ioc"),
    ],
)
def test_flatten_orders_close_the_position_on_the_right_side_at_the_right_price(
    position, taker, side, price, tif
):
    order = flatten_order(position, TOP, BTC, taker=taker)
    assert order is not None
    assert (order.quote.side, order.quote.price, order.quote.qty) == (side, price, D("0.0008"))
    assert (order.time_in_force, order.taker) == (tif, taker)
    if taker:  # it trades at once: through the opposite touch
        assert price < TOP.best_bid if side is Side.SELL else price > TOP.best_ask


def test_a_flatten_order_is_whole_lots_and_none_without_a_price():
    assert flatten_order(D("0.00087"), TOP, BTC, taker=False).quote.qty == D("0.0008")
    assert flatten_order(D("-0.00087"), TOP, BTC, taker=True).quote.qty == D("0.0008")
    empty = BookTop("BTC-USD", D("0"), D("95000.01"))
    assert flatten_order(D("-0.0008"), empty, BTC, taker=False) is None  # no bid to join


@pytest.mark.parametrize(
    ("limit", "order", "fills"),
    [("300", "30", 10), ("299.99", "30", 9), ("30", "30", 1), ("29", "30", 0), ("300", "0", 0)],
)
def test_fills_to_limit_counts_whole_orders_only(limit, order, fills):
    assert fills_to_limit(D(limit), D(order)) == fills


def test_a_position_change_down_is_a_sell_whatever_the_sign():
    assert filled_side(D("-0.0003"), D("-0.0006")) is Side.SELL
    assert filled_side(D("-0.0006"), D("-0.0003")) is Side.BUY


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"max_notional": "20", "bid_notional": "5", "ask_notional": "30"}, "max_notional"),
        ({"max_notional": "0.5", "bid_notional": "1", "ask_notional": "1"}, "max_notional"),
        ({"max_notional": "0", "bid_notional": "30", "ask_notional": "30"}, None),  # no limit
        ({"max_notional": "20", "bid_notional": "0", "ask_notional": "0"}, None),
        ({"max_notional": "Infinity", "bid_notional": "30"}, None),
        ({"max_notional": "20", "bid_notional": "NaN", "ask_notional": "30"}, "max_notional"),
    ],
)
def test_the_limit_is_checked_against_the_larger_order_of_either_side(values, field):
    problems = inventory_problems(values)
    assert list(problems) == ([] if field is None else [field])
    if field:
        assert "five fills on one side" in problems[field]


def test_flatten_on_kill_follows_its_own_setting():
    kill_only = DEFAULTS.updated({"flatten_on_kill": "on", "flatten_on_stop": "off"})
    assert flatten_wanted(kill_only, "kill")
    assert not flatten_wanted(kill_only, "stop")
    assert not flatten_wanted(DEFAULTS, "kill")
