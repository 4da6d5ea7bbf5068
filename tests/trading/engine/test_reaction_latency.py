"""Reaction latency (market message -> order request leaving for the exchange) includes
any wait for the rate budget: a bot held back by the pacer must not look fast."""

from __future__ import annotations

import pytest

from tests.trading.engine.conftest import wait_until
from trading.standx.pacing import CreditPacer, ip_budget

pytestmark = pytest.mark.django_db(transaction=True)


async def test_time_spent_waiting_for_the_rate_budget_counts_as_reaction(world, start_engine):
    # Two requests a second for this IP: startup's calls use the budget up, so the first
    # quotes wait in the pacer.
    slow = CreditPacer(headroom=1.0, ip=ip_budget(headroom=1.0, per_second=2))
    running = await start_engine(rest=world.rest_client(timeout=2.0, max_retries=0, pacer=slow))
    await wait_until(world.two_sided, timeout=15, what="quotes despite the slow budget")
    reactions = list(running.engine.executor.reaction_ms)
    assert reactions and max(reactions) > 200, reactions
    assert slow.waited_seconds > 0.2
    await running.stop()
