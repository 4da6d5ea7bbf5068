"""Reference venue messages, message by message: what is a price, what is an acknowledgement,
and what cannot be true (skipped by the feed); and the venues' symbols and URLs."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from trading.reference.frames import (
    ReferencePrice,
    VenueAck,
    VenueError,
    parse_binance,
    parse_hyperliquid,
)
from trading.reference.venues import check_symbol, default_symbol, stream_url
from trading.standx.errors import MalformedResponseError

TICKER = {
    "e": "bookTicker",
    "u": 400900217,
    "E": 1568014460893,
    "T": 1568014460891,
    "s": "BTCUSDT",
    "b": "25.35190000",
    "B": "31.21000000",
    "a": "25.36520000",
    "A": "40.66000000",
}


def test_a_book_ticker_is_a_price_at_its_mid():
    price = parse_binance(json.dumps(TICKER), "btcusdt", received_at=12.5)
    assert price == ReferencePrice(
        "binance", "btcusdt", D("25.35855"), 12.5, D("25.3519"), D("25.3652"), 1568014460.893
    )
    assert parse_binance('{"result": null, "id": 1}', "btcusdt", 0.0) is None


@pytest.mark.parametrize(
    "change",
    [
        {"e": "aggTrade"},
        {"s": "ETHUSDT"},
        {"b": "abc"},
        {"b": "-1"},
        {"b": "NaN"},
        {"b": "0"},
        {"a": "25.0"},  # crossed: ask below bid
        {"a": None},
    ],
)
def test_book_tickers_that_cannot_be_true_are_malformed(change):
    message = {**TICKER, **change}
    with pytest.raises(MalformedResponseError):
        parse_binance(json.dumps(message), "btcusdt", 0.0)


@pytest.mark.parametrize("raw", ["not json", "[]", "null", '"text"'])
def test_non_objects_are_malformed(raw):
    with pytest.raises(MalformedResponseError):
        parse_binance(raw, "btcusdt", 0.0)
    with pytest.raises(MalformedResponseError):
        parse_hyperliquid(raw, "BTC", 0.0)


def test_all_mids_gives_the_coin_s_mid():
    raw = json.dumps({"channel": "allMids", "data": {"mids": {"BTC": "97012.5", "ETH": "3500"}}})
    assert parse_hyperliquid(raw, "BTC", 3.0) == ReferencePrice(
        "hyperliquid", "BTC", D("97012.5"), 3.0
    )
    assert parse_hyperliquid(raw, "SOL", 3.0) is None  # not ours
    subscribed = {"channel": "subscriptionResponse", "data": {"method": "subscribe"}}
    assert parse_hyperliquid(json.dumps(subscribed), "BTC", 0.0) == VenueAck("subscribed")
    assert parse_hyperliquid('{"channel": "pong"}', "BTC", 0.0) == VenueAck("pong")
    assert parse_hyperliquid('{"channel": "trades", "data": []}', "BTC", 0.0) is None
    with pytest.raises(VenueError, match="bad request"):
        parse_hyperliquid('{"channel": "error", "data": "bad request"}', "BTC", 0.0)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"mids": None},
        {"mids": {"BTC": "x"}},
        {"mids": {"BTC": "0"}},
        {"mids": {"BTC": True}},
    ],
)
def test_all_mids_that_cannot_be_true_are_malformed(data):
    with pytest.raises(MalformedResponseError):
        parse_hyperliquid(json.dumps({"channel": "allMids", "data": data}), "BTC", 0.0)


def test_symbols_and_urls():
    assert default_symbol("binance", "BTC-USD") == "btcusdt"
    assert default_symbol("hyperliquid", "ETH-USD") == "ETH"
    assert check_symbol("binance", "BTCUSDT") == "btcusdt"
    assert check_symbol("hyperliquid", "kPEPE") == "kPEPE"
    for bad in ("", "btc/usdt", "btc usdt", "x" * 31):
        with pytest.raises(ValueError):
            check_symbol("binance", bad)
    assert stream_url("binance", "wss://fstream.binance.com/", "BTCUSDT") == (
        "wss://fstream.binance.com/ws/btcusdt@bookTicker"
    )
    assert stream_url("hyperliquid", "wss://api.hyperliquid.xyz/ws", "BTC") == (
        "wss://api.hyperliquid.xyz/ws"
    )
    with pytest.raises(ValueError):
        stream_url("off", "wss://x", "btcusdt")
    with pytest.raises(ValueError):
        default_symbol("off", "BTC-USD")
