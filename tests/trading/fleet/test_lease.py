"""The bot lease on SQLite (the same cases run on PostgreSQL in tests/integration)."""

import asyncio

import pytest

from tests.trading.fleet import lease_cases
from trading.fleet import lease
from trading.fleet.lease import LeaseKeeper, LeaseLost, LeaseUnavailable

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("case", lease_cases.SERIAL_CASES, ids=lambda c: c.__name__)
def test_lease_case_on_sqlite(case):
    case()


@pytest.mark.django_db(transaction=False)
def test_racing_holders_on_a_sqlite_file(tmp_path):
    """Threads racing need real SQLite locking (a file with a busy timeout, as runbot uses);
    the suite's shared-cache in-memory test database reports 'table is locked' instead."""
    result = lease_cases.run_in_subprocess({"SQLITE_PATH": str(tmp_path / "lease.sqlite3")})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok case_racing_holders_one_wins" in result.stdout


def test_holder_ids_differ_per_worker_run():
    assert lease.new_holder_id() != lease.new_holder_id()


async def test_keeper_waits_bounded_while_another_holds_the_bot(caplog):
    other = LeaseKeeper("busy", ttl=30, holder="other-worker")
    await other.acquire(wait=1)
    waiting = LeaseKeeper("busy", ttl=30)
    with pytest.raises(LeaseUnavailable, match="still held by another worker after waiting"):
        await waiting.acquire(wait=0.3, poll=0.1)
    assert "bot busy is held by other-worker until" in caplog.text
    for keeper in (other, waiting):
        await keeper.aclose()


async def test_keeper_takes_over_after_the_holder_stops_renewing():
    dead = LeaseKeeper("tk", ttl=0.6, holder="dead-worker")
    await dead.acquire(wait=1)  # ...and never keeps it: the worker "died"
    standby = LeaseKeeper("tk", ttl=0.6, holder="standby")
    taken = await standby.acquire(wait=5, poll=0.05)
    assert taken.holder == "standby" and taken.generation == 2
    for keeper in (dead, standby):
        await keeper.aclose()


async def test_keeper_renews_then_reports_a_takeover_as_lost():
    keeper = LeaseKeeper("renew", ttl=0.6, holder="me")
    first = await keeper.acquire(wait=1)
    keeping = asyncio.create_task(keeper.keep())
    await asyncio.sleep(1.0)  # > ttl: only renewals keep it ours
    assert not keeping.done()
    assert keeper.lease.expires_at > first.expires_at
    await asyncio.to_thread(steal, "renew")
    with pytest.raises(LeaseLost, match="taken by another worker") as lost:
        await asyncio.wait_for(keeping, timeout=2)
    assert lost.value.taken
    await keeper.release()  # not ours any more: leaves the thief's lease
    assert (await asyncio.to_thread(lease.current, "renew")).holder == "thief"
    await keeper.aclose()


def steal(bot: str) -> None:
    from django.db import connection

    from trading.models import BotLease

    BotLease.objects.filter(bot=bot).update(holder="thief")
    connection.close()


async def test_keeper_gives_up_when_renewals_fail_for_a_third_of_the_ttl(monkeypatch):
    keeper = LeaseKeeper("flaky", ttl=1.5, holder="me")
    await keeper.acquire(wait=1)

    def broken(*args):
        from django.db import OperationalError

        raise OperationalError("server closed the connection")

    monkeypatch.setattr(lease, "renew", broken)
    started = asyncio.get_running_loop().time()
    with pytest.raises(LeaseLost, match="could not renew") as lost:
        await asyncio.wait_for(keeper.keep(), timeout=3)
    assert not lost.value.taken
    # Lost after two failed renewals (~1 s), before the row expires for anyone else (1.5 s).
    assert asyncio.get_running_loop().time() - started < 1.5
    await keeper.aclose()


async def test_a_patient_keeper_outlasts_failed_renewals_but_not_a_takeover(monkeypatch):
    """One process on SQLite: a locked file stops a rival as surely as our renewal, so
    failures alone keep the bot; the first renewal after them still notices a takeover."""
    keeper = LeaseKeeper("patient", ttl=0.6, holder="me", patient=True)
    await keeper.acquire(wait=1)
    real_renew = lease.renew

    def broken(*args):
        from django.db import OperationalError

        raise OperationalError("database is locked")

    monkeypatch.setattr(lease, "renew", broken)
    keeping = asyncio.create_task(keeper.keep())
    await asyncio.sleep(1.5)  # 2.5 TTLs of failed renewals
    assert not keeping.done()
    await asyncio.to_thread(steal, "patient")
    monkeypatch.setattr(lease, "renew", real_renew)
    with pytest.raises(LeaseLost, match="taken by another worker") as lost:
        await asyncio.wait_for(keeping, timeout=2)
    assert lost.value.taken
    await keeper.aclose()


async def test_release_frees_the_bot_for_the_next_worker():
    keeper = LeaseKeeper("rel", ttl=30, holder="me")
    await keeper.acquire(wait=1)
    await keeper.release()
    assert await asyncio.to_thread(lease.current, "rel") is None
    await keeper.aclose()


def dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def holder_with_pid(pid: int) -> str:
    host, namespace, _, _ = lease.new_holder_id().rsplit(":", 3)
    return f"{host}:{namespace}:{pid}:abcd1234"


def test_only_a_gone_process_on_this_host_counts_as_dead():
    import os

    assert lease.holder_died_here(holder_with_pid(dead_pid()))
    assert not lease.holder_died_here(holder_with_pid(os.getpid()))
    assert not lease.holder_died_here(holder_with_pid(1))  # alive (init)
    _, namespace, pid, rand = holder_with_pid(dead_pid()).rsplit(":", 3)
    assert not lease.holder_died_here(f"other-host:{namespace}:{pid}:{rand}")
    assert not lease.holder_died_here(f"{lease.new_holder_id().split(':')[0]}:999:{pid}:{rand}")
    for garbage in ("", "thief", "a:b:c:d", "x:1:2"):
        assert not lease.holder_died_here(garbage)


async def test_keeper_takes_a_dead_local_holders_lease_at_once():
    dead = holder_with_pid(dead_pid())
    await asyncio.to_thread(take_for, "crashed", dead)
    keeper = LeaseKeeper("crashed", ttl=30, holder="restarted")
    started = asyncio.get_running_loop().time()
    taken = await keeper.acquire(wait=5)
    assert taken.holder == "restarted" and taken.generation == 2
    assert asyncio.get_running_loop().time() - started < 2  # not the 30 s TTL
    await keeper.aclose()


def take_for(bot: str, holder: str) -> None:
    from django.db import connection

    assert lease.acquire(bot, holder, ttl=300) is not None
    connection.close()
