"""Per-frame robustness: malformed frames, out-of-order seq, JSON pings, handler failures."""

from __future__ import annotations

import asyncio
import json
import logging

from tests.trading.standx.conftest import (
    EventCollector,
    FakeStreamServer,
    book_frame,
    price_frame,
    running,
    stream_client,
)
from trading.standx.frames import BookEvent, PriceEvent, UnknownMessage
from trading.standx.stream import StreamStatus, market_subscriptions


def data_events(handler: EventCollector) -> list:
    return [e for e in handler.events if not isinstance(e, StreamStatus)]


async def serve_frames(frames: list[str], handler: EventCollector, until_count: int, **options):
    """Send `frames` on one connection and wait until `until_count` data events arrived."""

    async def script(ws, index, server):
        await server.receive(ws, index, 3)
        for text in frames:
            await ws.send(text)
        await server.hold(ws)

    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, market_subscriptions("BTC-USD"), **options)
        async with running(client, handler):
            await handler.wait_for(lambda e: not isinstance(e, StreamStatus), count=until_count)
    return server


async def test_malformed_frames_are_logged_and_skipped(caplog):
    frames = [
        "garbage {",
        json.dumps(
            {"seq": 2, "channel": "price", "data": {"symbol": "BTC-USD", "mark_price": "NaN"}}
        ),
        price_frame(seq=3),
        "[]",
        book_frame(seq=4),
    ]
    handler = EventCollector()
    with caplog.at_level(logging.WARNING, logger="trading.standx.stream"):
        await serve_frames(frames, handler, until_count=2)
    assert [type(e) for e in data_events(handler)] == [PriceEvent, BookEvent]
    warnings = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(warnings) == 3 and "garbage" in warnings[0]
    assert handler.statuses() == ["connected"]  # no reconnect because of bad frames


async def test_frames_with_a_seq_not_above_the_last_are_dropped(caplog):
    frames = [price_frame(seq=5), price_frame(seq=3), price_frame(seq=5), book_frame(seq=6)]
    handler = EventCollector()
    with caplog.at_level(logging.WARNING, logger="trading.standx.stream"):
        await serve_frames(frames, handler, until_count=2)
    assert [e.seq for e in data_events(handler)] == [5, 6]
    assert sum("out-of-order" in r.getMessage() for r in caplog.records) == 2


async def test_json_ping_is_answered_with_pong_and_not_delivered():
    async def script(ws, index, server):
        await server.receive(ws, index, 3)
        await ws.send(json.dumps({"ping": 42}))
        await server.receive(ws, index)  # the pong
        await ws.send(price_frame(seq=1))
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, market_subscriptions("BTC-USD"))
        async with running(client, handler):
            await handler.wait_for(lambda e: isinstance(e, PriceEvent))
    assert server.received[0][-1] == {"pong": 42}
    assert [type(e) for e in data_events(handler)] == [PriceEvent]


async def test_a_failing_handler_does_not_kill_the_stream(caplog):
    handler = EventCollector(fail_on=lambda e: isinstance(e, BookEvent))
    with caplog.at_level(logging.ERROR, logger="trading.standx.stream"):
        server = await serve_frames([book_frame(seq=1), price_frame(seq=2)], handler, until_count=2)
    assert [type(e) for e in data_events(handler)] == [BookEvent, PriceEvent]
    assert [r.getMessage() for r in caplog.records if "handler failed" in r.getMessage()] == [
        "test stream: handler failed on BookEvent"
    ]
    assert len(server.received) == 1  # same connection throughout


async def test_a_hung_handler_is_bounded(caplog):
    async def hang_on_book(event):
        if isinstance(event, BookEvent):
            await asyncio.sleep(30)
        await handler(event)

    handler = EventCollector()

    async def script(ws, index, server):
        await server.receive(ws, index, 3)
        await ws.send(book_frame(seq=1))
        await ws.send(price_frame(seq=2))
        await server.hold(ws)

    with caplog.at_level(logging.ERROR, logger="trading.standx.stream"):
        async with FakeStreamServer(script) as server:
            client = stream_client(server.url, market_subscriptions("BTC-USD"), handler_timeout=0.1)
            async with running(client, hang_on_book):
                await handler.wait_for(lambda e: isinstance(e, PriceEvent))
    # the book's handler was given up on (and said so); the price after it was delivered
    assert [type(e) for e in data_events(handler)] == [PriceEvent]
    assert [r.getMessage() for r in caplog.records if "handler failed" in r.getMessage()] == [
        "test stream: handler failed on BookEvent"
    ]


async def test_unknown_channels_are_delivered_as_unknown_messages():
    frames = [json.dumps({"seq": 1, "channel": "kline", "data": {"c": 1}}), price_frame(seq=2)]
    handler = EventCollector()
    await serve_frames(frames, handler, until_count=2)
    unknown, _ = data_events(handler)
    assert isinstance(unknown, UnknownMessage) and unknown.raw["channel"] == "kline"
