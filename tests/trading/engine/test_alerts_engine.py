"""Alerts end to end: a real engine against the simulator publishes its snapshots, the alert
watcher reads them through the bus like a runbot does, and Apprise delivers to a webhook
receiver on 127.0.0.1. A fill and the kill switch (tripped by injected 5xx, the real path)
each arrive as a message; nothing secret is in any of them."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

import pytest

from mmsite.env import Secret
from tests.trading.alerts.receiver import receiver
from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.alerts.service import AlertService

pytestmark = pytest.mark.django_db(transaction=True)


async def run_service(service: AlertService) -> None:
    """As runbot runs it: in a task group, until cancelled."""
    async with asyncio.TaskGroup() as group:
        service.start(group, "runbot started: test")


def has(hook, text: str) -> bool:
    return any(text in body for body in hook.bodies())


async def test_a_fill_and_the_kill_switch_reach_the_webhook(world, start_engine):
    running = await start_engine(max_consecutive_failures=3)
    await wait_until(world.two_sided, what="first quotes")
    with receiver() as hook:
        service = AlertService(lambda: ["default"], Secret(hook.url()), 2.0)
        alerts = asyncio.create_task(run_service(service))
        try:
            await wait_until(lambda: has(hook, "runbot started"), timeout=10, what="hello")
            bid = max(o.limit_price for o in world.ours() if o.side.value == "buy")
            world.exchange.market.set_mid(SYMBOL, bid - Decimal("1"))  # trades through our bid
            await wait_until(lambda: has(hook, "1 fill on BTC-USD: buy"), timeout=15, what="fill")
            world.exchange.market.set_mid(SYMBOL, MID)
            world.exchange.set_faults(http_5xx_share=1.0)
            await wait_until(
                lambda: has(hook, "default: kill switch engaged: kill switch: 3 consecutive"),
                timeout=20,
                what="the kill alert",
            )
        finally:
            alerts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(alerts, 10)
            world.exchange.set_faults(http_5xx_share=0.0)
        kill = next(m for m in hook.messages if "kill switch engaged" in m["message"])
        assert kill["type"] == "failure"
        for body in hook.bodies():
            assert world.token not in body and world.private_key not in body
    await running.stop()


async def test_a_stalled_market_feed_is_alerted_after_the_hold_and_resolved(world, start_engine):
    running = await start_engine()
    await wait_until(world.two_sided, what="first quotes")
    with receiver() as hook:
        service = AlertService(lambda: ["default"], Secret(hook.url()), 1.5)
        alerts = asyncio.create_task(run_service(service))
        try:
            await wait_until(lambda: has(hook, "runbot started"), timeout=10, what="hello")
            world.exchange.set_faults(stalled_symbols=(SYMBOL,))
            await wait_until(
                lambda: has(hook, "default: market feed stale"), timeout=15, what="feed alert"
            )
            world.exchange.set_faults(stalled_symbols=())
            await wait_until(
                lambda: has(hook, "default: resolved after"), timeout=15, what="resolution"
            )
        finally:
            alerts.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(alerts, 10)
            world.exchange.set_faults(stalled_symbols=())
        resolved = next(m for m in hook.messages if "resolved after" in m["message"])
        assert resolved["message"].endswith("market feed stale") and resolved["type"] == "success"
    await running.stop()
