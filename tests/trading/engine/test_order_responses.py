"""A post-only reject heard on the ws-api order-response session (StandX's documented path,
docs/standx-protocol.md §2.5, §5.2) is acted on like an order-channel `rejected`: the side backs off
(REJECT_BACKOFF) and is quoted again, without waiting for the pending timeout's REST check.

The simulator runs with `order_channel_rejects=False`: the order channel never carries the
reject. Gaps are measured on the simulator's own order log (each order's `created_at`, the
reject's `updated_at`), never on the test machine's wall clock."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import FAST_OPTIONS, MID, PREFIX, SYMBOL, wait_until
from trading.core.domain import Side
from trading.engine.quoter import REJECT_BACKOFF

pytestmark = pytest.mark.django_db(transaction=True)

ACK_LATENCY_S = 0.02
# The engine's own fallback, made the production value: without the session the bot hears
# of a reject only when it asks query_order, this long after sending the order.
OPTIONS = replace(FAST_OPTIONS, pending_timeout=3.0)
# Scheduling, the REST round trip and one quoting pass: generous, and far below 3 s.
MARGIN_S = 1.0
REJECTS = 4  # two per side


def requote_gaps(world) -> dict[Side, float]:
    """Per side, from the simulator's order log: seconds from the first rejected order of
    ours to the next order placed on that side."""
    orders = sorted(
        (o for o in world.exchange.matching.accounts[world.user].orders.values()),
        key=lambda o: o.created_at,
    )
    gaps: dict[Side, float] = {}
    for side in Side:
        ours = [o for o in orders if o.side is side and o.cl_ord_id.startswith(PREFIX)]
        first = next(i for i, o in enumerate(ours) if o.status == "rejected")
        gaps[side] = ours[first + 1].created_at - ours[first].updated_at
    return gaps


async def requote_through_rejects(world, running) -> None:
    """Settled two-sided, make every new order cross until REJECTS were rejected, then
    let the sides rest again (new orders on both)."""
    await wait_until(world.two_sided, what="first quotes")
    await wait_until(lambda: len(world.ours()) == 2, what="settled")
    before = {o.cl_ord_id for o in world.ours()}
    world.exchange.set_faults(alo_reject_share=1.0)
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))  # a drift requote
    injected = world.exchange.faults.injected
    await wait_until(lambda: injected["alo_reject"] >= REJECTS, timeout=15, what="rejects")
    world.exchange.set_faults(alo_reject_share=0.0)
    await wait_until(
        lambda: world.two_sided() and not {o.cl_ord_id for o in world.resting()} & before,
        timeout=10,
        what="quoted again",
    )
    await running.stop()


async def rejected_requotes(world, start_engine, *, order_responses: bool):
    """requote_through_rejects with the order channel silent about rejects; returns the
    gaps and the engine's audit log."""
    world.exchange.set_faults(ack_latency_ms=ACK_LATENCY_S * 1000, order_channel_rejects=False)
    running = await start_engine(options=OPTIONS, order_responses=order_responses)
    await requote_through_rejects(world, running)
    injected = world.exchange.faults.injected
    assert injected["reject_update_suppressed"] >= REJECTS  # never on the order channel
    return requote_gaps(world), running.engine.events.recent()


async def test_a_reject_heard_on_the_response_session_requotes_within_one_ack(world, start_engine):
    gaps, events = await rejected_requotes(world, start_engine, order_responses=True)
    bound = ACK_LATENCY_S + REJECT_BACKOFF.delay(0) + MARGIN_S
    assert gaps[Side.BUY] < bound and gaps[Side.SELL] < bound, gaps
    assert bound < OPTIONS.pending_timeout / 2
    heard = [e for e in events if e["kind"] == "reject"]
    assert heard and all("(order response)" in e["message"] for e in heard), heard
    feed = [e["message"] for e in events if e["kind"] == "feed"]
    assert any(m.startswith("order-response session connected") for m in feed), feed
    assert not any(m.startswith("account feed") and "ws-api" in m for m in feed), feed


async def test_without_the_session_the_same_reject_waits_for_the_pending_check(world, start_engine):
    """The control: the switch really hides the reject from the order channel, so only the
    response session makes the test above pass (here the side is dark ~3 s)."""
    gaps, events = await rejected_requotes(world, start_engine, order_responses=False)
    assert min(gaps.values()) > OPTIONS.pending_timeout - MARGIN_S, gaps
    assert not any("(order response)" in e["message"] for e in events)


async def test_a_reject_on_both_paths_is_applied_once(world, start_engine):
    """Order channel and response session both report each reject: each order is audited
    (and counted toward the side's backoff) once, and quoting goes on."""
    world.exchange.set_faults(ack_latency_ms=ACK_LATENCY_S * 1000)
    running = await start_engine(options=OPTIONS, order_responses=True)
    await requote_through_rejects(world, running)
    rejects = [e["cl_ord_id"] for e in running.engine.events.recent() if e["kind"] == "reject"]
    assert len(rejects) >= REJECTS and len(rejects) == len(set(rejects)), rejects
    gaps = requote_gaps(world)
    assert max(gaps.values()) < ACK_LATENCY_S + REJECT_BACKOFF.delay(0) + MARGIN_S, gaps
