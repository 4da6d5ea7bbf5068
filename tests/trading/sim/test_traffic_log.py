"""The traffic log (runsim --log-requests) and the rejections in /sim/stats: every HTTP
request and every non-market WebSocket frame leaves one JSON line with its account, status
and, when refused, the reason; /sim/stats counts each account's rejections by reason."""

from __future__ import annotations

import json

import httpx
import websockets

from tests.trading.sim.helpers import RECV_TIMEOUT, Api, Stream, alo, sign_headers
from tests.trading.sim.test_ws_api import WsApi

OTHER_KEY = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def drive_http(api: Api) -> None:
    assert (await api.http.get("/api/query_symbol_info")).status_code == 200
    r = await api.http.post(
        "/api/new_order",
        content=json.dumps(alo("buy", "60000.00")),
        headers={**api.auth(), **sign_headers(OTHER_KEY, json.dumps(alo("buy", "60000.00")))},
    )
    assert r.status_code == 403
    assert (await api.post("/api/new_order", alo("buy", "60000.001"))).status_code == 400
    assert (await api.post("/api/new_order", alo("buy", "60000.002"))).status_code == 400
    assert (await api.http.get("/api/nope")).status_code == 404
    assert (await api.http.get("/api/new_order")).status_code == 405


async def drive_ws(sim, api: Api) -> None:
    stream = await Stream.open(sim.ws_stream_url, api.token)
    await stream.send({"subscribe": {"channel": "depth_book", "symbol": "BTC-USD"}})  # market
    await api.post("/api/new_order", alo("buy", "66000.02", cl_ord_id="crosses"))
    await stream.order_status("crosses", "rejected")
    await stream.close()
    ws = await websockets.connect(sim.ws_api_url)
    client = WsApi(ws, OTHER_KEY, "sess-log")  # signs with a key the token is not bound to
    rid = await client.call("auth:login", {"token": api.token}, signed=False)
    assert (await client.reply(rid))["code"] == 0
    rid = await client.call("order:new", alo("buy", "60000.00"))
    assert (await client.reply(rid))["code"] == 403
    await ws.send("not json")
    assert json.loads(await ws.recv())["code"] == 400
    await ws.close()


async def test_every_request_and_account_frame_leaves_a_line(make_sim, tmp_path):
    path = tmp_path / "requests.jsonl"
    sim = await make_sim(log_requests=str(path))
    acct = sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=RECV_TIMEOUT) as http:
        api = Api(http, acct.token, acct.private_key)
        await drive_http(api)
        await drive_ws(sim, api)
    http_lines = [
        (x["method"], x["path"], x["status"], x["account"], x.get("reason"))
        for x in lines(path)
        if x["kind"] == "http"
    ]
    assert http_lines[:6] == [
        ("GET", "/api/query_symbol_info", 200, None, None),
        ("POST", "/api/new_order", 403, acct.user, "invalid body signature"),
        (
            "POST",
            "/api/new_order",
            400,
            acct.user,
            "price 60000.001 is not a multiple of the price tick 0.01",
        ),
        (
            "POST",
            "/api/new_order",
            400,
            acct.user,
            "price 60000.002 is not a multiple of the price tick 0.01",
        ),
        ("GET", "/api/nope", 404, None, "not found: /api/nope"),
        ("GET", "/api/new_order", 405, None, "method GET not allowed on /api/new_order (use POST)"),
    ]
    assert http_lines[6] == ("POST", "/api/new_order", 200, acct.user, None)
    # What a request carried, valid or not: nothing on the public read, both on the writes.
    carried = [(x.get("bearer"), x.get("signed")) for x in lines(path) if x["kind"] == "http"]
    assert (
        carried[:6] == [(None, None), (True, True), (True, True), (True, True)] + [(None, None)] * 2
    )
    ws_lines = [x for x in lines(path) if x["kind"] != "http"]
    assert all(x["time"].endswith("Z") for x in lines(path))
    stream_in = [
        (x.get("channel"), x["status"])
        for x in ws_lines
        if x["kind"] == "ws-stream" and x["dir"] == "in"
    ]
    assert stream_in == [("auth", 200), ("order", 0)]  # the depth_book subscription is market
    pushes = [x for x in ws_lines if x["kind"] == "ws-stream" and x["dir"] == "out"]
    assert {"channel": "order", "order_status": "rejected", "cl_ord_id": "crosses"}.items() <= (
        pushes[-1].items()
    ) and pushes[-1]["account"] == acct.user
    api_in = [
        (x.get("method"), x["status"], x["account"], x.get("reason"))
        for x in ws_lines
        if x["kind"] == "ws-api"
    ]
    assert api_in == [
        ("auth:login", 0, acct.user, None),
        ("order:new", 403, acct.user, "invalid body signature"),
        (None, 400, acct.user, "invalid request payload"),
    ]


async def test_stats_count_each_accounts_rejections_by_reason(make_sim):
    sim = await make_sim()
    acct, other = sim.create_account(), sim.create_account()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=RECV_TIMEOUT) as http:
        api = Api(http, acct.token, acct.private_key)
        await drive_http(api)
        await drive_ws(sim, api)
        r = await http.get("/sim/stats", headers=api.auth())
        other_stats = await http.get("/sim/stats", headers=Api(http, other.token, "").auth())
    requests = r.json()["requests"]
    assert requests["rejections"] == {
        "400 alo order rejected": 1,
        "400 invalid request payload": 1,
        "400 price N is not a multiple of the price tick N": 2,
        "403 invalid body signature": 2,  # one over REST, one over ws-api
    }
    assert requests["by_path"] == {"/api/new_order": 4, "ws-api order:new": 1}
    assert other_stats.json()["requests"]["rejections"] == {}


async def test_no_file_is_written_without_the_option(make_sim, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sim = await make_sim()
    async with httpx.AsyncClient(base_url=sim.api_base, timeout=RECV_TIMEOUT) as http:
        assert (await http.get("/api/nope")).status_code == 404
    assert sim.exchange.traffic.enabled is False and list(tmp_path.iterdir()) == []
