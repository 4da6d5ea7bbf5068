"""A dropped or refused connection is rebuilt and every subscription is sent again."""

from __future__ import annotations

from decimal import Decimal

from websockets.datastructures import Headers
from websockets.http11 import Response

from tests.trading.standx.conftest import (
    EventCollector,
    FakeStreamServer,
    book_frame,
    price_frame,
    running,
    status_is,
    stream_client,
)
from trading.standx.frames import BookEvent, PriceEvent
from trading.standx.stream import StreamStatus, market_subscriptions

BTC_SUBSCRIBES = [{"subscribe": s} for s in market_subscriptions("BTC-USD")]


async def drop_first_connection(ws, index, server):
    await server.receive(ws, index, 3)
    if index == 0:
        await ws.send(book_frame(seq=1))
        return  # returning closes the connection
    await ws.send(price_frame(seq=1))  # seq restarts on a new connection
    await server.hold(ws)


async def test_reconnects_and_resubscribes_after_a_drop():
    handler = EventCollector()
    async with FakeStreamServer(drop_first_connection) as server:
        client = stream_client(server.url, market_subscriptions("BTC-USD"))
        async with running(client, handler):
            await handler.wait_for(lambda e: isinstance(e, PriceEvent))
    assert server.received == [BTC_SUBSCRIBES, BTC_SUBSCRIBES]
    assert handler.statuses() == ["connected", "disconnected", "connected"]
    book, price = [e for e in handler.events if not isinstance(e, StreamStatus)]
    assert isinstance(book, BookEvent) and book.book.best_bid == Decimal("100")
    assert price.tick.mark_price == Decimal("100.5") and price.seq == 1


async def test_refused_handshakes_are_retried_with_one_disconnected_report():
    attempts = []

    def refuse_twice(connection, request):
        attempts.append(request.path)
        if len(attempts) <= 2:
            return Response(503, "Service Unavailable", Headers(), b"busy")
        return None

    async def accept(ws, index, server):
        await server.receive(ws, index, 3)
        await ws.send(price_frame(seq=1))
        await server.hold(ws)

    handler = EventCollector()
    async with (
        FakeStreamServer(accept, process_request=refuse_twice) as server,
        running(stream_client(server.url, market_subscriptions("BTC-USD")), handler),
    ):
        await handler.wait_for(lambda e: isinstance(e, PriceEvent))
    assert len(attempts) == 3
    assert handler.statuses() == ["disconnected", "connected"]
    (down,) = [e for e in handler.events if status_is("disconnected")(e)]
    assert "503" in down.detail
