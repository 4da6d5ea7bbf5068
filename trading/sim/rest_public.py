"""Public market-data endpoints (docs/standx-protocol.md §3.1): no auth needed."""

from __future__ import annotations

from starlette.responses import PlainTextResponse

from trading.core.domain import Side
from trading.sim.endpoint import Ctx, query_int, query_symbol
from trading.sim.serialize import depth_json, market_json, public_trade_json
from trading.sim.symbols import symbol_info


async def health(exchange, ctx: Ctx):
    return PlainTextResponse("OK")


async def query_symbol_info(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx, required=False)
    names = [symbol] if symbol else list(exchange.symbols)
    config = exchange.config
    return [
        symbol_info(exchange.symbols[n], config.max_open_orders, config.maker_fee, config.taker_fee)
        for n in names
    ]


async def query_symbol_price(exchange, ctx: Ctx):
    return exchange.price_data(query_symbol(exchange, ctx))


async def query_symbol_market(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx)
    bid = exchange.matching.best_displayed(symbol, Side.BUY)
    ask = exchange.matching.best_displayed(symbol, Side.SELL)
    return market_json(exchange.market.get(symbol), bid, ask, exchange.clock())


async def query_depth_book(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx)
    limit = query_int(ctx, "limit")
    bids, asks = exchange.depth(symbol)
    if limit and limit > 0:
        bids, asks = bids[:limit], asks[:limit]
    return depth_json(symbol, bids, asks, exchange.clock())


async def query_recent_trades(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx)
    limit = query_int(ctx, "limit", 50) or 50
    trades = list(exchange.market.get(symbol).trades)[-limit:]
    return [public_trade_json(t) for t in reversed(trades)]
