"""The real client's order-response session (trading/standx/order_session.py) against the
simulator, in each mode of the behaviours StandX leaves undocumented: a post-only reject
reported on the order channel and the ws-api session, or on the session only; a cancel of a
gone order answered 400 at once, or with a silent success."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

import pytest

from tests.trading.sim.test_client_against_sim import order_updates
from trading.core.domain import Side
from trading.management.commands.runsim import Command
from trading.sim.faults import FaultConfig, faults_from_json
from trading.sim.symbols import SYMBOLS
from trading.standx.errors import OrderRejectedError, RejectKind
from trading.standx.frames import OrderResponse
from trading.standx.order_session import (
    CANCEL_ORDER,
    NEW_ORDER,
    OrderResponseSession,
    OrderResult,
    SessionRequest,
    SessionRequests,
)
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner
from trading.standx.stream import StreamStatus

WAIT = 5.0
QTY = Decimal("0.0010")


class Collected:
    """The session's handler: every event, and a wait for one (bounded)."""

    def __init__(self):
        self.events: list = []
        self._changed = asyncio.Event()

    async def __call__(self, event) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, predicate, count: int = 1) -> list:
        async with asyncio.timeout(WAIT):
            while len(found := [e for e in self.events if predicate(e)]) < count:
                self._changed.clear()
                await self._changed.wait()
        return found

    def results(self, cl_ord_id: str) -> list[OrderResult]:
        return [
            e
            for e in self.events
            if isinstance(e, OrderResult) and e.request.cl_ord_id == cl_ord_id
        ]

    def statuses(self) -> list[str]:
        return [e.state for e in self.events if isinstance(e, StreamStatus)]


def connected(event) -> bool:
    return isinstance(event, StreamStatus) and event.state == "connected"


@contextlib.asynccontextmanager
async def linked(sim, token: str | None = None):
    """A REST client and an order-response session linked by one session id."""
    acct = sim.create_account()
    requests = SessionRequests()
    rest = StandXRest(
        sim.api_base, token=acct.token, signer=RequestSigner(acct.private_key), session=requests
    )
    session = OrderResponseSession(
        sim.ws_api_url, token or acct.token, requests, backoff_base=0.01, proxy=None
    )
    handler = Collected()
    task = asyncio.create_task(session.run(handler))
    try:
        yield rest, handler, acct
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await rest.aclose()


async def crossing_price(rest: StandXRest) -> Decimal:
    best_ask = (await rest.query_depth_book("BTC-USD")).best_ask
    assert best_ask is not None
    return best_ask


@pytest.mark.parametrize("order_channel_rejects", [True, False])
async def test_a_post_only_reject_reaches_the_session(make_sim, order_channel_rejects):
    sim = await make_sim(FaultConfig(ack_latency_ms=0, order_channel_rejects=order_channel_rejects))
    async with linked(sim) as (rest, handler, acct), order_updates(sim, acct.token) as updates:
        await handler.wait_for(connected)
        price = await crossing_price(rest)
        await rest.new_order("BTC-USD", Side.BUY, QTY, price, "cross-1")
        await rest.new_order("BTC-USD", Side.BUY, QTY, price - 50, "rests-1")
        [reject] = await handler.wait_for(lambda e: isinstance(e, OrderResult) and not e.ok)
        [rested] = await handler.wait_for(lambda e: isinstance(e, OrderResult) and e.ok)
        async with asyncio.timeout(WAIT):  # the order channel, in the order it was sent
            seen = [await updates.get()]
            while seen[-1].cl_ord_id != "rests-1":
                seen.append(await updates.get())
    assert reject.request.cl_ord_id == "cross-1" and reject.request.method == NEW_ORDER
    assert reject.code == 400 and reject.kind is RejectKind.WOULD_CROSS
    assert rested.request.cl_ord_id == "rests-1"
    channel_rejects = [o.cl_ord_id for o in seen if o.status == "rejected"]
    assert channel_rejects == (["cross-1"] if order_channel_rejects else [])


async def test_the_session_logs_in_again_after_a_drop(sim):
    async with linked(sim) as (rest, handler, _):
        await handler.wait_for(connected)
        sim.exchange.hub.close_all(1011, "connection dropped (test)")
        await handler.wait_for(connected, count=2)
        await rest.new_order("BTC-USD", Side.SELL, QTY, await crossing_price(rest) - 1, "x-2")
        [reject] = await handler.wait_for(lambda e: isinstance(e, OrderResult))
    assert reject.request.cl_ord_id == "x-2" and not reject.ok
    assert handler.statuses() == ["connected", "disconnected", "connected"]


