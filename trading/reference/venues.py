"""PURE: the reference venues a bot can read (REFERENCE_FEED), their default URLs, the symbol
each venue gives the asset a StandX symbol trades, and the URL a feed connects to.

- binance: Binance USD-M futures, `{REFERENCE_WS_URL}/ws/<symbol>@bookTicker` (a raw stream:
  messages come without a wrapper), symbol lower-case: BTC-USD -> `btcusdt`.
- hyperliquid: `REFERENCE_WS_URL` itself, with the `allMids` subscription; the coin as
  Hyperliquid names it: BTC-USD -> `BTC`.
"""

from __future__ import annotations

import re

OFF, BINANCE, HYPERLIQUID = "off", "binance", "hyperliquid"
FEEDS = (OFF, BINANCE, HYPERLIQUID)
DEFAULT_WS_URLS = {
    BINANCE: "wss://fstream.binance.com",
    HYPERLIQUID: "wss://api.hyperliquid.xyz/ws",
}
_SYMBOL = re.compile(r"[A-Za-z0-9]{1,30}")


def default_symbol(feed: str, standx_symbol: str) -> str:
    """The venue's symbol of the asset a StandX symbol trades (BTC-USD: btcusdt / BTC)."""
    base = standx_symbol.split("-")[0]
    if feed == BINANCE:
        return base.lower() + "usdt"
    if feed == HYPERLIQUID:
        return base.upper()
    raise ValueError(f"no reference venue {feed!r}")


def check_symbol(feed: str, symbol: str) -> str:
    """A venue symbol as the venue spells it (Binance's streams are lower-case); ValueError
    with the accepted form otherwise."""
    if not _SYMBOL.fullmatch(symbol):
        raise ValueError("1-30 letters and digits, e.g. btcusdt (binance) or BTC (hyperliquid)")
    return symbol.lower() if feed == BINANCE else symbol


def stream_url(feed: str, ws_url: str, symbol: str) -> str:
    """The URL a feed connects to: Binance's raw bookTicker stream under the base, or
    Hyperliquid's endpoint itself."""
    base = ws_url.rstrip("/")
    if feed == BINANCE:
        return f"{base}/ws/{check_symbol(feed, symbol)}@bookTicker"
    if feed == HYPERLIQUID:
        return base
    raise ValueError(f"no reference venue {feed!r}")
