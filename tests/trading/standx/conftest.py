"""Shared fakes for the StandX client tests: a scripted httpx transport and test tokens."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.server import serve

from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner
from trading.standx.stream import StreamClient, StreamStatus

SEED_B58 = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
BASE_URL = "http://127.0.0.1:9"  # never dialled: every test uses a MockTransport
FAR_FUTURE = 4102444800  # 2100-01-01


def make_jwt(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


VALID_TOKEN = make_jwt({"sub": "bsc_0xabc", "exp": FAR_FUTURE})
EXPIRED_TOKEN = make_jwt({"sub": "bsc_0xabc", "exp": 1000})

Reply = tuple[int, Any] | tuple[int, Any, dict] | Exception | Callable


class ScriptedExchange:
    """Answers each request with the next scripted reply (the last one repeats) and records it
    (and, wired to a client by make_client, the fake time it was sent at)."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies) or [(200, {"code": 0, "message": "success"})]
        self.requests: list[httpx.Request] = []
        self.sent_at: list[float] = []
        self.clock: Callable[[], float] | None = None

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.clock is not None:
            self.sent_at.append(self.clock())
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if callable(reply) and not isinstance(reply, Exception):
            reply = await reply(request)
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        status, body, *rest = reply
        content = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return httpx.Response(status, content=content, headers=rest[0] if rest else None)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


class FakeTime:
    """Stands in for asyncio.sleep and time.monotonic: every wait of the client (retry
    backoff and pacing alike) is recorded and moves the clock at once, so waits are asserted
    instead of waited for."""

    def __init__(self):
        self.now = 1000.0
        self.delays: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay


@pytest.fixture
def sleeps() -> FakeTime:
    return FakeTime()


@pytest.fixture
def signer() -> RequestSigner:
    return RequestSigner(SEED_B58)


@pytest.fixture
async def make_client(signer, sleeps):
    """make_client(exchange, **overrides) -> StandXRest wired to the scripted exchange."""
    clients: list[StandXRest] = []

    def factory(exchange: ScriptedExchange, **overrides) -> StandXRest:
        options = dict(
            token=VALID_TOKEN,
            signer=signer,
            transport=exchange.transport,
            sleep=sleeps,
            monotonic=sleeps.monotonic,
            max_retries=3,
        )
        options.update(overrides)
        client = StandXRest(BASE_URL, **options)
        exchange.clock = sleeps.monotonic
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


# ---------------------------------------------------------------- stream test harness


class FakeStreamServer:
    """A real websockets server on 127.0.0.1 running `script(ws, index, server)` per connection.

    Records every frame the client sends, per connection, in `received[index]`.
    """

    def __init__(self, script, process_request=None):
        self.script = script
        self.process_request = process_request
        self.received: list[list[dict]] = []
        self.release = asyncio.Event()  # tests set it to let a script go on
        self.new_frame = asyncio.Event()
        self._server = None

    async def __aenter__(self) -> FakeStreamServer:
        self._server = await serve(
            self._handle, "127.0.0.1", 0, process_request=self.process_request
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._server.close()
        async with asyncio.timeout(5):
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"ws://{host}:{port}"

    async def _handle(self, ws) -> None:
        index = len(self.received)
        self.received.append([])
        await self.script(ws, index, self)

    async def receive(self, ws, index: int, count: int = 1) -> list[dict]:
        """Read `count` client frames (bounded) and record them."""
        frames = []
        async with asyncio.timeout(5):
            for _ in range(count):
                frame = json.loads(await ws.recv())
                self.received[index].append(frame)
                frames.append(frame)
        self.new_frame.set()
        return frames

    async def hold(self, ws) -> None:
        """Keep the connection open until the client closes it (bounded)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await ws.wait_closed()

    async def wait_released(self) -> None:
        async with asyncio.timeout(5):
            await self.release.wait()


class EventCollector:
    """The stream handler of a test: records events and lets the test wait for one."""

    def __init__(self, fail_on=None):
        self.events: list = []
        self._changed = asyncio.Event()
        self.fail_on = fail_on

    async def __call__(self, event) -> None:
        self.events.append(event)
        self._changed.set()
        if self.fail_on is not None and self.fail_on(event):
            raise RuntimeError("handler bug")

    async def wait_for(self, predicate, count: int = 1, timeout: float = 5.0) -> list:
        """Wait (bounded) until `count` recorded events satisfy `predicate`; return them."""
        async with asyncio.timeout(timeout):
            while True:
                matches = [e for e in self.events if predicate(e)]
                if len(matches) >= count:
                    return matches
                self._changed.clear()
                await self._changed.wait()

    def statuses(self) -> list[str]:
        return [e.state for e in self.events if isinstance(e, StreamStatus)]


def status_is(state: str, detail_contains: str = ""):
    return lambda e: (
        isinstance(e, StreamStatus) and e.state == state and (detail_contains in e.detail)
    )


@contextlib.asynccontextmanager
async def running(client: StreamClient, handler):
    """Run the client in a task for the duration of the block, then cancel it (bounded)."""
    task = asyncio.create_task(client.run(handler))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            async with asyncio.timeout(5):
                await task


def stream_client(url: str, subscriptions, **options: Any) -> StreamClient:
    """A client tuned for tests: fast backoff, never a proxy, loopback only."""
    assert url.startswith("ws://127.0.0.1:")
    defaults: dict[str, Any] = dict(
        name="test",
        backoff_base=0.01,
        backoff_max=0.05,
        connect_timeout=2.0,
        stale_after=5.0,
        proxy=None,
    )
    defaults.update(options)
    return StreamClient(url, subscriptions, **defaults)


def frame(channel: str, data: dict, seq: int) -> str:
    return json.dumps({"seq": seq, "channel": channel, "data": data})


def price_frame(seq: int, mark: str = "100.5", symbol: str = "BTC-USD") -> str:
    return frame("price", {"symbol": symbol, "mark_price": mark, "spread": ["100", "101"]}, seq)


def book_frame(seq: int, symbol: str = "BTC-USD") -> str:
    return frame(
        "depth_book", {"symbol": symbol, "bids": [["100", "1"]], "asks": [["101", "1"]]}, seq
    )
