"""ws-stream/v1: public channels per symbol with a per-connection increasing seq,
auth reply as documented, user channels need auth, malformed requests get 400 without
closing, JSON ping/pong, and the maximum connection lifetime closes the socket."""

from __future__ import annotations

import asyncio
import base64
import os
from decimal import Decimal

import pytest
import websockets

from tests.trading.sim.helpers import Stream


async def test_depth_and_price_frames_with_increasing_seq(make_sim):
    sim = await make_sim(push_interval=0.05)
    stream = await Stream.open(sim.ws_stream_url)
    await stream.send({"subscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})
    await stream.send({"subscribe": {"channel": "price", "symbol": "BTC-USD"}})
    frames = [await stream.recv() for _ in range(6)]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    assert {f["channel"] for f in frames} == {"depth_book", "price"}
    depth = next(f for f in frames if f["channel"] == "depth_book")
    assert depth["symbol"] == "BTC-USD" and len(depth["data"]["bids"]) >= 3
    best_bid = max(Decimal(p) for p, _ in depth["data"]["bids"])
    best_ask = min(Decimal(p) for p, _ in depth["data"]["asks"])
    assert best_bid < best_ask
    price = next(f for f in frames if f["channel"] == "price")["data"]
    assert set(price) >= {"mark_price", "index_price", "last_price", "mid_price", "spread"}
    await stream.send({"unsubscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})
    await stream.send({"unsubscribe": {"channel": "price", "symbol": "BTC-USD"}})
    await asyncio.sleep(0.3)
    await stream.close()


async def test_own_orders_show_in_the_book(sim, api):
    from tests.trading.sim.helpers import alo

    stream = await Stream.open(sim.ws_stream_url, api.token)
    await api.post("/api/new_order", alo("buy", "65999.99", qty="0.0123", cl_ord_id="b"))
    await stream.order_status("b", "open")
    depth = (await api.get("/api/query_depth_book", symbol="BTC-USD")).json()
    assert ["65999.99", "0.0123"] in depth["bids"]
    price = (await api.get("/api/query_symbol_price", symbol="BTC-USD")).json()
    assert price["spread_bid"] == "65999.99"
    await stream.close()


async def test_malformed_requests_get_400_and_the_socket_stays_open(sim):
    stream = await Stream.open(sim.ws_stream_url)
    for bad in (
        {"method": "subscribe", "params": ["BTC-USD@depth"]},
        {"subscribe": {"channel": "depth_book", "symbol": "DOGE-USD"}},
        {"subscribe": {"channel": "nope", "symbol": "BTC-USD"}},
    ):
        await stream.send(bad)
        assert await stream.recv() == {"code": 400, "message": "invalid request payload"}
    await stream.ws.send("{{{")
    assert (await stream.recv())["code"] == 400
    await stream.send({"ping": "abc"})
    assert await stream.recv() == {"pong": "abc"}
    await stream.close()


async def test_user_channels_need_auth(sim, api):
    stream = await Stream.open(sim.ws_stream_url)
    await stream.send({"subscribe": {"channel": "order"}})
    assert (await stream.recv())["code"] == 401
    await stream.send({"auth": {"token": "garbage"}})
    reply = await stream.recv()
    assert reply["channel"] == "auth" and reply["data"]["code"] == 401
    await stream.send({"auth": {"token": api.token}})
    reply = await stream.recv()
    assert reply["channel"] == "auth" and reply["data"] == {"code": 200, "msg": "success"}
    assert isinstance(reply["seq"], int)
    await stream.send({"subscribe": {"channel": "balance"}})
    await stream.close()


async def test_max_connection_lifetime_closes(make_sim):
    sim = await make_sim(max_connection_lifetime=0.3)
    stream = await Stream.open(sim.ws_stream_url)
    with pytest.raises(websockets.ConnectionClosed) as info:
        await stream.wait_for(lambda f: False, timeout=5.0)
    assert info.value.rcvd.code == 1000 and "lifetime" in info.value.rcvd.reason


async def _raw_ws_frames(port: int, path: str, seconds: float) -> list[int]:
    """Opcodes the server sends to a raw client that never answers pings."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    opcodes = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    try:
        while loop.time() < deadline:
            head = await asyncio.wait_for(reader.readexactly(2), deadline - loop.time())
            length = head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            await reader.readexactly(length)
            opcodes.append(head[0] & 0x0F)
            if opcodes[-1] == 0x8:
                break
    except (TimeoutError, asyncio.IncompleteReadError):
        pass
    writer.close()
    return opcodes


async def test_server_pings_and_closes_without_pong(make_sim):
    sim = await make_sim(ping_interval=0.1, pong_timeout=0.3)
    opcodes = await _raw_ws_frames(sim.port, "/ws-stream/v1", seconds=5.0)
    assert 0x9 in opcodes  # protocol Ping frames
    assert opcodes[-1] == 0x8  # then a Close: no Pong came back in time
