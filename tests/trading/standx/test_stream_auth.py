"""The account stream authenticates first; a refused or unanswered auth is retried."""

from __future__ import annotations

import logging

import pytest

from mmsite.env import Secret
from tests.trading.standx.conftest import (
    EventCollector,
    FakeStreamServer,
    frame,
    running,
    status_is,
    stream_client,
)
from tests.trading.standx.test_response_parsing import ORDER
from trading.standx.frames import AuthResult, OrderUpdate
from trading.standx.stream import account_subscriptions

TOKEN = "header.eyJzdWIiOiJ0ZXN0In0.signature-that-must-not-leak"
ACCOUNT_SUBSCRIBES = [{"subscribe": s} for s in account_subscriptions()]


def auth_reply(code) -> str:
    return frame("auth", {"code": code, "msg": "success" if code in (0, 200) else "denied"}, seq=1)


@pytest.mark.parametrize("ok_code", [0, 200])
async def test_auth_then_subscribe_then_account_events(ok_code):
    async def script(ws, index, server):
        (auth,) = await server.receive(ws, index)
        assert auth == {"auth": {"token": TOKEN}}
        await ws.send(auth_reply(ok_code))
        await server.receive(ws, index, 4)
        await ws.send(frame("order", ORDER | {"id": "5"}, seq=2))
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, account_subscriptions(), token=Secret(TOKEN))
        async with running(client, handler):
            await handler.wait_for(lambda e: isinstance(e, OrderUpdate))
    assert server.received == [[{"auth": {"token": TOKEN}}] + ACCOUNT_SUBSCRIBES]
    auth, connected, order = handler.events
    assert auth == AuthResult(True, ok_code, "success", 1)
    assert status_is("connected")(connected)
    assert order.order.id == 5 and order.seq == 2


async def test_refused_auth_is_reported_and_retried(caplog):
    async def script(ws, index, server):
        await server.receive(ws, index)
        await ws.send(auth_reply(401 if index == 0 else 200))
        if index == 0:
            await server.hold(ws)  # the client must hang up and retry
            return
        await server.receive(ws, index, 4)
        await server.hold(ws)

    handler = EventCollector()
    with caplog.at_level(logging.DEBUG):
        async with FakeStreamServer(script) as server:
            client = stream_client(server.url, account_subscriptions(), token=TOKEN)
            async with running(client, handler):
                await handler.wait_for(status_is("connected"))
    assert handler.statuses() == ["disconnected", "connected"]
    (refused,) = [e for e in handler.events if status_is("disconnected")(e)]
    assert "auth refused (code 401)" in refused.detail
    assert [e.ok for e in handler.events if isinstance(e, AuthResult)] == [False, True]
    assert len(server.received) == 2 and server.received[0] == [{"auth": {"token": TOKEN}}]
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


async def test_unanswered_auth_times_out_and_is_retried():
    async def script(ws, index, server):
        await server.receive(ws, index)
        if index == 0:
            await server.hold(ws)  # never answer the first auth
            return
        await ws.send(auth_reply(200))
        await server.receive(ws, index, 4)
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(
            server.url, account_subscriptions(), token=TOKEN, connect_timeout=0.3
        )
        async with running(client, handler):
            await handler.wait_for(status_is("connected"))
    assert handler.statuses() == ["disconnected", "connected"]
    assert "no auth reply" in handler.events[0].detail


async def test_a_new_token_is_used_on_the_next_connection():
    async def script(ws, index, server):
        (auth,) = await server.receive(ws, index)
        accepted = auth["auth"]["token"] == "fresh-token"
        await ws.send(auth_reply(200 if accepted else 401))
        if accepted:
            await server.receive(ws, index, 4)
        await server.hold(ws)

    handler = EventCollector()
    async with FakeStreamServer(script) as server:
        client = stream_client(server.url, account_subscriptions(), token="old-token")
        async with running(client, handler):
            await handler.wait_for(status_is("disconnected", "auth refused"))
            client.set_token("fresh-token")
            await handler.wait_for(status_is("connected"))
    tokens = [frames[0]["auth"]["token"] for frames in server.received]
    assert tokens[0] == "old-token" and tokens[-1] == "fresh-token"
