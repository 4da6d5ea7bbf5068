"""The ws-api order-response session (docs/standx-protocol.md §2.5, §5.2): how the bot hears
StandX's answer to the orders it sends over REST, a post-only reject above all.

A REST new_order or cancel_order is only "submitted" when it returns; the result of matching
comes later. StandX documents one place it is sent: the ws-api/v1 connection that logged in
with the `session_id` the REST request named in its `x-session-id` header. (An `order`
channel update with `status: rejected` is plausible but unverified.) So one account's REST
client tags its order requests with a session id (`SessionRequests`, handed to
`StandXRest(session=...)`), and an `OrderResponseSession` keeps a ws-api connection logged in
with that id and turns each answer into an `OrderResult` naming the order it answers.

Answers carry only the `request_id`. The REST client records its `x-request-id` before
sending and, should the acknowledgement name a different request_id, that one too when it
returns; an answer that arrives before its acknowledgement is kept (bounded) and delivered
when the acknowledgement links it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection

from trading.core.backoff import Backoff
from trading.standx import frames, protocol
from trading.standx.errors import MalformedResponseError, RejectKind, classify_reject
from trading.standx.stream import (
    CONNECTED,
    DISCONNECTED,
    AuthFailed,
    StreamStatus,
    deliver_bounded,
    open_connection,
)
from trading.standx.values import snippet

log = logging.getLogger(__name__)

NEW_ORDER, CANCEL_ORDER = "new_order", "cancel_order"
RESPONSE_SESSION = "order responses"  # the name its StreamStatus reports carry
REQUEST_MEMORY = 4096  # request ids remembered (one per order request of the account)
UNMATCHED_MEMORY = 256  # answers kept while their request's acknowledgement is on its way


@dataclass(frozen=True)
class SessionRequest:
    """What one session-tagged request was about."""

    method: str  # new_order | cancel_order
    cl_ord_id: str | None
    order_id: int | None = None


@dataclass(frozen=True)
class OrderResult:
    """StandX's final answer to one of our session-tagged requests."""

    request: SessionRequest
    code: int
    message: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def kind(self) -> RejectKind | None:
        """What a refusal means (None for a success)."""
        return None if self.ok else classify_reject(self.message)


class SessionRequests:
    """request id -> SessionRequest for the requests sent with this session's id."""

    def __init__(self, session_id: str | None = None):
        self.session_id = session_id or f"mm-{uuid.uuid4()}"
        self._requests: OrderedDict[str, SessionRequest] = OrderedDict()
        self._unmatched: OrderedDict[str, frames.OrderResponse] = OrderedDict()
        # Where an answer matched late (by acked) goes; set by the running session.
        self.on_late: Callable[[OrderResult], None] | None = None

    def sent(self, request_id: str, request: SessionRequest) -> None:
        self._remember(request_id, request)

    def acked(self, request_id: str, ack_request_id: str) -> None:
        """The acknowledgement of `request_id` came back naming `ack_request_id`."""
        request = self._requests.get(request_id)
        if request is None or not ack_request_id or ack_request_id == request_id:
            return
        self._remember(ack_request_id, request)
        early = self._unmatched.pop(ack_request_id, None)
        if early is not None and self.on_late is not None:
            self.on_late(OrderResult(request, early.code, early.message))

    def resolve(self, response: frames.OrderResponse) -> OrderResult | None:
        """The result a final answer reports, or None (not final, or not linked yet: kept)."""
        if not response.final:
            return None
        request = self._requests.get(response.request_id)
        if request is None:
            self._unmatched[response.request_id] = response
            while len(self._unmatched) > UNMATCHED_MEMORY:
                self._unmatched.popitem(last=False)
            return None
        return OrderResult(request, response.code, response.message)

    def _remember(self, request_id: str, request: SessionRequest) -> None:
        self._requests[request_id] = request
        while len(self._requests) > REQUEST_MEMORY:
            self._requests.popitem(last=False)


Handler = Callable[[Any], Awaitable[Any]]


