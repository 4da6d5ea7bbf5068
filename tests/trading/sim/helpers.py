"""A tiny StandX-style client for the simulator's tests: raw httpx + websockets + nacl,
signing as docs/standx-protocol.md §2.4 says (not trading/standx: server tests stand alone)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

import base58
import httpx
import websockets
from nacl.signing import SigningKey

RECV_TIMEOUT = 5.0


def sign_headers(
    private_key_b58: str,
    payload: str,
    *,
    timestamp_ms: int | None = None,
    request_id: str | None = None,
) -> dict[str, str]:
    key = SigningKey(base58.b58decode(private_key_b58)[:32])
    rid = request_id or str(uuid.uuid4())
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    sig = key.sign(f"v1,{rid},{ts},{payload}".encode()).signature
    return {
        "x-request-sign-version": "v1",
        "x-request-id": rid,
        "x-request-timestamp": ts,
        "x-request-signature": base64.b64encode(sig).decode(),
    }


class Api:
    """HTTP side of one account."""

    def __init__(self, http: httpx.AsyncClient, token: str, private_key: str) -> None:
        self.http, self.token, self.private_key = http, token, private_key

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def post(
        self, path: str, body: dict | str, headers: dict | None = None, sign: bool = True
    ) -> httpx.Response:
        raw = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        hdrs = {**self.auth(), "Content-Type": "application/json", **(headers or {})}
        if sign:
            hdrs.update(
                sign_headers(self.private_key, raw, request_id=(headers or {}).get("x-request-id"))
            )
        return await self.http.post(path, content=raw.encode(), headers=hdrs)

    async def get(self, path: str, **params) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.auth())

    async def open_orders(self, symbol: str = "BTC-USD") -> list[dict]:
        r = await self.get("/api/query_open_orders", symbol=symbol)
        assert r.status_code == 200, r.text
        return r.json()["result"]

    async def balance(self) -> dict:
        r = await self.get("/api/query_balance")
        assert r.status_code == 200, r.text
        return r.json()

    async def positions(self) -> list[dict]:
        r = await self.get("/api/query_positions")
        assert r.status_code == 200, r.text
        return r.json()


def alo(side: str, price: str, qty: str = "0.0010", **extra) -> dict:
    return {
        "symbol": "BTC-USD",
        "side": side,
        "order_type": "limit",
        "qty": qty,
        "price": price,
        "time_in_force": "alo",
        "reduce_only": False,
        **extra,
    }


async def place(
    api: Api, stream: Stream, side: str, price: str, cl: str, qty: str = "0.0010"
) -> dict:
    """An ALO order that rests: posted, then seen open on the order stream."""
    r = await api.post("/api/new_order", alo(side, price, qty, cl_ord_id=cl))
    assert r.status_code == 200, r.text
    return await stream.order_status(cl, "open")


class Stream:
    """One ws-stream/v1 connection with helpers to wait for specific frames."""

    def __init__(self, ws) -> None:
        self.ws = ws

    @classmethod
    async def open(
        cls, url: str, token: str | None = None, channels: tuple[str, ...] = ("order",)
    ) -> Stream:
        ws = await asyncio.wait_for(websockets.connect(url), RECV_TIMEOUT)
        stream = cls(ws)
        if token:
            streams = [{"channel": c} for c in channels]
            await stream.send({"auth": {"token": token, "streams": streams}})
            reply = await stream.wait_for(lambda f: f.get("channel") == "auth")
            assert reply["data"] == {"code": 200, "msg": "success"}, reply
        return stream

    async def send(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = RECV_TIMEOUT) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def wait_for(self, predicate, timeout: float = RECV_TIMEOUT) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - loop.time()))
            if predicate(frame):
                return frame

    async def order_status(self, cl_ord_id: str, status: str) -> dict:
        frame = await self.wait_for(
            lambda f: (
                f.get("channel") == "order"
                and f["data"]["cl_ord_id"] == cl_ord_id
                and f["data"]["status"] == status
            )
        )
        return frame["data"]

    async def close(self) -> None:
        await asyncio.wait_for(self.ws.close(), RECV_TIMEOUT)
