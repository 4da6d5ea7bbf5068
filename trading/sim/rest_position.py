"""Position settings per account and symbol (docs/standx-protocol.md §3.2-3.3): change_leverage and
change_margin_mode (JWT + body signature, envelope response), query_position_config.

Bounds: leverage is an integer in 1..max_leverage of the symbol (query_symbol_info's
`max_leverage`, configurable per symbol: SimConfig.max_leverage, runsim --max-leverage);
margin_mode is cross or isolated. Assumed, not documented: neither changes while the
account has live orders on the symbol, and the margin mode not while it holds a position
(StandX's new_order says margin_mode and leverage "must match existing position").
The simulator's margin arithmetic is cross in both modes; isolated is stored and reported."""

from __future__ import annotations

from trading.sim.endpoint import Ctx, ack, query_symbol
from trading.sim.errors import bad_request
from trading.sim.validation import (
    MARGIN_MODES,
    check_leverage,
    choice_field,
    int_field,
    parse_json_object,
    symbol_field,
)


async def change_leverage(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    d = symbol_field(body, exchange.symbols)
    leverage = int_field(body, "leverage")
    assert leverage is not None  # required=True
    check_leverage(leverage, d)
    account = ctx.require_account()
    if account.live_orders(d.symbol):
        raise bad_request("cannot change leverage while orders are open on the symbol")
    account.leverage[d.symbol] = leverage
    exchange.save_state()
    return ack(ctx)


async def change_margin_mode(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    d = symbol_field(body, exchange.symbols)
    mode = choice_field(body, "margin_mode", MARGIN_MODES)
    account = ctx.require_account()
    if account.live_orders(d.symbol):
        raise bad_request("cannot change margin_mode while orders are open on the symbol")
    position = account.positions.get(d.symbol)
    if position is not None and position.qty != 0 and mode != account.margin_mode_for(d.symbol):
        raise bad_request("cannot change margin_mode while a position is open on the symbol")
    account.margin_mode[d.symbol] = mode
    exchange.save_state()
    return ack(ctx)


async def query_position_config(exchange, ctx: Ctx):
    symbol = query_symbol(exchange, ctx)
    account = ctx.require_account()
    return {
        "symbol": symbol,
        "leverage": account.leverage_for(symbol, exchange.symbols[symbol].def_leverage),
        "margin_mode": account.margin_mode_for(symbol),
    }
