"""Time jumps. A runbot process is really suspended (SIGSTOP) while the market moves, then
resumed (SIGCONT): it must notice, reconcile with the exchange before placing anything, quote
again around the new mid, and leave the suspended time out of its uptime. Ground truth comes
from the simulator (which requests arrived when, what rested for how long)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from tests.trading.engine.test_runbot_process import start_runbot, wait_exit
from trading.core.domain import Side
from trading.engine.resync import GapWatch

SUSPENDED_SECONDS = 7.0  # above the 5 s gap limit, with room for scheduling slack


def test_gap_watch_reports_only_gaps_beyond_its_limit():
    watch = GapWatch(max_gap=5.0)
    assert watch.check(100.0) is None  # the first look only sets the baseline
    assert watch.check(105.0) is None  # exactly the limit still is "running"
    assert watch.check(111.5) == pytest.approx(6.5)
    assert watch.check(111.6) is None
    assert watch.check(90.0) == pytest.approx(-21.6)  # a clock stepped back is a jump too


def record_calls(world, names: set[str]) -> list[tuple[float, str]]:
    """Timestamps of the simulator's /api/<name> requests, taken where they arrive."""
    calls: list[tuple[float, str]] = []
    for route in world.sim._server.config.app.routes:
        name = getattr(route, "path", "").removeprefix("/api/")
        if name in names:

            async def app(scope, receive, send, inner=route.app, name=name):
                calls.append((time.time(), name))
                await inner(scope, receive, send)

            route.app = app
    return calls


def engine_rows(db) -> tuple[float, list[str]]:
    with sqlite3.connect(db) as conn:
        uptime = conn.execute(
            "select coalesce(sum(two_sided_seconds), 0) from "
            "trading_uptimehour where bot = 'default'"
        ).fetchone()[0]
        events = [
            kind + ": " + message
            for kind, message in conn.execute(
                "select kind, message from trading_orderevent where bot = 'default' order by id"
            )
        ]
    return uptime, events


@pytest.mark.django_db(transaction=True)
async def test_suspended_process_reconciles_before_quoting_and_skips_the_gap(world, data_dir):
    calls = record_calls(world, {"query_open_orders", "new_order"})
    process = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="first quotes")
        await asyncio.sleep(1.0)  # settled: nothing in flight
        before = {o.cl_ord_id for o in world.resting()}
        process.send_signal(signal.SIGSTOP)
        world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))  # +4 bps meanwhile
        await asyncio.sleep(SUSPENDED_SECONDS)
        resumed_at = time.time()
        process.send_signal(signal.SIGCONT)
        await wait_until(
            lambda: world.two_sided() and not before & {o.cl_ord_id for o in world.resting()},
            timeout=15,
            what="quotes on the new mid",
        )
        new_bid = next(o.price for o in world.resting() if o.side is Side.BUY)
        await asyncio.sleep(2.0)  # some uptime after the resume
    finally:
        process.send_signal(signal.SIGCONT)
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0, data_dir["log"].read_text()[-3000:]

    after = [name for at, name in sorted(calls) if at >= resumed_at]
    assert "new_order" in after
    assert "query_open_orders" in after[: after.index("new_order")], after[:10]
    assert new_bid > MID * Decimal("0.9995")  # priced from the fresh book

    uptime, events = engine_rows(data_dir["db"])
    truth = world.truth()["two_sided_seconds"]  # the exchange saw the orders rest
    assert uptime > 2.0
    assert truth - uptime >= SUSPENDED_SECONDS - 1.5, (truth, uptime)
    assert any("time jump of" in e for e in events)
    assert any("reconciled after the time jump" in e for e in events)
    assert "time jump of" in data_dir["log"].read_text()
    assert world.truth()["fills"] == 0
