"""The real StandX client (trading/standx) against the simulator over loopback: what works
here should work against perps.standx.com, and the client's typed errors match the server."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest

from trading.core.domain import Side
from trading.sim.faults import FaultConfig
from trading.standx.errors import AuthError, ForbiddenError, RateLimitError, ServerError
from trading.standx.frames import OrderUpdate
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner
from trading.standx.stream import StreamClient, account_subscriptions

WAIT = 5.0


@pytest.fixture
async def client(sim):
    acct = sim.create_account()
    rest = StandXRest(
        sim.api_base,
        token=acct.token,
        signer=RequestSigner(acct.private_key),
        max_retries=2,
        backoff_base=0.01,
    )
    yield rest, acct
    await rest.aclose()


@contextlib.asynccontextmanager
async def order_updates(sim, token):
    """Run the real StreamClient on the account channels; yield a queue of its OrderUpdates."""
    updates: asyncio.Queue = asyncio.Queue()

    async def handler(event):
        if isinstance(event, OrderUpdate):
            updates.put_nowait(event.order)

    stream = StreamClient(
        sim.ws_stream_url, account_subscriptions(), token=token, name="account", proxy=None
    )
    task = asyncio.create_task(stream.run(handler))
    await asyncio.sleep(0.3)  # auth + subscribe frames reach the server
    try:
        yield updates
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _next_status(updates: asyncio.Queue, cl_ord_id: str, status: str):
    async with asyncio.timeout(WAIT):
        while True:
            order = await updates.get()
            if order.cl_ord_id == cl_ord_id and order.status == status:
                return order


async def test_alo_order_opens_and_cancels(sim, client):
    rest, acct = client
    async with order_updates(sim, acct.token) as updates:
        ack = await rest.new_order(
            "BTC-USD", Side.BUY, Decimal("0.0010"), Decimal("65900.00"), "client-1"
        )
        assert ack.code == 0
        opened = await _next_status(updates, "client-1", "open")
        assert opened.price == Decimal("65900.00") and opened.id is not None
        [listed] = await rest.query_open_orders("BTC-USD")
        assert listed.cl_ord_id == "client-1"
        await rest.cancel_order(order_id=opened.id)
        await _next_status(updates, "client-1", "canceled")
        assert await rest.query_open_orders("BTC-USD") == []


async def test_crossing_alo_is_rejected(sim, client):
    rest, acct = client
    async with order_updates(sim, acct.token) as updates:
        book = await rest.query_depth_book("BTC-USD")
        await rest.new_order("BTC-USD", Side.BUY, Decimal("0.0010"), book.best_ask, "cross")
        await _next_status(updates, "cross", "rejected")


async def test_market_data_and_account_queries_parse(sim, client):
    rest, _ = client
    specs = await rest.symbol_specs(["BTC-USD", "XAG-USD"])
    assert specs["BTC-USD"].price_tick == Decimal("0.01")
    assert specs["XAG-USD"].qty_tick == Decimal("0.1")
    price = await rest.query_symbol_price("BTC-USD")
    assert price.mark_price == Decimal("66000.00")
    balance = await rest.query_balance()
    assert balance.balance == Decimal("100000")
    assert await rest.query_positions() == []


async def test_bad_signature_is_forbidden(sim, client):
    rest, acct = client
    other = sim.create_account()
    forged = StandXRest(sim.api_base, token=acct.token, signer=RequestSigner(other.private_key))
    try:
        with pytest.raises(ForbiddenError) as info:
            await forged.new_order(
                "BTC-USD", Side.BUY, Decimal("0.0010"), Decimal("65900.00"), "forged"
            )
        assert info.value.status == 403
    finally:
        await forged.aclose()
    assert await rest.query_open_orders() == []


async def test_expired_jwt_is_auth_error_from_the_server(sim, client):
    _, acct = client
    expired = sim.exchange.issue_token(acct.user, ttl_s=-10)
    # A client clock an hour behind still believes the token valid, so it reaches the server.
    rest = StandXRest(
        sim.api_base,
        token=expired,
        signer=RequestSigner(acct.private_key),
        clock=lambda: time.time() - 3600,
    )
    try:
        with pytest.raises(AuthError) as info:
            await rest.query_balance()
        assert info.value.status == 401
    finally:
        await rest.aclose()


async def test_429_and_5xx_faults_surface_after_retries(sim, client):
    rest, _ = client
    sim.exchange.set_faults(burst_429=10)
    with pytest.raises(RateLimitError):
        await rest.query_balance()
    assert sim.exchange.faults.burst_left == 7  # one try + two retries
    sim.exchange.set_faults(FaultConfig(ack_latency_ms=0, http_5xx_share=1.0))
    retries_before = rest.stats.retries
    with pytest.raises(ServerError) as info:
        await rest.query_symbol_price("BTC-USD")
    assert info.value.status == 500 and rest.stats.retries - retries_before == 2
    sim.exchange.set_faults(http_5xx_share=0.0)
    assert (await rest.query_balance()).balance == Decimal("100000")
