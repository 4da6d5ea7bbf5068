"""The account view between REST refreshes: a `position` frame (no mark, maybe no margin)
keeps what REST said last, a closed position leaves, the bot's own symbol is valued at the
live mark and its margin recomputed there, other symbols at REST's last mark."""

from __future__ import annotations

from decimal import Decimal

from trading.core.domain import Position
from trading.core.orders import OrderTracker
from trading.engine.account_watch import AccountWatch
from trading.engine.market_view import MarketView
from trading.engine.state import BotState

D = Decimal


def watch() -> AccountWatch:
    state = BotState("default", "sim", OrderTracker("mmbot-x-", 3.0), MarketView("BTC-USD"))
    account = AccountWatch(rest=None, state=state, clock=lambda: 1_800_000_000.0)  # type: ignore[arg-type]
    account.positions = {
        "BTC-USD": Position("BTC-USD", D("0.002"), D("66000"), D("66100"), D("0.2"), D("10")),
        "ETH-USD": Position(
            "ETH-USD", D("-0.5"), D("3500"), D("3490"), D("5"), D("10"), D("174.5")
        ),
    }
    return account


def test_a_position_frame_keeps_the_last_mark_and_margin():
    account = watch()
    account.on_position(Position("ETH-USD", D("-0.4"), D("3500")))
    eth = account.positions["ETH-USD"]
    assert (eth.qty, eth.mark_price, eth.leverage, eth.margin) == (
        D("-0.4"), D("3490"), D("10"), D("174.5"),
    )  # fmt: skip
    row = {r["symbol"]: r for r in account.view()["positions"]}["ETH-USD"]
    assert D(row["upnl"]) == 4 and D(row["margin"]) == D("139.6")  # 0.4 x 3490 / 10
    account.on_position(Position("ETH-USD", D("0"), D("0")))
    assert [r["symbol"] for r in account.view()["positions"]] == ["BTC-USD"]


def test_the_bots_symbol_is_valued_at_the_live_mark():
    account = watch()
    assert account.upnl_of("BTC-USD") == D("0.200")  # REST's mark until a live one
    account.state.market.mark = D("65900")
    assert account.upnl_of("BTC-USD") == D("-0.200")
    [btc] = [r for r in account.view()["positions"] if r["symbol"] == "BTC-USD"]
    assert (D(btc["mark_price"]), D(btc["upnl"]), D(btc["margin"])) == (
        D("65900"), D("-0.2"), D("13.18"),
    )  # fmt: skip
    assert account.view()["balance"] is None and account.upnl_of("XAU-USD") == 0
