"""Silence is reported as "stale" (the connection is kept) and the next frame as "fresh"."""

from __future__ import annotations

import asyncio

from tests.trading.standx.conftest import (
    EventCollector,
    FakeStreamServer,
    price_frame,
    running,
    status_is,
    stream_client,
)
from trading.standx.frames import PriceEvent
from trading.standx.stream import market_subscriptions


async def test_stale_then_fresh_on_the_same_connection():
    async def script(ws, index, server):
        await server.receive(ws, index, 3)
        await ws.send(price_frame(seq=1))
        await server.wait_released()  # silent until the test saw "stale"
        await ws.send(price_frame(seq=2, mark="101"))
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, market_subscriptions("BTC-USD"), stale_after=0.2)
        async with running(client, handler):
            await handler.wait_for(status_is("stale"))
            server.release.set()
            await handler.wait_for(status_is("fresh"))
            await handler.wait_for(lambda e: isinstance(e, PriceEvent), count=2)
    kinds = [e.state if hasattr(e, "state") else e.seq for e in handler.events]
    assert kinds == ["connected", 1, "stale", "fresh", 2]
    assert len(server.received) == 1  # stale never forced a reconnect


async def test_stale_is_reported_once_per_silence():
    async def script(ws, index, server):
        await server.receive(ws, index, 3)
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, market_subscriptions("BTC-USD"), stale_after=0.05)
        async with running(client, handler):
            await handler.wait_for(status_is("stale"))
            await asyncio.sleep(0.25)  # five more silent periods: no new report
    assert handler.statuses() == ["connected", "stale"]
