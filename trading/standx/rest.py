"""StandX REST transport on httpx: auth headers, body signatures, timeouts, retries, error mapping.

Field names and formats live in protocol.py; this module only knows HTTP. Writes build the body
string once, sign exactly that string and send exactly those bytes (`content=`, never `json=`),
because StandX verifies the signature against the raw bytes it receives.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from trading.core.backoff import Backoff
from trading.core.domain import (
    Ack,
    Balance,
    Book,
    ExchangeOrder,
    Fill,
    Position,
    PriceTick,
    Side,
    SymbolSpec,
)
from trading.standx import protocol
from trading.standx.errors import AuthError, RateLimitError, RequestTimeoutError, StandXError
from trading.standx.order_session import CANCEL_ORDER, NEW_ORDER, SessionRequest, SessionRequests
from trading.standx.pacing import CreditPacer
from trading.standx.responses import decode_response
from trading.standx.signing import RequestSigner, jwt_expiry, token_expiry_problem
from trading.standx.values import first_text

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
PUBLIC_MARKET_PATHS = frozenset(
    {"/api/query_symbol_info", "/api/query_depth_book", "/api/query_symbol_price"}
)
TOKEN_WARN_SECONDS = 3600.0
# Failures where the request provably never reached the server: safe to resend even a write.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RestStats:
    """Per-client counters the engine can publish."""

    requests: int = 0  # HTTP attempts sent (retries included)
    retries: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # error class name -> count raised
    paths: Counter[str] = field(default_factory=Counter)  # path -> attempts sent

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "errors": dict(self.errors),
            "paths": dict(self.paths),
        }


@dataclass(frozen=True)
class _Call:
    """One logical request; `idempotent` decides whether a timeout may be retried."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: str | None = None
    private: bool = False
    signed: bool = False
    # An order request whose result StandX sends to the ws-api session (x-session-id).
    session: SessionRequest | None = None
    # Called when the request leaves the pacer for the network (each attempt).
    on_sent: Callable[[], None] | None = None

    @property
    def idempotent(self) -> bool:
        return self.method == "GET"


def _reveal(token: object) -> str:
    reveal = getattr(token, "reveal", None)
    return reveal() if callable(reveal) else str(token)