class OrderResponseSession:
    """Keeps one ws-api connection logged in with the session id and delivers each
    `OrderResult` (and `StreamStatus` changes named `name`) to a handler; reconnects with
    jittered backoff, never gives up. Every wait is bounded: connect, login and send by
    `connect_timeout`, a silent dead connection by the protocol ping (`ping_interval`)."""

    def __init__(
        self,
        url: str,
        token: object,
        requests: SessionRequests,
        name: str = RESPONSE_SESSION,
        connect_timeout: float = 5.0,
        ping_interval: float = 10.0,
        backoff_base: float = 0.25,
        backoff_max: float = 10.0,
        *,
        handler_timeout: float = 30.0,
        proxy: str | Literal[True] | None = True,
    ):
        self.url, self.name, self.requests = url, name, requests
        self._proxy = proxy
        self._token = token
        self._connect_timeout, self._ping_interval = connect_timeout, ping_interval
        self._backoff = Backoff(backoff_base, backoff_max, jitter=True)
        self._handler_timeout = handler_timeout
        self._late: asyncio.Queue[OrderResult] = asyncio.Queue(UNMATCHED_MEMORY)
        self.state: str | None = None
        self._logged_in = False  # the current connection got past its login

    def __repr__(self) -> str:
        return f"OrderResponseSession(name={self.name!r}, url={self.url!r})"

    def set_token(self, token: object) -> None:
        """Log in with a new token from the next connection on."""
        self._token = token

    async def run(self, handler: Handler) -> None:
        """Connect, log in and deliver results until cancelled."""
        self.requests.on_late = self._queue_late
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._deliver_late(handler))
                await self._connections(handler)
        finally:
            self.requests.on_late = None

    async def _connections(self, handler: Handler) -> None:
        failures = 0
        while True:
            self._logged_in = False
            try:
                await self._session(handler)
                detail = "closed by server"
            except Exception as exc:  # noqa: BLE001  every failure means "reconnect"
                detail = f"{type(exc).__name__}: {snippet(str(exc))}".rstrip(": ")
            await self._report(handler, DISCONNECTED, detail)
            failures = 0 if self._logged_in else failures + 1
            await asyncio.sleep(self._backoff.delay(failures))

    async def _session(self, handler: Handler) -> None:
        """One connection, until it closes."""
        ws = await open_connection(
            self.url, self._connect_timeout, self._ping_interval, self._proxy
        )
        try:
            await self._login(ws)
            self._logged_in = True
            await self._report(handler, CONNECTED, self.url)
            async for raw in ws:  # ends when the connection closes (pings bound a dead one)
                result = self._result(raw)
                if result is not None:
                    await self._deliver(handler, result)
        finally:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    await ws.close()
            except (TimeoutError, OSError):
                pass

    async def _login(self, ws: ClientConnection) -> None:
        request_id = str(uuid.uuid4())
        frame = protocol.api_login_frame(self.requests.session_id, request_id, _reveal(self._token))
        try:
            async with asyncio.timeout(self._connect_timeout):
                await ws.send(frame)
                while True:
                    event = self._parse(await ws.recv())
                    if isinstance(event, frames.OrderResponse) and event.request_id == request_id:
                        break
        except TimeoutError:
            raise AuthFailed("no login reply") from None
        if not event.ok:
            raise AuthFailed(f"login refused (code {event.code}): {snippet(event.message)}")

    def _result(self, raw: str | bytes) -> OrderResult | None:
        event = self._parse(raw)
        return self.requests.resolve(event) if isinstance(event, frames.OrderResponse) else None

    def _parse(self, raw: str | bytes) -> frames.OrderResponse | frames.PingMessage | None:
        try:
            event = frames.parse_order_response(raw)
        except MalformedResponseError as exc:
            log.warning(
                "%s: skipped malformed frame (%s): %r", self.name, exc.message, snippet(raw)
            )
            return None
        return None if isinstance(event, frames.UnknownMessage) else event

    def _queue_late(self, result: OrderResult) -> None:
        try:
            self._late.put_nowait(result)
        except asyncio.QueueFull:
            log.warning("%s: dropped a late result for %s", self.name, result.request.cl_ord_id)

    async def _deliver_late(self, handler: Handler) -> None:
        while True:
            await self._deliver(handler, await self._late.get())

    async def _deliver(self, handler: Handler, event: Any) -> None:
        await deliver_bounded(handler, event, self._handler_timeout, log, self.name)

    async def _report(self, handler: Handler, state: str, detail: str) -> None:
        if state == self.state == DISCONNECTED:
            return  # one "disconnected" per outage, not one per retry
        self.state = state
        if state == DISCONNECTED:
            log.warning("%s disconnected: %s", self.name, detail)
        await self._deliver(handler, StreamStatus(self.name, state, detail))


def _reveal(token: object) -> str:
    reveal = getattr(token, "reveal", None)
    return reveal() if callable(reveal) else str(token)
