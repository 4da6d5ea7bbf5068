"""Retry policy: 429/5xx with backoff (Retry-After honoured); timeouts only where safe."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from itertools import pairwise

import httpx
import pytest

from tests.trading.standx.conftest import ScriptedExchange
from trading.standx.errors import (
    AuthError,
    ForbiddenError,
    OrderRejectedError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from trading.standx.pacing import CREDITS_PER_REQUEST

OK = (200, {"code": 0, "message": "success", "request_id": "r"})
BOOK = (200, {"symbol": "BTC-USD", "bids": [], "asks": []})


def place(client):
    return client.new_order("BTC-USD", "buy", Decimal("0.001"), Decimal("60000"), "mm-1")


@pytest.mark.parametrize(
    "status, error",
    [(429, RateLimitError), (500, ServerError), (502, ServerError), (503, ServerError)],
)
async def test_429_and_5xx_are_retried_max_retries_times(make_client, sleeps, status, error):
    exchange = ScriptedExchange((status, {"code": status, "message": "busy"}))
    client = make_client(exchange, max_retries=3)
    with pytest.raises(error):
        await place(client)
    assert len(exchange.requests) == 4  # 1 try + 3 retries
    assert all(later > earlier for earlier, later in pairwise(exchange.sent_at))  # backed off
    assert client.stats.retries == 3 and client.stats.requests == 4


async def test_a_retry_that_succeeds_returns_the_result(make_client, signer):
    exchange = ScriptedExchange((429, ""), (500, ""), OK)
    ack = await place(make_client(exchange))
    assert ack.request_id == "r" and len(exchange.requests) == 3
    bodies = {r.content for r in exchange.requests}
    assert len(bodies) == 1  # the same body bytes every attempt


async def test_backoff_grows_exponentially_with_jitter(make_client, sleeps):
    client = make_client(ScriptedExchange((503, "")), max_retries=4, backoff_base=0.2)
    with pytest.raises(ServerError):
        await place(client)
    for attempt, delay in enumerate(sleeps.delays):
        ceiling = 0.2 * 2**attempt
        assert ceiling / 2 <= delay <= ceiling


def retry_gap(exchange: ScriptedExchange) -> float:
    first, retry = exchange.sent_at
    return retry - first


async def test_retry_after_is_honoured(make_client):
    exchange = ScriptedExchange((429, "", {"Retry-After": "1.5"}), OK)
    await place(make_client(exchange))
    # 1.5 s, then the request's own credits refill after the pacer's hold-off (45/900 s)
    assert retry_gap(exchange) == pytest.approx(1.5 + CREDITS_PER_REQUEST / 900, abs=0.01)


async def test_retry_after_is_capped(make_client, sleeps):
    exchange = ScriptedExchange((429, "", {"Retry-After": "3600"}), OK)
    await place(make_client(exchange, retry_after_max=7.0))
    assert sleeps.delays[0] == 7.0
    assert retry_gap(exchange) == pytest.approx(7.0 + CREDITS_PER_REQUEST / 900, abs=0.01)


async def test_a_429_hold_off_is_waited_on_the_injected_clock(make_client, sleeps):
    """The pacer is the client's: it waits with the injected sleep and clock (it used to
    build its own and hold a test for the whole Retry-After, for real)."""
    client = make_client(ScriptedExchange(OK))
    client.pacer.hold_off(3600.0)
    async with asyncio.timeout(5):
        await place(client)
    assert sum(sleeps.delays) >= 3600.0


@pytest.mark.parametrize(
    "status, error", [(400, OrderRejectedError), (401, AuthError), (403, ForbiddenError)]
)
async def test_client_errors_are_never_retried(make_client, sleeps, status, error):
    exchange = ScriptedExchange((status, {"code": status, "message": "no"}))
    with pytest.raises(error):
        await place(make_client(exchange))
    assert len(exchange.requests) == 1 and sleeps.delays == []


async def test_gateway_timeout_on_a_write_is_not_resent(make_client):
    exchange = ScriptedExchange((504, ""))
    with pytest.raises(ServerError):
        await place(make_client(exchange))
    assert len(exchange.requests) == 1


async def test_gateway_timeout_on_a_get_is_retried(make_client):
    exchange = ScriptedExchange((504, ""), BOOK)
    await make_client(exchange).query_depth_book("BTC-USD")
    assert len(exchange.requests) == 2


async def test_read_timeout_on_a_get_is_retried(make_client):
    exchange = ScriptedExchange(httpx.ReadTimeout("slow"), BOOK)
    book = await make_client(exchange).query_depth_book("BTC-USD")
    assert book.symbol == "BTC-USD" and len(exchange.requests) == 2


async def test_read_timeout_on_get_gives_up_after_max_retries(make_client):
    exchange = ScriptedExchange(httpx.ReadTimeout("slow"))
    with pytest.raises(RequestTimeoutError):
        await make_client(exchange, max_retries=2).query_depth_book("BTC-USD")
    assert len(exchange.requests) == 3


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("eof"), httpx.WriteError("reset")],
)
async def test_a_new_order_that_may_have_been_sent_is_never_resent(make_client, failure):
    exchange = ScriptedExchange(failure, OK)
    with pytest.raises(RequestTimeoutError) as caught:
        await place(make_client(exchange))
    assert len(exchange.requests) == 1
    assert caught.value.maybe_sent is True


async def test_a_connect_failure_is_safe_to_retry_even_for_a_write(make_client):
    exchange = ScriptedExchange(httpx.ConnectError("refused"), OK)
    ack = await place(make_client(exchange))
    assert ack.code == 0 and len(exchange.requests) == 2


async def test_connect_failure_reports_nothing_was_sent(make_client):
    exchange = ScriptedExchange(httpx.ConnectError("refused"))
    with pytest.raises(RequestTimeoutError) as caught:
        await place(make_client(exchange, max_retries=0))
    assert caught.value.maybe_sent is False


async def test_every_call_is_bounded_by_the_timeout(make_client):
    async def hang(request):
        await asyncio.sleep(30)

    exchange = ScriptedExchange(hang)
    with pytest.raises(RequestTimeoutError):
        await place(make_client(exchange, timeout=0.05))
    assert len(exchange.requests) == 1
