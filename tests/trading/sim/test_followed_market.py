"""The simulator following a market instead of its walk (trading/sim/feed.py): the source's
books, marks and trades are the market its clients see, and resting orders fill by the queue
rules of trading/sim/queue_fills.py, with the source's fees, through the real REST API and
order stream. The source here is scripted: the test applies each frame itself."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from tests.trading.sim.helpers import Api, Stream, alo, place
from trading.marketdata.frames import Gap, MarketFrame
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer
from trading.sim.symbols import SYMBOLS, symbol_info

SYMBOL = "BTC-USD"
MAKER_FEE = Decimal("0.0002")  # not the simulator's default 0.0001: the source's own


def book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> MarketFrame:
    data = {"symbol": SYMBOL, "bids": [list(b) for b in bids], "asks": [list(a) for a in asks]}
    return MarketFrame(0.0, "depth_book", SYMBOL, data)


def price(mark: str) -> MarketFrame:
    data = {"symbol": SYMBOL, "mark_price": mark, "index_price": mark, "last_price": None}
    return MarketFrame(0.0, "price", SYMBOL, data)


def trade(at: str, qty: str, buyer_taker: bool) -> MarketFrame:
    data = {"symbol": SYMBOL, "price": at, "qty": qty, "is_buyer_taker": buyer_taker}
    return MarketFrame(0.0, "public_trade", SYMBOL, data)


QUIET_BOOK = book([("66000.00", "0.5000"), ("65999.00", "1.0000")], [("66002.00", "0.7000")])


class ScriptedMarket:
    """A MarketSource the test drives: it opens with QUIET_BOOK and a mark of 66001, then
    delivers nothing by itself (the test applies frames through the simulator's feed)."""

    def __init__(self) -> None:
        info = symbol_info(SYMBOLS[SYMBOL], 100, MAKER_FEE, Decimal("0.0005"))
        self.symbol_info = {SYMBOL: {**info, "min_order_qty": "0.0010"}}
        self.initial = [QUIET_BOOK, price("66001.00")]

    async def run(self, apply) -> None:
        await asyncio.Event().wait()

    def describe(self) -> dict:
        return {"source": "scripted"}


@pytest.fixture
async def followed():
    """A simulator following a ScriptedMarket, one account, its HTTP client and order stream:
    (sim, api, stream, apply)."""
    sim = SimServer(faults=FaultConfig(ack_latency_ms=0), feed=ScriptedMarket())
    await sim.start()
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=5.0) as http:
        stream = await Stream.open(sim.ws_stream_url, acct.token, channels=("order", "trade"))
        try:
            yield sim, Api(http, acct.token, acct.private_key), stream, sim.exchange.feed.apply
        finally:
            await stream.close()
            await sim.stop()


async def fill_qty(api: Api, cl: str) -> Decimal:
    """The order's filled size now (frames are applied synchronously: no wait needed)."""
    order = (await api.get("/api/query_order", cl_ord_id=cl)).json()
    return Decimal(order["fill_qty"])


async def test_the_market_is_the_sources_with_its_symbol_info(followed):
    sim, api, _stream, apply = followed
    apply(book([("66100.00", "0.2000")], [("66100.50", "0.3000")]))
    apply(price("66100.20"))
    depth = (await api.get("/api/query_depth_book", symbol=SYMBOL)).json()
    assert depth["bids"] == [["66100.00", "0.2000"]] and depth["asks"] == [["66100.50", "0.3000"]]
    tick = (await api.get("/api/query_symbol_price", symbol=SYMBOL)).json()
    assert tick["mark_price"] == "66100.20"
    [info] = (await api.get("/api/query_symbol_info")).json()  # only the followed symbol
    assert info["symbol"] == SYMBOL and info["maker_fee"] == "0.0002"
    assert info["min_order_qty"] == "0.0010"
    small = await api.post("/api/new_order", alo("buy", "66099.00", qty="0.0005"))
    assert small.status_code == 400 and "0.001" in small.json()["message"]
    scripted = await api.http.post("/sim/market", json={"symbol": SYMBOL, "mid": "1"})
    assert scripted.status_code == 400 and "not scripted" in scripted.json()["message"]


async def test_an_order_waits_behind_the_size_displayed_at_its_price(followed):
    sim, api, stream, apply = followed
    await place(api, stream, "buy", "66000.00", "q", qty="0.0010")  # behind 0.5 at 66000
    apply(trade("66000.00", "0.3000", buyer_taker=False))
    assert await fill_qty(api, "q") == 0  # 0.2 still ahead
    apply(trade("66000.00", "0.2004", buyer_taker=False))
    partial = await stream.wait_for(lambda f: f.get("channel") == "trade")
    assert Decimal(partial["data"]["qty"]) == Decimal("0.0004")
    assert Decimal(partial["data"]["price"]) == Decimal("66000.00")
    assert Decimal(partial["data"]["fee_qty"]) == Decimal("0.0004") * 66000 * MAKER_FEE
    apply(trade("66000.00", "0.0100", buyer_taker=False))  # nobody ahead any more
    await stream.order_status("q", "filled")
    assert await fill_qty(api, "q") == Decimal("0.0010")


