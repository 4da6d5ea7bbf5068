"""Response parsers turn every documented variant (and conflict) into domain objects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.core.domain import Ack, Side
from trading.standx.errors import MalformedResponseError, OrderRejectedError
from trading.standx.protocol import (
    FALLBACK_SPECS,
    parse_ack,
    parse_balance,
    parse_depth_book,
    parse_fills,
    parse_order,
    parse_orders,
    parse_positions,
    parse_symbol_info,
    parse_symbol_price,
)

D = Decimal

SYMBOL_INFO_ROW = {
    "symbol": "BTC-USD",
    "base_asset": "BTC",
    "quote_asset": "DUSD",
    "base_decimals": 9,
    "quote_decimals": 9,
    "price_tick_decimals": 2,
    "qty_tick_decimals": 4,
    "min_order_qty": "0.0001",
    "max_order_qty": "100",
    "max_position_size": "1000",
    "max_open_orders": "100",
    "def_leverage": "10",
    "max_leverage": "20",
    "maker_fee": "0.0001",
    "taker_fee": "0.0004",
    "depth_ticks": "0.01,0.1,1",
    "enabled": True,
    "created_at": "x",
    "updated_at": "y",
}

ORDER = {
    "id": 1820682,
    "cl_ord_id": "01K2BK4ZKQE0C308SRD39P8N9Z",
    "symbol": "BTC-USD",
    "side": "sell",
    "order_type": "limit",
    "time_in_force": "gtc",
    "reduce_only": False,
    "price": "121900.00",
    "qty": "0.060",
    "fill_qty": "0",
    "fill_avg_price": "0",
    "status": "open",
    "leverage": "10",
    "margin": "0",
    "avail_locked": "3.071880000",
    "position_id": 15,
    "payload": None,
    "source": "user",
    "user": "bsc_0x",
    "created_at": "2025-08-11T03:35:25.559151Z",
    "updated_at": "2025-08-11T03:35:25.559151Z",
}


def test_symbol_info_ticks_from_decimals():
    (spec,) = parse_symbol_info([SYMBOL_INFO_ROW])
    assert spec.symbol == "BTC-USD"
    assert (spec.price_tick, spec.qty_tick, spec.min_qty) == (D("0.01"), D("0.0001"), D("0.0001"))
    assert (spec.max_qty, spec.max_open_orders, spec.max_leverage) == (D("100"), 100, 20)
    assert spec.enabled is True


@pytest.mark.parametrize(
    "flags, enabled",
    [
        ({"enabled": True}, True),
        ({"enabled": False}, False),
        ({"status": "trading"}, True),
        ({"status": "halted"}, False),
        ({"enabled": True, "status": "trading"}, True),
        ({"enabled": True, "status": "halted"}, False),
        ({}, True),
    ],
)
def test_symbol_info_accepts_enabled_and_or_status(flags, enabled):
    row = {k: v for k, v in SYMBOL_INFO_ROW.items() if k != "enabled"} | flags
    assert parse_symbol_info([row])[0].enabled is enabled


def test_symbol_info_numbers_instead_of_strings_and_missing_min_qty():
    row = SYMBOL_INFO_ROW | {
        "price_tick_decimals": "1",
        "qty_tick_decimals": 3,
        "max_order_qty": 100,
        "min_order_qty": None,
    }
    spec = parse_symbol_info(row)[0]  # a single object instead of an array, too
    assert (spec.price_tick, spec.qty_tick, spec.min_qty) == (D("0.1"), D("0.001"), D("0.001"))
    assert spec.max_qty == D("100")


@pytest.mark.parametrize(
    "bad",
    [
        {"price_tick_decimals": None},
        {"qty_tick_decimals": -1},
        {"qty_tick_decimals": "x"},
        {"symbol": ""},
    ],
)
def test_symbol_info_malformed(bad):
    with pytest.raises(MalformedResponseError):
        parse_symbol_info([SYMBOL_INFO_ROW | bad])


def test_fallback_specs_are_the_readme_table_with_one_lot_minimum():
    table = {
        s: (spec.qty_tick, spec.price_tick, spec.min_qty) for s, spec in FALLBACK_SPECS.items()
    }
    assert table == {
        "BTC-USD": (D("0.0001"), D("0.01"), D("0.0001")),
        "ETH-USD": (D("0.001"), D("0.1"), D("0.001")),
        "XAU-USD": (D("0.01"), D("0.1"), D("0.01")),
        "XAG-USD": (D("0.1"), D("0.01"), D("0.1")),
    }


def test_symbol_price_with_nulls():
    tick = parse_symbol_price(
        {
            "symbol": "BTC-USD",
            "base": "BTC",
            "quote": "DUSD",
            "mark_price": "121602.43",
            "index_price": "121601.158461",
            "last_price": None,
            "mid_price": None,
            "spread_bid": "121599.94",
            "spread_ask": 121600.04,
            "time": "2025-08-11T03:44:40Z",
        },
        received_at=5.0,
    )
    assert tick.mark_price == D("121602.43") and tick.index_price == D("121601.158461")
    assert tick.last_price is None and tick.mid_price is None
    assert (tick.best_bid, tick.best_ask) == (D("121599.94"), D("121600.04"))
    assert tick.time == "2025-08-11T03:44:40Z" and tick.received_at == 5.0


@pytest.mark.parametrize("mark", ["NaN", "Infinity", "-1", "-0.01", "abc", True, [1]])
def test_prices_that_are_unsafe_to_trade_on_are_rejected(mark):
    with pytest.raises(MalformedResponseError):
        parse_symbol_price({"symbol": "BTC-USD", "mark_price": mark})


def test_depth_book_is_sorted_and_tolerant():
    book = parse_depth_book(
        {
            "symbol": "BTC-USD",
            "sequence": 9,
            "time": "t",
            "extra": {"x": 1},
            "asks": [["121896.11", "0.96"], ["121895.81", "0.843"], [121900, 1]],
            "bids": [
                ["121884.01", "0.001"],
                ["121884.31", "0.002"],
                {"price": "121880", "qty": "3"},
            ],
        }
    )
    assert [lv.price for lv in book.asks] == [D("121895.81"), D("121896.11"), D("121900")]
    assert [lv.price for lv in book.bids] == [D("121884.31"), D("121884.01"), D("121880")]
    assert book.bids[0].qty == D("0.002")
    assert book.top().mid == (D("121884.31") + D("121895.81")) / 2


def test_depth_book_drops_empty_levels_and_allows_an_empty_side():
    book = parse_depth_book({"symbol": "BTC-USD", "asks": [], "bids": [["1", "0"], ["2", "1"]]})
    assert [lv.price for lv in book.bids] == [D("2")] and book.asks == ()
    assert book.top() is None


@pytest.mark.parametrize("levels", [[["NaN", "1"]], [["-5", "1"]], [["1", "-1"]], "x", [["1"]]])
def test_depth_book_malformed_levels(levels):
    with pytest.raises(MalformedResponseError):
        parse_depth_book({"symbol": "BTC-USD", "asks": levels, "bids": []})


def test_order_object():
    order = parse_order(ORDER)
    assert order.id == 1820682 and order.cl_ord_id == "01K2BK4ZKQE0C308SRD39P8N9Z"
    assert order.side is Side.SELL and order.price == D("121900.00") and order.qty == D("0.060")
    assert (order.status, order.time_in_force) == ("open", "gtc")


def test_order_ids_as_strings_and_int64():
    assert parse_order(ORDER | {"id": "11545819148"}).id == 11545819148
    assert parse_order(ORDER | {"id": 11545819148}).id == 11545819148
    assert parse_order(ORDER | {"id": None}).id is None
    with pytest.raises(MalformedResponseError):
        parse_order(ORDER | {"id": "12.5"})


@pytest.mark.parametrize(
    "status, expected",
    [
        ("open", "open"),
        ("new", "new"),
        ("untriggered", "untriggered"),
        ("partially_filled", "partially_filled"),
        ("SomethingNew", "somethingnew"),
        ("filled", "filled"),
        ("canceled", "canceled"),
        ("rejected", "rejected"),
        ("cancelled", "canceled"),
        ("expired", "canceled"),
    ],
)
def test_order_statuses(status, expected):
    assert parse_order(ORDER | {"status": status}).status == expected


def test_filled_market_order_with_numbers():
    order = parse_order(
        ORDER
        | {
            "price": "0",
            "fill_qty": 1,
            "fill_avg_price": 121245.21,
            "status": "filled",
            "time_in_force": "ioc",
            "order_type": "market",
        }
    )
    assert order.price == D("0") and order.fill_qty == D("1")
    assert order.fill_avg_price == D("121245.21")


def test_open_orders_page_with_and_without_code():
    page = {"page_size": 1, "result": [ORDER], "total": 1}
    assert [o.id for o in parse_orders(page)] == [1820682]
    assert [o.id for o in parse_orders(page | {"code": 0, "message": "success"})] == [1820682]
    assert parse_orders({"page_size": 0, "result": [], "total": 0}) == []
    with pytest.raises(OrderRejectedError):
        parse_orders(page | {"code": 400, "message": "bad"})
    with pytest.raises(MalformedResponseError):
        parse_orders({"page_size": 1, "total": 1})


def test_positions_signed_qty():
    rows = [
        {
            "symbol": "BTC-USD",
            "qty": "-0.940",
            "entry_price": "121737.96",
            "upnl": "-21.5",
            "leverage": "10",
            "mark_price": "121700",
            "required_margin": "1",
            "unknown": [1],
        },
        {"symbol": "ETH-USD", "qty": "2", "side": "sell", "entry_price": "3000"},
        {"symbol": "XAU-USD", "qty": 0.5, "side": "buy"},
    ]
    btc, eth, xau = parse_positions(rows)
    assert btc.qty == D("-0.940") and btc.upnl == D("-21.5") and btc.leverage == D("10")
    assert btc.mark_price == D("121700")
    assert eth.qty == D("-2") and eth.mark_price is None
    assert xau.qty == D("0.5")
    assert parse_positions([]) == []


def test_balance_allows_negative_available():
    balance = parse_balance(
        {
            "isolated_balance": "0",
            "cross_balance": "100",
            "locked": "3",
            "cross_available": "-4.5",
            "balance": "100",
            "upnl": "-1",
            "equity": 99,
            "pnl_freeze": "0",
        }
    )
    assert (balance.balance, balance.equity, balance.cross_available) == (
        D("100"),
        D("99"),
        D("-4.5"),
    )
    assert (balance.locked, balance.upnl) == (D("3"), D("-1"))
    with pytest.raises(MalformedResponseError):
        parse_balance({"balance": "1"})


def test_trades_page():
    (fill,) = parse_fills(
        {
            "page_size": 1,
            "total": 1,
            "result": [
                {
                    "id": "77",
                    "order_id": 1820682,
                    "symbol": "BTC-USD",
                    "side": "buy",
                    "price": "1.5",
                    "qty": "0.1",
                    "value": "0.15",
                    "fee_asset": "DUSD",
                    "fee_qty": "-0.0001",
                    "pnl": "0",
                    "created_at": "c",
                    "updated_at": "u",
                }
            ],
        }
    )
    assert (fill.id, fill.order_id, fill.side, fill.fee, fill.time) == (
        77,
        1820682,
        Side.BUY,
        D("-0.0001"),
        "c",
    )


def test_acks():
    ack = parse_ack({"code": 0, "message": "success", "request_id": "r-1", "extra": 5})
    assert (ack.code, ack.message, ack.request_id, ack.extra) == (0, "success", "r-1", {"extra": 5})
    assert parse_ack([]) == Ack()  # cancel_orders, Jan-2026 docs
    assert parse_ack({"code": "0"}).code == 0


def test_ack_with_non_zero_code_is_a_rejection():
    with pytest.raises(OrderRejectedError) as caught:
        parse_ack({"code": 400, "message": "alo order rejected", "request_id": "r"})
    assert (caught.value.code, caught.value.message) == (400, "alo order rejected")


def test_ack_malformed():
    for bad in ("ok", 5, None, {"code": "zero"}):
        with pytest.raises(MalformedResponseError):
            parse_ack(bad)
