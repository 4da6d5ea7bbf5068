"""Simulator extras (/sim/*) and the geo host's /v1/region. Wallet login is in
wallet_login.py; POST /sim/accounts is the shortcut that skips it (a funded account, its
token and a base58 Ed25519 key in one call)."""

from __future__ import annotations

import math
import time
from decimal import Decimal, InvalidOperation

from trading.sim.endpoint import Ctx
from trading.sim.errors import bad_request
from trading.sim.faults import faults_from_json
from trading.sim.validation import parse_json_object, symbol_field


def _optional_body(ctx: Ctx) -> dict:
    return parse_json_object(ctx.raw_body) if ctx.raw_body.strip() else {}


def _positive_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise bad_request(f"{name} must be a decimal string")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise bad_request(f"{name} is not a valid decimal") from None
    if not parsed.is_finite() or parsed <= 0:
        raise bad_request(f"{name} must be positive")
    return parsed


async def create_account(exchange, ctx: Ctx):
    body = _optional_body(ctx)
    balance = body.get("balance")
    amount = _positive_decimal(balance, "balance") if balance is not None else None
    acct = exchange.create_account(amount)
    return {
        "token": acct.token,
        "ed25519_private_key": acct.private_key,
        "address": acct.address,
        "user": acct.user,
    }


async def stats(exchange, ctx: Ctx):
    return exchange.stats(ctx.require_account().user)


async def open_orders(exchange, ctx: Ctx):
    """Ground truth of the account's live orders (pending and resting), never faulted:
    what a soak compares with what the bot believes. With ?since=<unix seconds>: every
    order the account created at or after that moment, in any status (the order log a
    soak judges "nothing was created after the kill" and "still resting at the stop" by);
    created_at / updated_at are exchange-clock seconds (a closed order's updated_at is when
    it left the book)."""
    account = ctx.require_account()
    since = _since(ctx.query.get("since"))
    rows = (
        account.live_orders()
        if since is None
        else [o for o in account.orders.values() if o.created_at >= since]
    )
    return {
        "orders": [
            {
                "id": o.id,
                "cl_ord_id": o.cl_ord_id,
                "symbol": o.symbol,
                "side": o.side.value,
                "price": str(o.price),
                "qty": str(o.qty),
                "status": o.status,
                "reduce_only": o.reduce_only,
                "created_at": o.created_at,
                "updated_at": o.updated_at,
            }
            for o in rows
        ]
    }


def _since(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        since = float(value)
    except ValueError:
        since = math.nan
    if not math.isfinite(since):
        raise bad_request("since must be a number of seconds (unix time)")
    return since


async def injected(exchange, ctx: Ctx):
    """Faults really injected since this simulator started, by kind."""
    return dict(exchange.faults.injected)


async def get_faults(exchange, ctx: Ctx):
    return exchange.faults.config.to_json()


async def set_faults(exchange, ctx: Ctx):
    body = parse_json_object(ctx.raw_body)
    try:
        config = faults_from_json(body, exchange.faults.config, tuple(exchange.symbols))
    except ValueError as err:
        raise bad_request(str(err)) from None
    exchange.set_faults(config)
    return config.to_json()


async def script_market(exchange, ctx: Ctx):
    if exchange.feed is not None:
        raise bad_request("the market follows a recording or StandX's public streams: not scripted")
    body = parse_json_object(ctx.raw_body)
    symbol = symbol_field(body, exchange.symbols).symbol
    frozen = body.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise bad_request("frozen must be a boolean")
    vol = body.get("volatility_bps")
    if vol is not None and (isinstance(vol, bool) or not isinstance(vol, (int, float)) or vol < 0):
        raise bad_request("volatility_bps must be a non-negative number")
    mid = _positive_decimal(body["mid"], "mid") if body.get("mid") is not None else None
    mark = _positive_decimal(body["mark"], "mark") if body.get("mark") is not None else None
    if frozen is not None:
        exchange.market.freeze(symbol, frozen)
    if vol is not None:
        exchange.market.set_volatility(symbol, float(vol))
    if mid is not None:
        exchange.market.set_mid(symbol, mid, mark)
    elif mark is not None:
        exchange.market.set_mark(symbol, mark)
    m = exchange.market.get(symbol)
    return {"symbol": symbol, "mid": str(m.mid), "mark": str(m.mark), "frozen": m.frozen}


async def region(exchange, ctx: Ctx):
    return {"systemTime": int(time.time() * 1000), "region": "sim"}