class StandXRest:
    def __init__(
        self,
        base_url: str,
        token: object | None = None,
        signer: RequestSigner | None = None,
        timeout: float = 5.0,
        max_retries: int = 3,
        backoff_base: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
        session_id: str | None = None,
        *,
        backoff_max: float = 5.0,
        retry_after_max: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        pacer: CreditPacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        session: SessionRequests | None = None,
    ):
        # `sleep` and `monotonic` drive every wait of this client, the default pacer's too
        # (a 429's hold-off is a pacer wait): a fake pair makes no test wait for real.
        self._timeout = timeout
        self._max_retries = max(0, max_retries)
        self._backoff = Backoff(backoff_base, backoff_max, jitter=True)
        self._retry_after_max = retry_after_max
        # `session` links order requests to the ws-api order-response session (its id goes
        # in x-session-id); a bare session_id only sets the header.
        self._signer, self._session = signer, session
        self._session_id = session.session_id if session is not None else session_id
        self._sleep, self._clock = sleep, clock
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )
        self.stats = RestStats()
        self.pacer = pacer or CreditPacer(clock=monotonic, sleep=sleep)
        self.set_token(token)

    def __repr__(self) -> str:
        return f"StandXRest(base_url={str(self._http.base_url)!r})"

    # ---------------------------------------------------------- lifecycle and token

    def set_token(self, token: object | None) -> None:
        """Install a (new) access token, e.g. after a fresh login; reads its `exp` claim."""
        self._token = token if token else None
        self.token_expires_at: float | None = jwt_expiry(token) if token else None
        problem = token_expiry_problem(self.token_expires_at, self._clock(), TOKEN_WARN_SECONDS)
        if problem:
            log.warning("StandX %s", problem)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> StandXRest:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # ---------------------------------------------------------- market data (public)

    async def query_symbol_info(self, symbol: str | None = None) -> list[SymbolSpec]:
        params = {"symbol": symbol} if symbol else None
        return protocol.parse_symbol_info(await self._get("/api/query_symbol_info", params))

    async def symbol_specs(self, symbols: Iterable[str]) -> dict[str, SymbolSpec]:
        """Specs from the exchange; the built-in table fills in when the call or a symbol fails."""
        wanted = list(symbols)
        try:
            live = {spec.symbol: spec for spec in await self.query_symbol_info()}
        except StandXError as exc:
            log.warning("query_symbol_info failed (%s); using built-in symbol specs", exc)
            live = {}
        specs: dict[str, SymbolSpec] = {}
        for symbol in wanted:
            spec = live.get(symbol) or protocol.FALLBACK_SPECS.get(symbol)
            if spec is None:
                log.warning("no symbol spec for %s (not listed, no built-in fallback)", symbol)
                continue
            if symbol not in live and live:
                log.warning("%s missing from query_symbol_info; using built-in spec", symbol)
            specs[symbol] = spec
        return specs

    async def query_symbol_price(self, symbol: str) -> PriceTick:
        payload = await self._get("/api/query_symbol_price", {"symbol": symbol})
        return protocol.parse_symbol_price(payload, received_at=self._clock())

    async def query_depth_book(self, symbol: str) -> Book:
        payload = await self._get("/api/query_depth_book", {"symbol": symbol})
        return protocol.parse_depth_book(payload, received_at=self._clock())

    async def market_payload(self, path: str, symbol: str | None = None) -> Any:
        """A public market-data answer (`/api/query_symbol_info`, `query_depth_book`,
        `query_symbol_price`) as StandX sent it, decoded but unparsed: what a market
        recording keeps (trading/marketdata). Never authorised, never signed."""
        if path not in PUBLIC_MARKET_PATHS:
            raise ValueError(f"{path} is not a public market-data path")
        return await self._get(path, {"symbol": symbol} if symbol else None)

    # ---------------------------------------------------------- trading (signed writes)

    async def new_order(
        self,
        symbol: str,
        side: Side | str,
        qty: Decimal | int | str,
        price: Decimal | int | str,
        cl_ord_id: str,
        time_in_force: str = "alo",
        reduce_only: bool = False,
        on_sent: Callable[[], None] | None = None,
    ) -> Ack:
        """Submit a limit order. A timeout raises RequestTimeoutError and is NOT resent:
        the order may exist, so the caller reconciles by cl_ord_id. `on_sent` is called
        whenever the request leaves the pacer (after any wait for the rate budget)."""
        body = protocol.new_order_body(
            symbol, side, qty, price, cl_ord_id, time_in_force, reduce_only
        )
        tag = SessionRequest(NEW_ORDER, cl_ord_id)
        return protocol.parse_ack(
            await self._write("/api/new_order", body, session=tag, on_sent=on_sent)
        )

    async def cancel_order(self, order_id: int | None = None, cl_ord_id: str | None = None) -> Ack:
        body = protocol.cancel_order_body(order_id, cl_ord_id)
        tag = SessionRequest(CANCEL_ORDER, cl_ord_id, order_id)
        return protocol.parse_ack(await self._write("/api/cancel_order", body, session=tag))

    async def cancel_orders(
        self, order_ids: Iterable[int] | None = None, cl_ord_ids: Iterable[str] | None = None
    ) -> Ack:
        body = protocol.cancel_orders_body(order_ids, cl_ord_ids)
        return protocol.parse_ack(await self._write("/api/cancel_orders", body))

    # ---------------------------------------------------------- account (JWT)

    async def query_open_orders(self, symbol: str | None = None) -> list[ExchangeOrder]:
        params = {"symbol": symbol} if symbol else None
        return protocol.parse_orders(await self._get("/api/query_open_orders", params, True))

    async def query_order(
        self, order_id: int | None = None, cl_ord_id: str | None = None
    ) -> ExchangeOrder:
        if order_id is None and not cl_ord_id:
            raise ValueError("query_order needs an order_id or a cl_ord_id")
        params = {"order_id": order_id} if order_id is not None else {"cl_ord_id": cl_ord_id}
        return protocol.parse_order(await self._get("/api/query_order", params, True))

    async def query_positions(self, symbol: str | None = None) -> list[Position]:
        params = {"symbol": symbol} if symbol else None
        return protocol.parse_positions(await self._get("/api/query_positions", params, True))

    async def query_maker_uptime(self, symbol: str | None = None) -> dict[float, float]:
        """StandX's own in-band seconds per hour (undocumented endpoint; may not exist)."""
        params = {"symbol": symbol} if symbol else None
        return protocol.parse_maker_uptime(await self._get("/api/maker/uptime", params, True))

    async def query_balance(self) -> Balance:
        return protocol.parse_balance(await self._get("/api/query_balance", None, True))

    async def query_trades(
        self, symbol: str | None = None, limit: int | None = None, start: str | None = None
    ) -> list[Fill]:
        """Our trades, newest first; `start` (ISO-8601) drops older ones."""
        pairs = (("symbol", symbol), ("limit", limit), ("start", start))
        params = {k: v for k, v in pairs if v is not None}
        return protocol.parse_fills(await self._get("/api/query_trades", params or None, True))

    # ---------------------------------------------------------- transport

    async def _get(
        self, path: str, params: dict[str, Any] | None = None, private: bool = False
    ) -> Any:
        return await self._call(_Call("GET", path, params=params, private=private))

    async def _write(
        self,
        path: str,
        body: str,
        session: SessionRequest | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> Any:
        self._signer_for(path)  # refused before the pacer, without the network
        call = _Call(
            "POST", path, body=body, private=True, signed=True, session=session, on_sent=on_sent
        )
        return await self._call(call)

    async def _call(self, call: _Call) -> Any:
        try:
            return await self._call_with_retries(call)
        except StandXError as exc:
            self.stats.errors[type(exc).__name__] += 1
            raise

    async def _call_with_retries(self, call: _Call) -> Any:
        headers = self._auth_headers(call)
        attempt = 0
        while True:
            try:
                return await self._attempt(call, headers)
            except StandXError as exc:
                if isinstance(exc, RateLimitError):
                    self.pacer.hold_off(self._retry_delay(attempt, exc.retry_after))
                if attempt >= self._max_retries or not self._retryable(call, exc):
                    raise
                delay = self._retry_delay(attempt, getattr(exc, "retry_after", None))
                log.debug(
                    "%s %s: retrying in %.2fs after %s",
                    call.method,
                    call.path,
                    delay,
                    type(exc).__name__,
                )
            attempt += 1
            self.stats.retries += 1
            await self._sleep(delay)

    def _signer_for(self, path: str) -> RequestSigner:
        if self._signer is None:
            raise AuthError("a request signing key is required for " + path)
        return self._signer

    def _auth_headers(self, call: _Call) -> dict[str, str]:
        """Authorization for private calls; refuses an expired token without using the network."""
        if not call.private:
            return {}
        if self._token is None:
            raise AuthError(f"an access token is required for {call.path}")
        problem = token_expiry_problem(self.token_expires_at, self._clock())
        if problem:
            raise AuthError(problem, status=401)
        headers = {"Authorization": "Bearer " + _reveal(self._token)}
        if call.session is not None and self._session_id:
            headers["x-session-id"] = self._session_id
        return headers

    async def _attempt(self, call: _Call, auth_headers: dict[str, str]) -> Any:
        # Pace first, sign after: the signed timestamp must not age while we wait.
        await self.pacer.acquire(call.private)
        if call.on_sent is not None:
            call.on_sent()
        headers = dict(auth_headers)
        if call.body is not None:
            headers.update(JSON_HEADERS)
            # Fresh id and timestamp per attempt (the server may reject stale timestamps);
            # the signed payload is always the one body string built by the caller.
            headers.update(self._signer_for(call.path).headers(call.body))
            if call.session is not None and self._session is not None:
                self._session.sent(headers["x-request-id"], call.session)
        self.stats.requests += 1
        self.stats.paths[call.path] += 1
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    headers=headers,
                    content=call.body.encode("utf-8") if call.body is not None else None,
                )
        except NOT_SENT_ERRORS as exc:
            message = f"could not connect: {type(exc).__name__}"
            raise RequestTimeoutError(message, maybe_sent=False) from None
        except (httpx.TransportError, TimeoutError) as exc:
            raise RequestTimeoutError(f"no response: {type(exc).__name__}") from None
        log.debug("%s %s -> %s", call.method, call.path, response.status_code)
        payload = decode_response(response)
        if call.session is not None and self._session is not None and isinstance(payload, dict):
            self._session.acked(headers["x-request-id"], first_text(payload, "request_id"))
        return payload

    @staticmethod
    def _retryable(call: _Call, exc: StandXError) -> bool:
        if isinstance(exc, RequestTimeoutError):
            # A write that may have reached the exchange is never resent blindly.
            return call.idempotent or not exc.maybe_sent
        if exc.status == 429:
            return True
        if exc.status is not None and exc.status >= 500:
            # A 504 is a gateway timeout: like our own timeout, a write may have gone through.
            return call.idempotent or exc.status != 504
        return False

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self._retry_after_max)
        return self._backoff.delay(attempt)
