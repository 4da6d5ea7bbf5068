"""Fixtures: a real simulator on 127.0.0.1 (port 0) per test, and funded accounts on it."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import httpx
import pytest

from tests.trading.sim.helpers import Api, Stream
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer

HOUR_START = 1_800_000_000.0  # a UTC hour boundary (500000 * 3600)


class FakeClock:
    """Ground-truth clock the test moves by hand, so expected figures are exact."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def make_sim():
    started: list[SimServer] = []

    async def factory(faults: FaultConfig | None = None, **options) -> SimServer:
        options.setdefault("volatility_bps", 0.0)
        options.setdefault("jump_probability", 0.0)
        options.setdefault("taker_trade_probability", 0.0)
        sim = SimServer(faults=faults or FaultConfig(ack_latency_ms=0), **options)
        await sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        await sim.stop()


@pytest.fixture
async def sim(make_sim) -> SimServer:
    """A quiet market (no random walk, no synthetic takers) and instant acks."""
    return await make_sim()


@pytest.fixture
async def http(sim):
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=5.0) as client:
        yield client


@pytest.fixture
async def api(sim, http) -> Api:
    acct = sim.create_account()
    return Api(http, acct.token, acct.private_key)


@pytest.fixture
async def make_scripted(make_sim):
    """A frozen BTC-USD at 66000 on a FakeClock starting at HOUR_START, one account with its
    HTTP client and order stream: (sim, clock, api, stream, user)."""
    async with contextlib.AsyncExitStack() as stack:

        async def factory(**options):
            clock = FakeClock(HOUR_START)
            sim = await make_sim(clock=clock, **options)
            sim.exchange.market.freeze()
            sim.exchange.market.set_mid("BTC-USD", Decimal("66000.00"))
            acct = sim.create_account()
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=sim.api_base, timeout=5.0)
            )
            stream = await Stream.open(sim.ws_stream_url, acct.token)
            stack.push_async_callback(stream.close)
            return sim, clock, Api(http, acct.token, acct.private_key), stream, acct.user

        yield factory


@pytest.fixture
async def scripted(make_scripted):
    return await make_scripted()
