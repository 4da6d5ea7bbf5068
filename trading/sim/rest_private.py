"""Private endpoints (docs/standx-protocol.md §3.2, §3.3): JWT on all, Ed25519 signature on writes.
Writes return the acknowledgement envelope at once; the state change follows after the
ack latency on the `order` channel (and on the ws-api session named by x-session-id)."""

from __future__ import annotations

from starlette.responses import JSONResponse

from trading.core.times import iso_epoch
from trading.sim.endpoint import Ctx, ack, query_int, query_symbol
from trading.sim.errors import ApiError, bad_request
from trading.sim.serialize import balance_json, order_json, page, position_json, trade_json
from trading.sim.validation import parse_json_object

MAX_OPEN_LIMIT = 1200
MAX_HISTORY_LIMIT = 500


async def new_order(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    exchange.submit_new_order(ctx.require_account(), body, ctx.session_id, ctx.request_id)
    return ack(ctx)


async def cancel_order(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    exchange.submit_cancel(ctx.require_account(), body, ctx.session_id, ctx.request_id)
    return ack(ctx)


async def cancel_orders(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    exchange.submit_cancel_many(ctx.require_account(), body, ctx.request_id)
    return ack(ctx)


async def query_order(exchange, ctx: Ctx):
    order_id = query_int(ctx, "order_id")
    cl_ord_id = ctx.query.get("cl_ord_id") or None
    if order_id is None and cl_ord_id is None:
        raise bad_request("missing required parameter: order_id or cl_ord_id")
    order = ctx.require_account().find_order(order_id, cl_ord_id)
    if order is None:
        raise ApiError(404, "order not found")
    return order_json(order)


async def query_open_orders(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx, required=False)
    limit = min(query_int(ctx, "limit", 500) or 500, MAX_OPEN_LIMIT)
    orders = [
        o
        for o in ctx.require_account().orders.values()
        if o.status == "open" and (symbol is None or o.symbol == symbol)
    ]
    return page([order_json(o) for o in sorted(orders, key=lambda o: o.id)[:limit]])


async def query_orders(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx, required=False)
    status = ctx.query.get("status") or None
    limit = min(query_int(ctx, "limit", 100) or 100, MAX_HISTORY_LIMIT)
    orders = [
        o
        for o in ctx.require_account().orders.values()
        if (symbol is None or o.symbol == symbol) and (status is None or o.status == status)
    ]
    orders.sort(key=lambda o: o.id, reverse=True)
    return page([order_json(o) for o in orders[:limit]])


async def query_positions(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx, required=False)
    account = ctx.require_account()
    rows = []
    for sym, pos in sorted(account.positions.items()):
        if pos.qty != 0 and (symbol is None or sym == symbol):
            lev = account.leverage_for(sym, exchange.symbols[sym].def_leverage)
            rows.append(position_json(pos, account, exchange.market.get(sym).mark, lev))
    return rows


async def query_balance(exchange, ctx: Ctx):
    return balance_json(ctx.require_account(), exchange.matching.marks())


async def query_trades(exchange, ctx: Ctx):
    """Newest first; `start`/`end` (ISO) bound the trade time, `side` picks buys or sells."""
    symbol = query_symbol(exchange, ctx, required=False)
    limit = min(query_int(ctx, "limit", 100) or 100, MAX_HISTORY_LIMIT)
    start, end = query_time(ctx, "start"), query_time(ctx, "end")
    side = ctx.query.get("side") or None
    if side not in (None, "buy", "sell"):
        raise bad_request("side must be buy or sell")
    account = ctx.require_account()
    trades = [
        t
        for t in account.trades
        if (symbol is None or t["symbol"] == symbol)
        and (start is None or t["time"] >= start)
        and (end is None or t["time"] <= end)
        and (side is None or t["side"] == side)
    ]
    trades = sorted(trades, key=lambda t: t["id"], reverse=True)[:limit]
    return page([trade_json(t, account.user) for t in trades])


def query_time(ctx: Ctx, name: str) -> float | None:
    """An ISO-8601 query parameter as epoch seconds (naive times are UTC)."""
    value = ctx.query.get(name)
    if not value:
        return None
    when = iso_epoch(value)
    if when is None:
        raise bad_request(f"{name} must be an ISO-8601 time")
    return when


async def maker_uptime(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx, required=False) or "BTC-USD"
    if symbol not in exchange.symbols:
        raise bad_request(f"unknown symbol: {symbol!r}")
    return JSONResponse(exchange.uptime(ctx.require_account().user, symbol))