async def test_a_refused_login_is_reported_and_retried(sim):
    async with linked(sim, token="not-a-jwt") as (_, handler, _):
        await handler.wait_for(lambda e: isinstance(e, StreamStatus))
        await asyncio.sleep(0.2)  # several retries at 10 ms backoff
    assert handler.statuses() == ["disconnected"]  # one report per outage
    assert "login refused (code 401)" in handler.events[0].detail


async def test_an_answer_that_beats_its_acknowledgement_is_delivered_with_it(sim):
    """StandX's acknowledgement may name a request_id of its own (the docs show one): an
    answer under that id waits until the acknowledgement links it, then is delivered."""
    async with linked(sim) as (rest, handler, _):
        await handler.wait_for(connected)
        requests = rest._session
        assert requests is not None
        requests.sent("our-x-request-id", SessionRequest(NEW_ORDER, "early"))
        assert requests.resolve(OrderResponse("gateway-id", 400, "alo order rejected")) is None
        requests.acked("our-x-request-id", "gateway-id")
        [late] = await handler.wait_for(lambda e: isinstance(e, OrderResult))
    assert late.request.cl_ord_id == "early" and late.kind is RejectKind.WOULD_CROSS


# ---------------------------------------------------------------- cancel of a gone order


async def gone_order(rest: StandXRest, handler: Collected) -> int:
    """An order of ours that rested and was cancelled: gone from the book."""
    price = await crossing_price(rest) - 50
    await rest.new_order("BTC-USD", Side.BUY, QTY, price, "gone-1")
    [listed] = await rest.query_open_orders("BTC-USD")
    await rest.cancel_order(cl_ord_id="gone-1")
    await handler.wait_for(lambda e: isinstance(e, OrderResult) and e.ok, count=2)
    assert listed.id is not None
    return listed.id


async def test_a_cancel_of_a_gone_order_is_refused_at_once(sim):
    async with linked(sim) as (rest, handler, _):
        await handler.wait_for(connected)
        await gone_order(rest, handler)
        with pytest.raises(OrderRejectedError) as refused:
            await rest.cancel_order(cl_ord_id="gone-1")
    assert refused.value.status == 400 and refused.value.kind is RejectKind.ORDER_GONE


async def test_a_cancel_of_a_gone_order_can_be_a_silent_success(make_sim):
    sim = await make_sim(FaultConfig(ack_latency_ms=0, cancel_gone="silent"))
    async with linked(sim) as (rest, handler, acct), order_updates(sim, acct.token) as updates:
        await handler.wait_for(connected)
        order_id = await gone_order(rest, handler)
        while not updates.empty():
            updates.get_nowait()
        ack = await rest.cancel_order(order_id=order_id)
        cancels = await handler.wait_for(
            lambda e: isinstance(e, OrderResult) and e.request.method == CANCEL_ORDER, count=2
        )
        answer = cancels[1]
        await asyncio.sleep(0.1)
    assert ack.code == 0 and answer.ok and answer.request.order_id == order_id
    assert updates.empty()  # nothing on the order channel
    assert sim.exchange.faults.injected["cancel_gone_silent"] == 1


# ---------------------------------------------------------------- the switches


@pytest.mark.parametrize(
    "data, message",
    [
        ({"order_channel_rejects": "no"}, "true or false"),
        ({"order_channel_rejects": 0}, "true or false"),
        ({"cancel_gone": "ignore"}, "cancel_gone must be one of"),
    ],
)
def test_bad_switch_values_are_refused(data, message):
    with pytest.raises(ValueError, match=message):
        faults_from_json(data, FaultConfig(), tuple(SYMBOLS))


def test_runsim_flags_set_the_switches():
    command = Command()
    parser = command.create_parser("manage.py", "runsim")
    default = command._faults(vars(parser.parse_args([])))
    assert default.order_channel_rejects is True and default.cancel_gone == "reject"
    options = vars(parser.parse_args(["--no-order-channel-rejects", "--cancel-gone", "silent"]))
    switched = command._faults(options)
    assert switched.order_channel_rejects is False and switched.cancel_gone == "silent"


async def test_the_switches_change_at_run_time(sim, http):
    r = await http.post(
        "/sim/faults", json={"order_channel_rejects": False, "cancel_gone": "silent"}
    )
    assert r.status_code == 200
    assert sim.exchange.faults.config.order_channel_rejects is False
    assert (await http.get("/sim/faults")).json()["cancel_gone"] == "silent"
