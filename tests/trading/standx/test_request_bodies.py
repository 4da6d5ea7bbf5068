"""Request bodies are compact JSON with decimals as plain strings (docs/standx-protocol.md §3.2)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trading.standx.test_signing import ORDER_BODY
from trading.core.domain import Side
from trading.standx.protocol import (
    auth_frame,
    cancel_order_body,
    cancel_orders_body,
    format_decimal,
    new_order_body,
    pong_frame,
    subscribe_frame,
)


def test_new_order_body_matches_the_signing_vector_byte_for_byte():
    body = new_order_body("BTC-USD", Side.BUY, Decimal("0.001"), Decimal("60000.00"), "mm-1")
    assert body == ORDER_BODY


def test_new_order_body_options():
    body = json.loads(new_order_body("ETH-USD", "sell", "2", 3000, "c", "gtc", reduce_only=True))
    assert body == {
        "symbol": "ETH-USD",
        "side": "sell",
        "order_type": "limit",
        "qty": "2",
        "price": "3000",
        "time_in_force": "gtc",
        "reduce_only": True,
        "cl_ord_id": "c",
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("1E+2"), "100"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("0.00010"), "0.00010"),
        (Decimal("121900.00"), "121900.00"),
        ("0.5", "0.5"),
        (7, "7"),
    ],
)
def test_decimals_are_formatted_without_exponent(value, expected):
    assert format_decimal(value, "qty") == expected


@pytest.mark.parametrize(
    "value, error",
    [
        (0.1, TypeError),
        (True, TypeError),
        (None, TypeError),
        ("abc", ValueError),
        (Decimal("NaN"), ValueError),
        (Decimal("Infinity"), ValueError),
        (Decimal("0"), ValueError),
        (Decimal("-1"), ValueError),
    ],
)
def test_bad_quantities_are_refused_before_anything_is_sent(value, error):
    with pytest.raises(error):
        new_order_body("BTC-USD", "buy", value, Decimal("1"), "c")


def test_new_order_body_refuses_an_unknown_side():
    with pytest.raises(ValueError):
        new_order_body("BTC-USD", "long", Decimal("1"), Decimal("1"), "c")


def test_cancel_order_body():
    assert cancel_order_body(order_id=11545819148) == '{"order_id":11545819148}'
    assert cancel_order_body(cl_ord_id="mm-1") == '{"cl_ord_id":"mm-1"}'
    assert cancel_order_body(5, "mm-1") == '{"order_id":5,"cl_ord_id":"mm-1"}'
    with pytest.raises(ValueError):
        cancel_order_body()
    with pytest.raises(TypeError):
        cancel_order_body(order_id="5")


def test_cancel_orders_body():
    assert cancel_orders_body(order_ids=[1, 2]) == '{"order_id_list":[1,2]}'
    assert cancel_orders_body(cl_ord_ids=("a", "b")) == '{"cl_ord_id_list":["a","b"]}'
    for bad in ({}, {"order_ids": []}, {"order_ids": [1], "cl_ord_ids": ["a"]}):
        with pytest.raises(ValueError):
            cancel_orders_body(**bad)


def test_stream_request_frames():
    assert auth_frame("tok") == '{"auth":{"token":"tok"}}'
    assert subscribe_frame({"channel": "price", "symbol": "BTC-USD"}) == (
        '{"subscribe":{"channel":"price","symbol":"BTC-USD"}}'
    )
    assert pong_frame(17) == '{"pong":17}'


@given(
    st.decimals(
        min_value=Decimal("1E-12"),
        max_value=Decimal("1E+12"),
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_any_positive_decimal_round_trips_as_a_plain_string(value):
    text = format_decimal(value, "qty")
    assert "E" not in text.upper() and Decimal(text) == value
