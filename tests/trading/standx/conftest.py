"""Shared fakes for the StandX client tests: a scripted httpx transport and test tokens."""
from __future__ import annotations

import base64
import json
from typing import Any, Callable

import httpx
import pytest

from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner

SEED_B58 = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
BASE_URL = "http://127.0.0.1:9"          # never dialled: every test uses a MockTransport
FAR_FUTURE = 4102444800                   # 2100-01-01


def make_jwt(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


VALID_TOKEN = make_jwt({"sub": "bsc_0xabc", "exp": FAR_FUTURE})
EXPIRED_TOKEN = make_jwt({"sub": "bsc_0xabc", "exp": 1000})

Reply = tuple[int, Any] | tuple[int, Any, dict] | Exception | Callable


class ScriptedExchange:
    """Answers each request with the next scripted reply (the last one repeats) and records it."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies) or [(200, {"code": 0, "message": "success"})]
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
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


class SleepRecorder:
    """Stands in for asyncio.sleep so backoff delays are asserted instead of waited for."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def signer() -> RequestSigner:
    return RequestSigner(SEED_B58)


@pytest.fixture
async def make_client(signer, sleeps):
    """make_client(exchange, **overrides) -> StandXRest wired to the scripted exchange."""
    clients: list[StandXRest] = []

    def factory(exchange: ScriptedExchange, **overrides) -> StandXRest:
        options = dict(token=VALID_TOKEN, signer=signer, transport=exchange.transport,
                       sleep=sleeps, max_retries=3)
        options.update(overrides)
        client = StandXRest(BASE_URL, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()
