"""ws-api/v1: auth:login with params as a JSON string, signed order:new / order:cancel,
responses correlated by envelope request_id, stray subscribe frames ignored, and
x-session-id on REST routing the async result to the logged-in session."""

from __future__ import annotations

import asyncio
import json
import uuid

import websockets

from tests.trading.sim.helpers import RECV_TIMEOUT, Stream, alo, sign_headers


class WsApi:
    def __init__(self, ws, private_key: str, session_id: str) -> None:
        self.ws, self.private_key, self.session_id = ws, private_key, session_id

    async def call(
        self, method: str, params: dict, signed: bool = True, spaced: bool = False
    ) -> str:
        raw = json.dumps(params) if spaced else json.dumps(params, separators=(",", ":"))
        rid = str(uuid.uuid4())
        header = {}
        if signed:
            header = sign_headers(self.private_key, raw)  # its own x-request-id
            header.pop("x-request-sign-version")  # optional on ws-api
        await self.ws.send(
            json.dumps(
                {
                    "session_id": self.session_id,
                    "request_id": rid,
                    "method": method,
                    "header": header,
                    "params": raw,
                }
            )
        )
        return rid

    async def reply(self, request_id: str) -> dict:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), RECV_TIMEOUT))
            if frame.get("request_id") == request_id:
                return frame


async def _login(sim, api, session_id="sess-1") -> WsApi:
    ws = await websockets.connect(sim.ws_api_url)
    client = WsApi(ws, api.private_key, session_id)
    await ws.send(json.dumps({"subscribe": {"channel": "order"}}))  # ignored
    rid = await client.call("auth:login", {"token": api.token}, signed=False)
    first = json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))
    assert first == {"code": 0, "message": "success", "request_id": rid}
    return client


async def test_login_order_new_and_cancel(sim, api):
    client = await _login(sim, api)
    stream = await Stream.open(sim.ws_stream_url, api.token)
    rid = await client.call("order:new", alo("buy", "65900.00", cl_ord_id="w1"), spaced=True)
    assert await client.reply(rid) == {"code": 0, "message": "success", "request_id": rid}
    opened = await stream.order_status("w1", "open")
    rid = await client.call("order:cancel", {"order_id": opened["id"], "cl_ord_id": "w1"})
    assert (await client.reply(rid))["code"] == 0
    await stream.order_status("w1", "canceled")
    await client.ws.close()
    await stream.close()


async def test_ws_api_rejects_crossing_alo_and_bad_input(sim, api):
    client = await _login(sim, api)
    rid = await client.call("order:new", alo("buy", "66000.02"))
    assert await client.reply(rid) == {
        "code": 400,
        "message": "alo order rejected",
        "request_id": rid,
    }
    rid = await client.call("order:new", {**alo("buy", "65900.00"), "qty": 1})
    reply = await client.reply(rid)
    assert reply["code"] == 400 and "decimal string" in reply["message"]
    rid = await client.call("order:new", alo("buy", "65900.00"), signed=False)
    assert (await client.reply(rid))["code"] == 403
    await client.ws.send(
        json.dumps(
            {
                "session_id": "s",
                "request_id": "x",
                "method": "order:new",
                "params": {"symbol": "BTC-USD"},
            }
        )
    )
    assert (await client.reply("x"))["message"] == "params must be a JSON-encoded string"
    assert await api.open_orders() == []
    await client.ws.close()


async def test_order_before_login_is_401(sim, api):
    ws = await websockets.connect(sim.ws_api_url)
    client = WsApi(ws, api.private_key, "s")
    rid = await client.call("order:new", alo("buy", "65900.00"))
    assert (await client.reply(rid))["code"] == 401
    await ws.close()


async def test_rest_with_session_id_routes_result_to_session(sim, api):
    client = await _login(sim, api, session_id="mm-session")
    r = await api.post(
        "/api/new_order",
        alo("buy", "65900.00", cl_ord_id="s1"),
        headers={"x-session-id": "mm-session", "x-request-id": "rest-req-1"},
    )
    assert r.json()["request_id"] == "rest-req-1"
    assert await client.reply("rest-req-1") == {
        "code": 0,
        "message": "success",
        "request_id": "rest-req-1",
    }
    r = await api.post(
        "/api/new_order",
        alo("sell", "65000.00", cl_ord_id="s2"),
        headers={"x-session-id": "mm-session", "x-request-id": "rest-req-2"},
    )
    assert (await client.reply("rest-req-2"))["message"] == "alo order rejected"
    await client.ws.close()


async def test_session_id_without_open_session_is_ignored(sim, api):
    stream = await Stream.open(sim.ws_stream_url, api.token)
    r = await api.post(
        "/api/new_order", alo("buy", "65900.00", cl_ord_id="n1"), headers={"x-session-id": "nobody"}
    )
    assert r.status_code == 200
    await stream.order_status("n1", "open")
    await stream.close()


async def test_ws_api_json_ping_and_malformed_frames(sim, api):
    ws = await websockets.connect(sim.ws_api_url)
    await ws.send(json.dumps({"ping": 7}))
    assert json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)) == {"pong": 7}
    await ws.send("not json")
    assert json.loads(await asyncio.wait_for(ws.recv(), RECV_TIMEOUT))["code"] == 400
    await ws.close()
