"""Lease scenarios, run against whatever database Django is configured with: the SQLite
suite calls them in tests/trading/test_lease.py, the PostgreSQL integration test runs them
in a subprocess with DATABASE_URL set (tests/integration/test_postgres.py)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from django.db import connection

from trading.fleet import lease

T0 = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def fresh_bot() -> str:
    return "b-" + uuid.uuid4().hex[:12]


def held(got: lease.Lease | None) -> lease.Lease:
    """The lease a call returned, where the case expects one."""
    assert got is not None, "expected a lease, got none"
    return got


def case_exclusive_until_expiry() -> None:
    bot = fresh_bot()
    first = lease.acquire(bot, "A", ttl=10, now=T0)
    assert first is not None and first.holder == "A" and first.generation == 1
    assert lease.acquire(bot, "B", ttl=10, now=T0 + dt.timedelta(seconds=9.9)) is None
    assert held(lease.current(bot, now=T0 + dt.timedelta(seconds=5))).holder == "A"
    again = held(lease.acquire(bot, "A", ttl=10, now=T0 + dt.timedelta(seconds=5)))
    assert again.generation == 1 and again.expires_at == T0 + dt.timedelta(seconds=15)


def case_takeover_after_expiry() -> None:
    bot = fresh_bot()
    lease.acquire(bot, "A", ttl=10, now=T0)
    assert lease.current(bot, now=T0 + dt.timedelta(seconds=10)) is None
    taken = lease.acquire(bot, "B", ttl=10, now=T0 + dt.timedelta(seconds=10, milliseconds=1))
    assert taken is not None and taken.holder == "B" and taken.generation == 2
    # The old holder learns it lost the bot at its next renewal, and cannot free B's lease.
    assert lease.renew(bot, "A", ttl=10, now=T0 + dt.timedelta(seconds=11)) is None
    assert lease.release(bot, "A") is False
    assert held(lease.current(bot, now=T0 + dt.timedelta(seconds=11))).holder == "B"


def case_renew_and_release() -> None:
    bot = fresh_bot()
    lease.acquire(bot, "A", ttl=10, now=T0)
    renewed = held(lease.renew(bot, "A", ttl=10, now=T0 + dt.timedelta(seconds=8)))
    assert renewed.expires_at == T0 + dt.timedelta(seconds=18)
    assert lease.acquire(bot, "B", ttl=10, now=T0 + dt.timedelta(seconds=12)) is None
    assert lease.release(bot, "A") is True
    assert lease.current(bot, now=T0) is None
    taken = held(lease.acquire(bot, "B", ttl=10, now=T0 + dt.timedelta(seconds=12)))
    assert taken.holder == "B" and taken.generation == 2


def race(bot: str, holders: list[str], now: dt.datetime) -> list[str]:
    """Every holder calls acquire at once (a barrier); returns the winners."""
    barrier = threading.Barrier(len(holders))
    winners: list[str] = []
    errors: list[BaseException] = []

    def contend(holder: str) -> None:
        try:
            barrier.wait(timeout=10)
            if lease.acquire(bot, holder, ttl=10, now=now) is not None:
                winners.append(holder)
        except BaseException as exc:  # noqa: BLE001  reported to the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return winners


def case_racing_holders_one_wins(contenders: int = 6, rounds: int = 4) -> None:
    """Fresh bot (row created in the race too), then races after each expiry."""
    bot = fresh_bot()
    for round_ in range(rounds):
        now = T0 + dt.timedelta(seconds=20 * round_)
        winners = race(bot, [f"w{round_}-{i}" for i in range(contenders)], now)
        assert len(winners) == 1, winners
        assert held(lease.current(bot, now=now)).holder == winners[0]
        assert held(lease.current(bot, now=now)).generation == round_ + 1


def case_take_from_dead_needs_the_exact_holder() -> None:
    bot = fresh_bot()
    lease.acquire(bot, "host:1:42:dead", ttl=60, now=T0)
    assert lease.take_from_dead(bot, "B", "host:1:43:other", ttl=10, now=T0) is None
    taken = held(lease.take_from_dead(bot, "B", "host:1:42:dead", ttl=10, now=T0))
    assert taken.holder == "B" and taken.generation == 2
    assert lease.take_from_dead(bot, "C", "host:1:42:dead", ttl=10, now=T0) is None


SERIAL_CASES = [
    case_exclusive_until_expiry,
    case_takeover_after_expiry,
    case_renew_and_release,
    case_take_from_dead_needs_the_exact_holder,
]
CASES = [*SERIAL_CASES, case_racing_holders_one_wins]
ROOT = Path(__file__).resolve().parents[3]
RUN_ALL = (
    "import django; django.setup(); "
    "from django.core.management import call_command; "
    "call_command('migrate', verbosity=0, interactive=False); "
    "from tests.trading.fleet.lease_cases import run_all; run_all()"
)


def run_all() -> None:
    for case in CASES:
        case()
        print(f"ok {case.__name__}", flush=True)


def run_in_subprocess(overrides: dict[str, str]) -> subprocess.CompletedProcess:
    """Migrate the database the overrides select, then run every case there."""
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="mmsite.settings", **overrides)
    return subprocess.run(
        [sys.executable, "-c", RUN_ALL],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
