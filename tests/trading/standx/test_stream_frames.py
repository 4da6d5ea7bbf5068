"""ws-stream frames parse into typed events; broken frames raise MalformedResponseError."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.trading.standx.test_response_parsing import ORDER
from trading.core.domain import Side
from trading.standx.errors import MalformedResponseError
from trading.standx.frames import (
    AuthResult,
    BalanceUpdate,
    BookEvent,
    FillUpdate,
    OrderUpdate,
    PingMessage,
    PositionUpdate,
    PriceEvent,
    TradePrint,
    UnknownMessage,
    parse_stream_message,
)

D = Decimal


def frame(channel: str, data, seq: int | None = 7, **extra) -> str:
    message = {"channel": channel, "data": data, **extra}
    if seq is not None:
        message["seq"] = seq
    return json.dumps(message)


@pytest.mark.parametrize(
    "code, ok", [(200, True), (0, True), ("200", True), (401, False), (None, False)]
)
def test_auth_reply_accepts_code_0_and_200(code, ok):
    event = parse_stream_message(frame("auth", {"code": code, "msg": "success"}, seq=1))
    assert event == AuthResult(ok, None if code is None else int(code), "success", 1)


def test_depth_book_frame_is_sorted_and_timed():
    event = parse_stream_message(
        frame(
            "depth_book",
            {
                "symbol": "BTC-USD",
                "asks": [["3", "1"], ["2", "1"]],
                "bids": [["1", "1"], ["1.5", "2"]],
            },
            seq=3,
            symbol="BTC-USD",
        ),
        received_at=12.5,
    )
    assert isinstance(event, BookEvent) and event.seq == 3
    assert (event.book.best_bid, event.book.best_ask) == (D("1.5"), D("2"))
    assert event.book.received_at == 12.5


def test_price_frame_reads_the_spread_pair():
    event = parse_stream_message(
        frame(
            "price",
            {
                "symbol": "BTC-USD",
                "mark_price": "100.5",
                "index_price": "100.4",
                "last_price": "100",
                "mid_price": "100.45",
                "spread": ["100.4", "100.5"],
                "time": "2025-08-11T03:44:40.922233123Z",
            },
            seq=13,
        )
    )
    assert isinstance(event, PriceEvent) and event.seq == 13
    assert (event.tick.best_bid, event.tick.best_ask, event.tick.mark_price) == (
        D("100.4"),
        D("100.5"),
        D("100.5"),
    )


def test_public_trade_frame():
    event = parse_stream_message(
        frame(
            "public_trade",
            {
                "symbol": "BTC-USD",
                "price": "100",
                "qty": 0.25,
                "quote_qty": "25",
                "is_buyer_taker": True,
                "time": "t",
            },
        )
    )
    assert event == TradePrint("BTC-USD", D("100"), D("0.25"), True, "t", 7)


def test_account_frames():
    order = parse_stream_message(frame("order", ORDER | {"id": "42", "status": "filled"}))
    assert isinstance(order, OrderUpdate) and order.order.id == 42
    assert order.order.status == "filled"
    position = parse_stream_message(frame("position", {"symbol": "BTC-USD", "qty": "-1"}))
    assert isinstance(position, PositionUpdate) and position.position.qty == D("-1")
    fill = parse_stream_message(
        frame(
            "trade",
            {
                "id": 9,
                "order_id": "42",
                "symbol": "BTC-USD",
                "side": "sell",
                "price": "1",
                "qty": "2",
                "fee_qty": "0.1",
                "time": "t",
            },
        )
    )
    assert isinstance(fill, FillUpdate) and fill.fill.order_id == 42 and fill.fill.side is Side.SELL
    balance = parse_stream_message(
        frame(
            "balance",
            {"account_type": "perps", "token": "DUSD", "free": "10", "total": "12", "locked": "2"},
        )
    )
    assert balance == BalanceUpdate("DUSD", D("10"), D("12"), D("2"), 7)


def test_json_ping_and_unknown_frames():
    assert parse_stream_message('{"ping": 1712}') == PingMessage(1712, None)
    unknown = parse_stream_message('{"seq": 2, "channel": "kline", "data": {}}')
    assert isinstance(unknown, UnknownMessage) and unknown.seq == 2
    error = parse_stream_message('{"code": 400, "message": "invalid request payload"}')
    assert isinstance(error, UnknownMessage) and error.raw["code"] == 400


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '"a string"',
        '{"seq": "x", "channel": "price", "data": {}}',
        '{"seq": 1, "channel": "price", "data": "nope"}',
        '{"seq": 1, "channel": "price", "data": {"symbol": "BTC-USD", "mark_price": "NaN"}}',
        '{"seq": 1, "channel": "depth_book", "data": {"symbol": "BTC-USD", "bids": [["-1", "1"]]}}',
        '{"seq": 1, "channel": "order", "data": {"symbol": "BTC-USD", "side": "up", '
        '"status": "open"}}',
        b"\xff\xfe",
    ],
)
def test_malformed_frames_raise(text):
    with pytest.raises(MalformedResponseError):
        parse_stream_message(text)
