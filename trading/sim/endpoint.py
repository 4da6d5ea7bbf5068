"""The request pipeline every /api route goes through, in the order a real gateway would:
per-IP limit -> injected faults -> JWT -> per-account limit -> body signature -> handler.
Any ApiError becomes {"code": N, "message": ...} with HTTP status N; nothing a rejected
request touched is changed because handlers validate before they mutate."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, overload

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trading.sim.accounts import Account
from trading.sim.auth import bearer_token, verify_body_signature
from trading.sim.errors import ApiError, bad_request
from trading.sim.exchange import Exchange
from trading.sim.traffic import ACCOUNT, REJECT_REASON


@dataclass
class Ctx:
    request: Request
    raw_body: bytes = b""
    account: Account | None = None
    pubkey: bytes | None = None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def request_id(self) -> str:
        """Echo of x-request-id when sent (protocol is silent; echoing helps correlation)."""
        return self.request.headers.get("x-request-id") or str(uuid.uuid4())

    @property
    def session_id(self) -> str | None:
        return self.request.headers.get("x-session-id") or None

    def require_account(self) -> Account:
        assert self.account is not None
        return self.account


Handler = Callable[[object, Ctx], Awaitable[Response | dict | list]]


def api_route(
    exchange,
    handler: Handler,
    *,
    auth: bool = False,
    signed: bool = False,
    faultable: bool = True,
    rate_limited: bool = True,
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        ctx: Ctx | None = None
        try:
            if rate_limited:
                await _gate(exchange, request, faultable)
            ctx = Ctx(request, await request.body(), query=dict(request.query_params))
            if auth or signed:
                _authenticate(exchange, ctx, rate_limited)
            if signed:
                verify_body_signature(
                    ctx.pubkey,
                    _lower(request.headers),
                    ctx.raw_body,
                    exchange.config.timestamp_window_s,
                )
            result = await handler(exchange, ctx)
        except ApiError as err:
            _rejected(exchange, request, ctx.account if ctx else None, err, rate_limited)
            return JSONResponse(err.body(), status_code=err.status)
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def _rejected(exchange, request: Request, account, err: ApiError, counted: bool) -> None:
    """Leave the reason for the traffic log; count it for the account (exchange requests
    only, not /sim controls)."""
    setattr(request.state, REJECT_REASON, err.message)
    if account is not None and counted:
        exchange.requests.rejected(account.user, err.status, err.message)


async def _gate(exchange, request: Request, faultable: bool) -> None:
    host = request.client.host if request.client else "unknown"
    if not exchange.limiter.allow_ip(host):
        raise ApiError(429, "too many requests (per-IP limit)")
    if not faultable:
        return
    faults = exchange.faults
    if faults.take_429():
        raise ApiError(429, "too many requests (injected)")
    if faults.roll(faults.config.http_5xx_share, "http_5xx"):
        raise ApiError(500, "internal server error (injected)")
    if faults.roll(faults.config.hang_share, "hang"):
        await asyncio.sleep(faults.config.hang_max_s)
        raise ApiError(504, "gateway timeout (injected hang)")


def _authenticate(exchange, ctx: Ctx, rate_limited: bool) -> None:
    token = bearer_token(ctx.request.headers.get("authorization"))
    ctx.account, ctx.pubkey = exchange.authenticate(token)
    setattr(ctx.request.state, ACCOUNT, ctx.account.user)
    if not rate_limited:
        return  # a /sim control, not an exchange request
    exchange.requests.sent(ctx.account.user, ctx.request.url.path)
    if not exchange.limiter.allow_account(ctx.account.user):
        exchange.requests.refused(ctx.account.user)
        raise ApiError(429, "too many requests (per-account limit)")


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def ack(ctx: Ctx) -> dict:
    return {"code": 0, "message": "success", "request_id": ctx.request_id}


@overload
def query_symbol(exchange: Exchange, ctx: Ctx, required: Literal[True] = True) -> str: ...
@overload
def query_symbol(exchange: Exchange, ctx: Ctx, required: bool) -> str | None: ...
def query_symbol(exchange: Exchange, ctx: Ctx, required: bool = True) -> str | None:
    symbol = ctx.query.get("symbol")
    if not symbol:
        if required:
            raise bad_request("missing required parameter: symbol")
        return None
    if symbol not in exchange.symbols:
        raise bad_request(f"unknown symbol: {symbol!r}")
    return symbol


def query_int(ctx: Ctx, name: str, default: int | None = None) -> int | None:
    value = ctx.query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
