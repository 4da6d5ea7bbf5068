"""A locked SQLite file (another process holds the write lock past the busy timeout) never
stops the engine: it keeps quoting and requoting (ground truth on the simulator), logs the
database error, and once the lock is gone it writes what it kept, exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import time
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from tests.trading.engine.test_runbot_process import start_runbot, wait_exit

BUSY_TIMEOUT = 3  # SQLITE_BUSY_TIMEOUT_SECONDS for this run (20 by default)
LOCK_SECONDS = BUSY_TIMEOUT + 7.0  # past the busy timeout plus the 5 s between two persists


def read(db, sql: str):
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return conn.execute(sql).fetchall()


def two_sided_total(db) -> float:
    return read(
        db,
        "select coalesce(sum(two_sided_seconds), 0) from trading_uptimehour where bot = 'default'",
    )[0][0]


def place_events(db) -> list[str]:
    return [
        row[0]
        for row in read(
            db, "select cl_ord_id from trading_orderevent where bot = 'default' and kind = 'place'"
        )
    ]


@pytest.mark.django_db(transaction=True)
async def test_engine_quotes_through_a_locked_database_and_persists_after(world, data_dir):
    db = data_dir["db"]
    # --engine-only holds a lease in the same database and (by design) gives the bot up when
    # it cannot renew in time; a long TTL keeps that out of what this test is about.
    data_dir["env"]["LEASE_TTL_SECONDS"] = "600"
    data_dir["env"]["SQLITE_BUSY_TIMEOUT_SECONDS"] = str(BUSY_TIMEOUT)
    process = await start_runbot(data_dir)
    try:
        await wait_until(world.two_sided, timeout=20, what="first quotes")
        await wait_until(lambda: two_sided_total(db) > 0, timeout=15, what="uptime saved")
        locker = sqlite3.connect(db, timeout=5, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        locked_at = time.time()
        uptime_at_lock = locker.execute(
            "select coalesce(sum(two_sided_seconds), 0) from trading_uptimehour"
        ).fetchone()[0]
        before = {o.cl_ord_id for o in world.resting()}
        world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))  # must requote
        await wait_until(
            lambda: world.two_sided() and not before & {o.cl_ord_id for o in world.resting()},
            timeout=10,
            what="requote while locked",
        )
        requoted = {o.cl_ord_id for o in world.resting()}
        await asyncio.sleep(max(0.0, locked_at + LOCK_SECONDS - time.time()))
        assert process.returncode is None, "the engine died on a locked database"
        assert world.two_sided()
        locker.execute("ROLLBACK")
        locker.close()
        await wait_until(
            lambda: requoted <= set(place_events(db)),
            timeout=40,
            what="events of the locked period written",
        )
        await wait_until(
            lambda: two_sided_total(db) >= uptime_at_lock + LOCK_SECONDS - 5,
            timeout=40,
            what="uptime of the locked period written",
        )
    finally:
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process, timeout=60) == 0, data_dir["log"].read_text()[-3000:]
    events = place_events(db)
    assert len(events) == len(set(events)), "an event was written twice"
    assert "database is locked" in data_dir["log"].read_text()