async def test_size_leaving_the_level_moves_the_order_up_only_past_what_is_left(followed):
    sim, api, stream, apply = followed
    await place(api, stream, "buy", "66000.00", "q", qty="0.0010")  # 0.5 ahead
    apply(book([("66000.00", "0.8000")], [("66002.00", "0.7000")]))  # joined behind us
    apply(book([("66000.00", "0.6000")], [("66002.00", "0.7000")]))  # left from behind
    apply(trade("66000.00", "0.5000", buyer_taker=False))
    assert await fill_qty(api, "q") == 0  # the 0.5 ahead is still ahead
    await place(api, stream, "buy", "65999.00", "r", qty="0.0010")  # 1.0 ahead
    apply(book([("65999.00", "0.0500")], [("66002.00", "0.7000")]))  # only 0.05 is left
    apply(trade("65999.00", "0.0510", buyer_taker=False))
    await stream.order_status("r", "filled")


async def test_a_trade_through_the_price_or_a_crossing_book_fills_it_whole(followed):
    sim, api, stream, apply = followed
    await place(api, stream, "buy", "66000.00", "through", qty="0.0020")
    apply(trade("65999.50", "0.0001", buyer_taker=False))  # below our bid: it went past us
    await stream.order_status("through", "filled")
    await place(api, stream, "sell", "66002.00", "crossed", qty="0.0020")
    apply(book([("66002.00", "0.1000")], [("66003.00", "0.7000")]))  # a bid at our ask
    await stream.order_status("crossed", "filled")
    assert await fill_qty(api, "crossed") == Decimal("0.0020")


async def test_trades_on_the_other_side_or_beyond_reach_fill_nothing(followed):
    sim, api, stream, apply = followed
    await place(api, stream, "buy", "66000.00", "b", qty="0.0010")
    await place(api, stream, "sell", "66003.00", "a", qty="0.0010")
    apply(trade("66000.00", "5.0000", buyer_taker=True))  # a buyer: it takes asks, not bids
    apply(trade("66002.00", "5.0000", buyer_taker=True))  # below our ask
    apply(trade("66001.00", "5.0000", buyer_taker=False))  # above our bid
    assert await fill_qty(api, "b") == 0 and await fill_qty(api, "a") == 0
    apply(trade("66003.00", "0.0010", buyer_taker=True))  # nothing displayed at 66003
    await stream.order_status("a", "filled")


async def test_our_fills_are_virtual_no_public_trade_of_their_own(followed):
    sim, api, stream, apply = followed
    watcher = await Stream.open(sim.ws_stream_url)
    await watcher.send({"subscribe": {"channel": "public_trade", "symbol": SYMBOL}})
    await place(api, stream, "buy", "66000.00", "v", qty="0.0010")
    apply(trade("65999.00", "0.0100", buyer_taker=False))  # fills us, through the price
    apply(trade("65998.00", "0.0200", buyer_taker=False))
    await stream.order_status("v", "filled")
    seen = [await watcher.wait_for(lambda f: f.get("channel") == "public_trade") for _ in "12"]
    assert [(f["data"]["price"], f["data"]["qty"]) for f in seen] == [
        ("65999.00", "0.0100"),
        ("65998.00", "0.0200"),
    ]
    with pytest.raises(TimeoutError):  # and nothing else: our fill printed no trade
        await watcher.wait_for(lambda f: f.get("channel") == "public_trade", timeout=0.3)
    await watcher.close()


async def test_gaps_and_broken_frames_are_counted_not_applied(followed):
    sim, api, _stream, apply = followed
    apply(Gap(1.0, 4.0, "stream down"))
    apply(MarketFrame(0.0, "depth_book", SYMBOL, {"symbol": SYMBOL, "bids": "garbage"}))
    apply(book([], [("66002.00", "0.7000")]))  # one-sided: the market keeps its book
    stats = (await api.get("/sim/stats")).json()["market"]
    assert stats["source"] == "scripted" and stats["gaps_seen"] == 1
    assert stats["skipped"] == {"malformed": 1, "one-sided book": 1}
    depth = (await api.get("/api/query_depth_book", symbol=SYMBOL)).json()
    assert depth["bids"][0] == ["66000.00", "0.5000"]
