"""The Starlette app of the simulator: StandX REST under /api, the auth host's /v1/offchain
paths, the geo host's /v1/region, simulator controls under /sim, and the two WebSockets."""

from __future__ import annotations

from functools import partial

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route, WebSocketRoute

from trading.sim import rest_private as priv
from trading.sim import rest_public as pub
from trading.sim import rest_sim as sim
from trading.sim.endpoint import api_route
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
    "query_position_config",
    "query_balance",
    "query_trades",
)
SIGNED_POSTS = ("new_order", "cancel_order", "cancel_orders", "change_leverage")


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
        Route("/api/maker/uptime", route(priv.maker_uptime, auth=True), methods=["GET"]),
        Route("/v1/region", route(sim.region, faultable=False), methods=["GET"]),
        Route("/v1/offchain/prepare-signin", route(sim.prepare_signin), methods=["POST"]),
        Route("/v1/offchain/login", route(sim.login), methods=["POST"]),
        Route("/sim/accounts", _control(exchange, sim.create_account), methods=["POST"]),
        Route("/sim/stats", _control(exchange, sim.stats, auth=True), methods=["GET"]),
        Route("/sim/orders", _control(exchange, sim.open_orders, auth=True), methods=["GET"]),
        Route("/sim/injected", _control(exchange, sim.injected), methods=["GET"]),
        Route("/sim/faults", _control(exchange, sim.get_faults), methods=["GET"]),
        Route("/sim/faults", _control(exchange, sim.set_faults), methods=["POST"]),
        Route("/sim/market", _control(exchange, sim.script_market), methods=["POST"]),
        WebSocketRoute("/ws-stream/v1", partial(ws_stream, exchange)),
        WebSocketRoute("/ws-api/v1", partial(ws_api, exchange)),
    ]
    return Starlette(routes=routes)


def _control(exchange, handler, auth: bool = False):
    """Simulator controls are never faulted nor rate limited: tests must always reach them."""
    return api_route(exchange, handler, auth=auth, faultable=False, rate_limited=False)
