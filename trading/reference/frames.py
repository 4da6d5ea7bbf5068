"""PURE: reference venue messages -> `ReferencePrice` (or nothing), and what a client sends.

- Binance USD-M futures bookTicker: `{"e": "bookTicker", "u", "s", "b", "B", "a", "A", "T", "E"}`,
  prices as decimal strings, `E` (event time) and `T` (transaction time) in ms. The mid of
  the best bid and ask is the price. Anything else on the raw stream (a subscription's
  `{"result": null, "id": 1}` answer) is not a price.
- Hyperliquid: `{"channel": "allMids", "data": {"mids": {"BTC": "97000.5", ...}}}`; the coin's
  mid is the price (a message without it is not one of ours). `subscriptionResponse` and
  `pong` are acknowledgements; `error` is the venue refusing what we sent.

A message that cannot be true (not JSON, a price that is not a positive decimal, a crossed
book, another symbol) raises MalformedResponseError: the feed skips it and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading.reference.venues import BINANCE, HYPERLIQUID
from trading.standx.errors import MalformedResponseError
from trading.standx.values import dec, obj, parse_json, snippet

SUBSCRIBE_ALL_MIDS = json.dumps({"method": "subscribe", "subscription": {"type": "allMids"}})
PING = json.dumps({"method": "ping"})


@dataclass(frozen=True)
class ReferencePrice:
    venue: str
    symbol: str
    mid: Decimal
    received_at: float  # local arrival time (the feed's clock)
    bid: Decimal | None = None
    ask: Decimal | None = None
    exchange_time: float | None = None  # the venue's event time, epoch seconds


@dataclass(frozen=True)
class VenueAck:
    """Not a price: the venue acknowledging a subscription or a ping."""

    what: str  # "subscribed" | "pong"


class VenueError(Exception):
    """The venue refused what we sent (Hyperliquid's error channel)."""


def parse_binance(raw: str | bytes, symbol: str, received_at: float) -> ReferencePrice | None:
    message = obj(parse_json(raw), "bookTicker message")
    if message.get("e") != "bookTicker":
        if "result" in message and "id" in message:
            return None  # the answer to a SUBSCRIBE/LIST request
        raise MalformedResponseError(f"not a bookTicker message: {snippet(raw)!r}")
    if str(message.get("s", "")).lower() != symbol.lower():
        raise MalformedResponseError(f"bookTicker of {message.get('s')!r}, not {symbol!r}")
    bid, ask = dec(message, "b"), dec(message, "a")
    if bid <= 0 or ask < bid:
        raise MalformedResponseError(f"bookTicker with bid {bid} and ask {ask}")
    return ReferencePrice(
        BINANCE, symbol, (bid + ask) / 2, received_at, bid, ask, _ms(message.get("E"))
    )


def parse_hyperliquid(
    raw: str | bytes, coin: str, received_at: float
) -> ReferencePrice | VenueAck | None:
    message = obj(parse_json(raw), "Hyperliquid message")
    channel = message.get("channel")
    if channel == "subscriptionResponse":
        return VenueAck("subscribed")
    if channel == "pong":
        return VenueAck("pong")
    if channel == "error":
        raise VenueError(f"Hyperliquid refused a request: {snippet(message.get('data'))}")
    if channel != "allMids":
        return None  # a channel we did not ask for
    mids = obj(obj(message.get("data"), "allMids data").get("mids"), "allMids mids")
    if coin not in mids:
        return None
    mid = dec(mids, coin)
    if mid <= 0:
        raise MalformedResponseError(f"allMids with {coin} at {mid}")
    return ReferencePrice(HYPERLIQUID, coin, mid, received_at)


def _ms(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value / 1000
