"""WebSocket endpoints: market/account stream (/ws-stream/v1, docs/standx-protocol.md §4, §5.1) and
the order-response stream (/ws-api/v1, §5.2). Protocol pings are sent by uvicorn
(ws_ping_interval / ws_ping_timeout); JSON {"ping": x} is answered with {"pong": x}."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from trading.core import bounded_json
from trading.sim.auth import verify_body_signature
from trading.sim.errors import ApiError
from trading.sim.hub import PUBLIC_CHANNELS, USER_CHANNELS, Connection

INVALID = {"code": 400, "message": "invalid request payload"}


async def run_connection(exchange, conn: Connection, reader) -> None:
    """Serve until the client leaves, a close is requested (fault, shutdown, overflow) or
    the maximum connection lifetime passes; then close with a code and reason."""
    writer = asyncio.create_task(conn.writer())
    reading = asyncio.create_task(reader)
    closer = asyncio.create_task(conn.close_requested.wait())
    exchange.hub.add(conn)
    try:
        done, _ = await asyncio.wait(
            {writer, reading, closer},
            timeout=exchange.config.max_connection_lifetime,
            return_when=asyncio.FIRST_COMPLETED,
        )
    finally:
        for task in (writer, reading, closer):
            task.cancel()
        await asyncio.gather(writer, reading, closer, return_exceptions=True)
        exchange.hub.remove(conn)
    if reading in done:
        return  # the client went away
    code, reason = (
        (conn.close_code, conn.close_reason) if done else (1000, "max connection lifetime reached")
    )
    with contextlib.suppress(Exception):
        await asyncio.wait_for(conn.ws.close(code, reason), 2.0)


async def read_frames(conn: Connection, handle) -> None:
    while True:
        message = await conn.ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None and message.get("bytes") is not None:
            text = message["bytes"].decode("utf-8", "replace")
        try:
            frame = bounded_json.loads(text or "")
        except ValueError:
            frame = None
        handle(conn, frame)


# ---- /ws-stream/v1 ----------------------------------------------------------------------------
async def ws_stream(exchange, websocket: WebSocket) -> None:
    await _serve(exchange, websocket, "stream", handle_stream_frame)


def handle_stream_frame(exchange, conn: Connection, frame: object) -> None:
    if isinstance(frame, dict) and "ping" in frame:
        return conn.send({"pong": frame["ping"]})
    if isinstance(frame, dict) and isinstance(frame.get("auth"), dict):
        return _stream_auth(exchange, conn, frame["auth"])
    for verb in ("subscribe", "unsubscribe"):
        if isinstance(frame, dict) and isinstance(frame.get(verb), dict):
            return _subscription(exchange, conn, verb, frame[verb])
    _invalid(exchange, conn)


def _invalid(exchange, conn: Connection, channel: object = None) -> None:
    exchange.traffic.ws(conn, "in", 400, channel=channel, reason=INVALID["message"])
    if conn.user is not None:
        exchange.requests.rejected(conn.user, 400, INVALID["message"])
    conn.send(INVALID)


def _stream_auth(exchange, conn: Connection, auth: dict) -> None:
    try:
        account, _ = exchange.authenticate(str(auth.get("token") or ""))
    except ApiError as err:
        exchange.traffic.ws(conn, "in", 401, channel="auth", reason=err.message)
        conn.send({"channel": "auth", "data": {"code": 401, "msg": err.message}}, envelope=True)
        return
    conn.user = account.user
    exchange.traffic.ws(conn, "in", 200, channel="auth")
    conn.send({"channel": "auth", "data": {"code": 200, "msg": "success"}}, envelope=True)
    streams = auth.get("streams")
    for stream in streams if isinstance(streams, list) else []:
        if isinstance(stream, dict):
            _subscription(exchange, conn, "subscribe", stream)


def _subscription(exchange, conn: Connection, verb: str, spec: dict) -> None:
    channel, symbol = spec.get("channel"), spec.get("symbol")
    if channel in USER_CHANNELS:
        if conn.user is None:
            reason = f"auth required for channel {channel}"
            exchange.traffic.ws(conn, "in", 401, channel=channel, action=verb, reason=reason)
            return conn.send({"code": 401, "message": reason})
        exchange.traffic.ws(conn, "in", 0, channel=channel, action=verb)
        key = (channel, None)
    elif channel in PUBLIC_CHANNELS and symbol in exchange.symbols:
        key = (channel, symbol)
    else:
        return _invalid(exchange, conn, channel if isinstance(channel, str) else None)
    if verb == "unsubscribe":
        conn.subs.discard(key)
        return
    conn.subs.add(key)
    # A first snapshot of the channel right away (only of it: the other's comes with its own).
    if channel == "depth_book":
        exchange.push_depth(symbol, only=conn)
    elif channel == "price":
        exchange.push_price(symbol, only=conn)


# ---- /ws-api/v1 -------------------------------------------------------------------------------
async def ws_api(exchange, websocket: WebSocket) -> None:
    await _serve(exchange, websocket, "api", handle_api_frame)


async def _serve(exchange, websocket: WebSocket, kind: str, handle_frame) -> None:
    """Accept a connection (within the per-IP limits) and feed its frames to
    `handle_frame` until it closes."""
    ip = websocket.client.host if websocket.client else "unknown"
    refusal = exchange.ws_limits.admit(ip)
    if refusal is not None:
        return await _deny(websocket, refusal)
    try:  # counted open from admission, so a slow handshake holds its slot too
        await websocket.accept()
        conn = Connection(websocket, kind)
        handle = lambda c, f: handle_frame(exchange, c, f)  # noqa: E731
        with contextlib.suppress(WebSocketDisconnect):
            await run_connection(exchange, conn, read_frames(conn, handle))
    finally:
        exchange.ws_limits.release(ip)


async def _deny(websocket: WebSocket, message: str) -> None:
    """Refuse the handshake with HTTP 429 and the StandX error body; a server without the
    denial-response extension gets a close before accept (HTTP 403, reason lost)."""
    body = {"code": 429, "message": message}
    with contextlib.suppress(OSError, RuntimeError):  # the client may already have gone
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(JSONResponse(body, status_code=429))
        else:
            await websocket.close(1008, message)


def handle_api_frame(exchange, conn: Connection, frame: object) -> None:
    if not isinstance(frame, dict):
        return _invalid(exchange, conn)
    if "ping" in frame:
        return conn.send({"pong": frame["ping"]})
    method = frame.get("method")
    if method is None and ("subscribe" in frame or "unsubscribe" in frame):
        return  # third-party clients send these here; StandX ignores them
    request_id = str(frame.get("request_id") or "")
    logged_method = method if isinstance(method, str) else None
    try:
        if method == "auth:login":
            _api_login(exchange, conn, frame, request_id)
        elif method in ("order:new", "order:cancel"):
            _api_order(exchange, conn, frame, method, request_id)
        else:
            raise ApiError(
                400, "invalid request payload" if method is None else f"unknown method: {method}"
            )
    except ApiError as err:
        exchange.traffic.ws(
            conn, "in", err.status, method=logged_method, request_id=request_id, reason=err.message
        )
        if conn.user is not None:
            exchange.requests.rejected(conn.user, err.status, err.message)
        return conn.send({**err.body(), "request_id": request_id})
    exchange.traffic.ws(conn, "in", 0, method=logged_method, request_id=request_id)


def _params(frame: dict) -> tuple[str, dict]:
    params = frame.get("params")
    if not isinstance(params, str):
        raise ApiError(400, "params must be a JSON-encoded string")
    try:
        parsed = bounded_json.loads(params)
    except ValueError:
        raise ApiError(400, "params is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, "params must encode a JSON object")
    return params, parsed


def _api_login(exchange, conn: Connection, frame: dict, request_id: str) -> None:
    _, params = _params(frame)
    account, pubkey = exchange.authenticate(str(params.get("token") or ""))
    conn.user, conn.pubkey = account.user, pubkey
    session_id = str(frame.get("session_id") or "") or f"anon-{uuid.uuid4()}"
    if conn.session_id and exchange.hub.sessions.get(conn.session_id) is conn:
        del exchange.hub.sessions[conn.session_id]
    conn.session_id = session_id
    exchange.hub.sessions[session_id] = conn  # a newer login takes the session over
    conn.send({"code": 0, "message": "success", "request_id": request_id})


def _api_order(exchange, conn: Connection, frame: dict, method: str, request_id: str) -> None:
    if conn.user is None:
        raise ApiError(401, "not logged in: send auth:login first")
    exchange.requests.sent(conn.user, f"ws-api {method}")
    raw, params = _params(frame)
    header = frame.get("header")
    headers = (
        {str(k).lower(): str(v) for k, v in header.items()} if isinstance(header, dict) else {}
    )
    verify_body_signature(conn.pubkey, headers, raw.encode(), exchange.config.timestamp_window_s)
    account = exchange.matching.account(conn.user)
    if method == "order:new":
        exchange.submit_new_order(account, params, conn.session_id, request_id)
    else:
        exchange.submit_cancel(account, params, conn.session_id, request_id)
