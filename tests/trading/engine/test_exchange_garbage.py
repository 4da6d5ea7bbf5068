"""The exchange sends garbage: the engine logs it, skips it, never trades on it, never dies.

REST is the REAL simulator (orders really rest there, ground truth). The streams come from a
tiny loopback WebSocket server, because the simulator is strict and never sends garbage: it
streams a sane book around the simulator's mid and, on request, injects broken frames
between two sane ones (a mock at the one edge where the real part cannot misbehave)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from decimal import Decimal

import pytest
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from tests.trading.engine.conftest import MID, PREFIX, SYMBOL, wait_until
from trading.core.orders import bot_prefix
from trading.engine.feeds import SharedFeed

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_BID, GOOD_ASK = MID - 1, MID + 1


def frame(channel: str, seq: int | str | None, data) -> str:
    """`seq` may be garbage too (a string)."""
    return json.dumps({"channel": channel, "seq": seq, "data": data})


def book(seq: int | None, bids, asks, symbol: str = SYMBOL) -> str:
    return frame("depth_book", seq, {"symbol": symbol, "bids": bids, "asks": asks})


def order(cl_ord_id: str, **changes) -> dict:
    row = {
        "id": 990001,
        "cl_ord_id": cl_ord_id,
        "symbol": SYMBOL,
        "side": "buy",
        "price": str(MID),
        "qty": "0.001",
        "fill_qty": "0",
        "status": "open",
    }
    return {**row, **changes}


class GarbageFeed:
    """A sane book every 50 ms, queued market frames one at a time between them, and the
    queued account frames as they come."""

    def __init__(self):
        self.seq = 100
        self.market: asyncio.Queue = asyncio.Queue()
        self.account: asyncio.Queue = asyncio.Queue()
        self.url = ""

    async def handler(self, ws) -> None:
        """One connection carries both, as the engine's shared feed asks: it logs in, then
        subscribes the market channels."""
        first = json.loads(await ws.recv())
        if "auth" in first:
            await ws.send(frame("auth", None, {"code": 0, "msg": "success"}))
        with contextlib.suppress(ConnectionClosed):  # the engine hangs up at shutdown
            await asyncio.gather(self.stream_market(ws), self.forward_account(ws))

    async def forward_account(self, ws) -> None:
        while ws.close_code is None:  # polled, so the server can shut down
            try:
                item = await asyncio.wait_for(self.account.get(), 0.1)
            except TimeoutError:
                continue
            await ws.send(item)

    async def stream_market(self, ws) -> None:
        while True:
            if not self.market.empty():
                # One broken frame at a time, then silence: it stays the latest word on the
                # market long enough for the engine to (wrongly) act on it.
                item = self.market.get_nowait()
                await ws.send(item(self.seq) if callable(item) else item)
                self.seq += 10  # garbage uses seq + 1..9; the next sane frame is above
                await asyncio.sleep(0.3)
            self.seq += 1
            await ws.send(book(self.seq, [[str(GOOD_BID), "1"]], [[str(GOOD_ASK), "1"]]))
            self.seq += 1
            await ws.send(frame("price", self.seq, {"symbol": SYMBOL, "mark_price": str(MID)}))
            await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def running(self):
        async with serve(self.handler, "127.0.0.1", 0) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}"
            yield self


MARKET_GARBAGE = [
    "{not json",
    b"\xff\xfe\x00",
    lambda seq: frame("depth_book", seq + 1, {"bids": [["1", "1"]], "asks": [["2", "1"]]}),
    lambda seq: book(seq + 2, [["-66000", "1"]], [[str(GOOD_ASK), "1"]]),
    lambda seq: book(seq + 3, [[str(GOOD_BID), "1"]], [["NaN", "1"]]),
    lambda seq: frame("price", seq + 4, {"symbol": SYMBOL, "mark_price": "NaN"}),
    lambda seq: frame("depth_book", seq + 5, None),
    lambda seq: frame("depth_book", "eleven", {"symbol": SYMBOL}),
    # A sane-looking book far from the market, but older than what we already have.
    lambda seq: book(1, [["60000", "1"]], [["60010", "1"]]),
    # Crossed: best bid above best ask (its mid, 60500, is nowhere near the market).
    lambda seq: book(seq + 6, [["61000", "1"]], [["60000", "1"]]),
]

# Ghost ids carry the default bot's own prefix: they look ours by name but are unknown.
GHOST = bot_prefix(PREFIX, "default") + "ghost-"
ACCOUNT_GARBAGE = [
    "[]",
    frame("order", None, order(GHOST + "1b")),  # ours by name, unknown
    frame("order", None, order(GHOST + "2s", side="sell", status="filled")),
    frame("order", None, order(GHOST + "3b", price="-1")),
    frame("order", None, {k: v for k, v in order(GHOST + "4b").items() if k != "status"}),
    frame(
        "trade",
        None,
        {"id": 5, "order_id": 424242, "symbol": SYMBOL, "side": "buy", "price": "NaN", "qty": "1"},
    ),
]


async def test_garbage_is_logged_skipped_and_never_traded_on(world, start_engine, caplog):
    caplog.set_level(logging.WARNING)
    async with GarbageFeed().running() as feed:
        running = await start_engine(
            feed=SharedFeed(feed.url, world.token, "account default", stale_after=0.6)
        )
        await wait_until(world.two_sided, timeout=8, what="quotes from the sane feed")
        await wait_until(
            lambda: all(o.state.value == "open" for o in running.engine.tracker.live()),
            what="orders confirmed",
        )
        resting = {o.cl_ord_id for o in world.resting()}
        for item in MARKET_GARBAGE:
            feed.market.put_nowait(item)
        for item in ACCOUNT_GARBAGE:
            feed.account.put_nowait(item)
        await wait_until(
            lambda: feed.market.empty() and feed.account.empty(), timeout=10, what="garbage sent"
        )
        await asyncio.sleep(1.0)  # time to (wrongly) react: requote, pull, adopt
        engine = running.engine
        assert engine.state == "running"
        assert {o.cl_ord_id for o in world.resting()} == resting  # nothing moved
        assert engine.market.book.best_bid == GOOD_BID
        assert not any("ghost" in cl for cl in engine.tracker.live_ids())
        await running.stop()

    prices = [o.price for o in world.exchange.matching.accounts[world.user].orders.values()]
    assert prices and all(abs(p - MID) / MID < Decimal("0.001") for p in prices)
    assert world.truth()["fills"] == 0
    text = caplog.text
    for needle in (
        "skipped malformed frame",
        "out-of-order frame",
        "crossed book",
        f"unknown order {GHOST}1b",
        f"unknown order {GHOST}2s",
    ):
        assert needle in text, needle
