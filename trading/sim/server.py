"""The Starlette app of the simulator: StandX REST under /api, the auth host's /v1/offchain
paths, the geo host's /v1/region, simulator controls under /sim, and the two WebSockets.

Every error answer, an unknown path (404) and a wrong method (405) included, is StandX's
{"code": N, "message": ...}, HTTP status N (docs/standx-protocol.md §6); every HTTP request goes
through the traffic log when runsim --log-requests is on (traffic.py)."""

from __future__ import annotations

from functools import partial

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from trading.sim import rest_position as position
from trading.sim import rest_private as priv
from trading.sim import rest_public as pub
from trading.sim import rest_sim as sim
from trading.sim import wallet_login as wallet
from trading.sim.endpoint import api_route
from trading.sim.reference_venue import reference_routes, script_reference
from trading.sim.traffic import REJECT_REASON, TrafficMiddleware
from trading.sim.ws import ws_api, ws_stream

PUBLIC_GETS = (
    "query_symbol_info",
    "query_symbol_price",
    "query_symbol_market",
    "query_depth_book",
    "query_recent_trades",
)
PRIVATE_GETS = (
    "query_open_orders",
    "query_order",
    "query_orders",
    "query_positions",
    "query_balance",
    "query_trades",
)
SIGNED_POSTS = ("new_order", "cancel_order", "cancel_orders")
POSITION_POSTS = ("change_leverage", "change_margin_mode")


def build_app(exchange) -> Starlette:
    route = partial(api_route, exchange)
    routes: list[BaseRoute] = [
        Route("/api/health", route(pub.health, faultable=False), methods=["GET"])
    ]
    routes += [
        Route(f"/api/{name}", route(getattr(pub, name)), methods=["GET"]) for name in PUBLIC_GETS
    ]
    routes += [
        Route(f"/api/{name}", route(getattr(priv, name), auth=True), methods=["GET"])
        for name in PRIVATE_GETS
    ]
    routes += [
        Route(f"/api/{name}", route(getattr(priv, name), signed=True), methods=["POST"])
        for name in SIGNED_POSTS
    ]
    routes += [
        Route(f"/api/{name}", route(getattr(position, name), signed=True), methods=["POST"])
        for name in POSITION_POSTS
    ]
    routes += [
        Route(
            "/api/query_position_config",
            route(position.query_position_config, auth=True),
            methods=["GET"],
        ),
        Route("/api/maker/uptime", route(priv.maker_uptime, auth=True), methods=["GET"]),
        Route("/v1/region", route(sim.region, faultable=False), methods=["GET"]),
        Route("/v1/offchain/prepare-signin", route(wallet.prepare_signin), methods=["POST"]),
        Route("/v1/offchain/login", route(wallet.login), methods=["POST"]),
        WebSocketRoute("/ws-stream/v1", partial(ws_stream, exchange)),
        WebSocketRoute("/ws-api/v1", partial(ws_api, exchange)),
    ]
    if exchange.reference is not None:
        routes += reference_routes(exchange.reference)
    app = Starlette(
        routes=routes + _control_routes(exchange),
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        middleware=[Middleware(TrafficMiddleware, traffic=exchange.traffic)],
    )
    app.router.default = _not_found
    return app


def _control_routes(exchange) -> list[BaseRoute]:
    return [
        Route("/sim/accounts", _control(exchange, sim.create_account), methods=["POST"]),
        Route("/sim/stats", _control(exchange, sim.stats, auth=True), methods=["GET"]),
        Route("/sim/orders", _control(exchange, sim.open_orders, auth=True), methods=["GET"]),
        Route("/sim/injected", _control(exchange, sim.injected), methods=["GET"]),
        Route("/sim/faults", _control(exchange, sim.get_faults), methods=["GET"]),
        Route("/sim/faults", _control(exchange, sim.set_faults), methods=["POST"]),
        Route("/sim/market", _control(exchange, sim.script_market), methods=["POST"]),
        Route("/sim/reference", _control(exchange, script_reference), methods=["POST"]),
    ]


def _control(exchange, handler, auth: bool = False):
    """Simulator controls are never faulted nor rate limited: tests must always reach them."""
    return api_route(exchange, handler, auth=auth, faultable=False, rate_limited=False)


async def _not_found(scope, receive, send) -> None:
    """An unknown path: 404 in StandX's shape, for a WebSocket handshake too (as an HTTP
    denial response where the server supports one, else a close before accept)."""
    if scope["type"] != "websocket":
        raise HTTPException(404)
    websocket = WebSocket(scope, receive, send)
    message = f"not found: {scope['path']}"
    if "websocket.http.response" in scope.get("extensions", {}):
        body = {"code": 404, "message": message}
        await websocket.send_denial_response(JSONResponse(body, status_code=404))
    else:
        await websocket.close(1008, message)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Routing errors in StandX's shape: 404 for a path the exchange does not serve, 405
    (with Allow) for a known path asked with the wrong method."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"not found: {request.url.path}"
    elif exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")  # a set's order: sorted for the message
        allowed = ", ".join(sorted(m.strip() for m in allow.split(",") if m.strip()))
        message = f"method {request.method} not allowed on {request.url.path} (use {allowed})"
    else:
        message = str(exc.detail)
    setattr(request.state, REJECT_REASON, message)
    return JSONResponse(
        {"code": exc.status_code, "message": message},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"code": 500, "message": "internal server error"}, status_code=500)
