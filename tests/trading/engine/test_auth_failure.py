"""A JWT close to expiry is announced ahead of time; once it is refused (401) the engine stops
quoting with a clear reason instead of retrying forever."""

from __future__ import annotations

import asyncio

import pytest

from tests.trading.engine.conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def places(engine) -> list[str]:
    """The orders the engine tried to place, newest first, from its audit log."""
    return [e["cl_ord_id"] for e in engine.events.recent() if e["kind"] == "place"]


async def test_expiring_token_is_announced_then_quoting_stops(world, start_engine):
    short_token = world.exchange.issue_token(world.user, ttl_s=3.0)
    rest = world.rest_client(timeout=2.0, max_retries=0)
    rest.set_token(short_token)
    running = await start_engine(rest=rest, token=short_token)
    engine = running.engine
    await wait_until(world.two_sided, what="quotes while the token is valid")
    assert any("access token expires" in e["message"] for e in engine.events.recent())
    await wait_until(lambda: engine.state == "stopped", timeout=8, what="stop on 401")
    assert "authentication failed" in engine.state_reason
    assert "STANDX_JWT_TOKEN" in engine.state_reason
    placed = places(engine)
    await asyncio.sleep(1.0)  # nothing more is attempted
    assert engine.state == "stopped" and places(engine) == placed
    assert engine.failures.consecutive < engine.failures.limit  # a 401 is not a kill
    await running.stop()
