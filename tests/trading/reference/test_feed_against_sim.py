"""The reference feed against the simulator's reference venue over loopback, both protocols:
prices with their arrival time, a jump led by the reference, reconnecting after the venue
drops the connection, stale and fresh, malformed messages skipped, a silent stream rebuilt,
Hyperliquid's ping keeping a quiet connection, an unreachable venue retried (never raised)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from trading.reference.feed import ReferenceFeed
from trading.reference.frames import ReferencePrice
from trading.sim import reference_venue
from trading.sim.faults import FaultConfig
from trading.sim.reference import ReferenceConfig
from trading.sim.runner import SimServer
from trading.standx.stream import StreamStatus

WAIT = 5.0
FEEDS = ("binance", "hyperliquid")
SYMBOL = {"binance": "btcusdt", "hyperliquid": "BTC"}


@pytest.fixture
async def sim():
    server = SimServer(
        faults=FaultConfig(ack_latency_ms=0),
        volatility_bps=0.0,
        jump_probability=0.0,
        taker_trade_probability=0.0,
        reference=ReferenceConfig(lag_s=30.0, lag_p25_s=30.0),
    )
    await server.start()
    yield server
    await server.stop()


class Running:
    """A feed running in a task, its events in a queue."""

    def __init__(self, feed: ReferenceFeed) -> None:
        self.feed = feed
        self.events: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.create_task(feed.run(self._handle))

    async def _handle(self, event) -> None:
        await self.events.put(event)

    async def next(self, predicate: Callable[[object], bool], timeout: float = WAIT):
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if predicate(event):
                    return event

    async def price(self, predicate: Callable[[ReferencePrice], bool] = lambda p: True):
        return await self.next(lambda e: isinstance(e, ReferencePrice) and predicate(e))

    async def status(self, state: str) -> StreamStatus:
        return await self.next(lambda e: isinstance(e, StreamStatus) and e.state == state)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def run_feed():
    running: list[Running] = []

    def start(feed: ReferenceFeed) -> Running:
        running.append(Running(feed))
        return running[-1]

    yield start
    for run in running:
        await run.stop()


def make_feed(sim: SimServer, feed: str, **options) -> ReferenceFeed:
    options.setdefault("backoff_base", 0.05)
    options.setdefault("backoff_max", 0.2)
    return ReferenceFeed(feed, SYMBOL[feed], sim.reference_ws_url(feed), proxy=None, **options)


@pytest.mark.parametrize("venue", FEEDS)
async def test_prices_arrive_with_their_arrival_time_and_lead_standx(sim, run_feed, venue):
    clock = iter(float(n) for n in range(1000, 100_000))
    run = run_feed(make_feed(sim, venue, clock=lambda: next(clock)))
    connected = await run.status("connected")
    assert connected.name == "reference" and connected.detail == run.feed.url
    first = await run.price()
    mid = sim.exchange.market.get("BTC-USD").mid
    assert first.venue == venue and first.received_at >= 1000.0
    assert abs(first.mid - mid) <= Decimal("0.01")
    sim.exchange.reference.script_jump("BTC-USD", -20.0, lag_s=30.0)
    jumped = await run.price(lambda p: p.mid < mid * Decimal("0.999"))
    assert jumped.mid == pytest.approx(mid * Decimal("0.998"), abs=Decimal("0.02"))
    assert jumped.received_at > first.received_at
    assert sim.exchange.market.get("BTC-USD").mid == mid  # StandX has not moved yet
    assert run.feed.latest == jumped


@pytest.mark.parametrize("venue", FEEDS)
async def test_reconnects_after_the_venue_drops_the_connection(sim, run_feed, venue):
    run = run_feed(make_feed(sim, venue))
    await run.price()
    sim.exchange.reference.drop()
    down = await run.status("disconnected")
    assert "1011" in down.detail or "closed" in down.detail
    await run.status("connected")
    sim.exchange.reference.script_jump("BTC-USD", 15.0, lag_s=30.0)
    after = await run.price(lambda p: p.mid > sim.exchange.market.get("BTC-USD").mid)
    assert after.venue == venue


@pytest.mark.parametrize("venue", FEEDS)
async def test_stale_when_prices_stop_and_fresh_when_they_come_back(sim, run_feed, venue):
    run = run_feed(make_feed(sim, venue, stale_after=0.3, ping_interval=0.1))
    await run.price()
    sim.exchange.reference.set_silent(True)
    stale = await run.status("stale")
    assert "0.3" in stale.detail
    assert run.feed.state == "stale"  # connected all along: no disconnect in between
    sim.exchange.reference.set_silent(False)
    sim.exchange.reference.script_jump("BTC-USD", 5.0, lag_s=30.0)
    await run.status("fresh")
    await run.price()


@pytest.mark.parametrize("venue", FEEDS)
async def test_malformed_messages_are_skipped_and_the_feed_goes_on(sim, run_feed, venue):
    run = run_feed(make_feed(sim, venue))
    await run.price()
    other = {"e": "bookTicker", "u": 1, "s": "ETHUSDT", "b": "1", "B": "1", "a": "2", "A": "1"}
    crossed = {"channel": "allMids", "data": {"mids": {"BTC": "-5"}}}
    for text in ("{not json", json.dumps(other), json.dumps(crossed), "[1, 2]"):
        sim.exchange.reference.inject(text)
    sim.exchange.reference.script_jump("BTC-USD", 12.0, lag_s=30.0)
    mid = sim.exchange.market.get("BTC-USD").mid
    await run.price(lambda p: p.mid > mid * Decimal("1.001"))
    # binance: all four are not bookTickers of btcusdt; hyperliquid: the allMids "BTC": "-5"
    # and the two non-JSON/non-object ones (the bookTicker is a channel it did not ask for).
    assert run.feed.skipped == (4 if venue == "binance" else 3)
    assert run.feed.state == "connected"


async def test_a_stream_silent_too_long_is_rebuilt(sim, run_feed):
    run = run_feed(make_feed(sim, "binance", stale_after=0.2, silent_reconnect_after=0.6))
    await run.price()
    sim.exchange.reference.set_silent(True)
    await run.status("stale")
    down = await run.status("disconnected")
    assert "SilentStream" in down.detail
    await run.status("connected")


async def test_hyperliquid_pings_keep_a_quiet_connection(sim, run_feed, monkeypatch):
    monkeypatch.setattr(reference_venue, "IDLE_CLOSE_S", 0.5)  # Hyperliquid's rule is 60 s
    quiet = dict(stale_after=0.2, silent_reconnect_after=60.0)
    pinging = run_feed(make_feed(sim, "hyperliquid", ping_interval=0.1, **quiet))
    silent = run_feed(make_feed(sim, "hyperliquid", ping_interval=30.0, **quiet))
    await pinging.price()
    await silent.price()
    sim.exchange.reference.set_silent(True)
    await silent.status("disconnected")  # the venue closed the one that sent nothing
    assert pinging.feed.state == "stale"  # ... and kept the one that pinged
    assert not any(
        isinstance(e, StreamStatus) and e.state == "disconnected"
        for e in list(pinging.events._queue)
    )


async def test_an_unreachable_venue_is_retried_never_raised(run_feed, unused_tcp_port):
    feed = ReferenceFeed(
        "binance",
        "btcusdt",
        f"ws://127.0.0.1:{unused_tcp_port}",
        proxy=None,
        backoff_base=0.05,
        backoff_max=0.1,
        connect_timeout=1.0,
    )
    run = run_feed(feed)
    down = await run.status("disconnected")
    assert "ConnectionRefused" in down.detail or "OSError" in down.detail
    await asyncio.sleep(0)  # the task keeps retrying: it has not ended
    assert not run.task.done()


@pytest.mark.parametrize(
    "options",
    [
        {"feed": "off"},
        {"symbol": "btc/usdt"},
        {"stale_after": 0},
        {"stale_after": 40.0},  # not below silent_reconnect_after
    ],
)
def test_bad_feed_options_are_refused(options):
    args = {"feed": "binance", "symbol": "btcusdt", "ws_url": "ws://127.0.0.1:1"}
    args.update(options)
    feed, symbol, url = args.pop("feed"), args.pop("symbol"), args.pop("ws_url")
    with pytest.raises(ValueError):
        ReferenceFeed(feed, symbol, url, **args)
