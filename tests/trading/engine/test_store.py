"""store: short transactions; a database error is logged and reported, never raised."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError

from trading import store
from trading.models import BotConfig, OrderEvent, UptimeHour

HOUR = 3600.0
T0 = 1_800_000_000.0 // HOUR * HOUR


@pytest.mark.django_db
def test_config_is_created_from_defaults_and_run_state_persists():
    config = store.load_config("default")
    assert config.name == "default"
    assert store.set_run_state("default", "killed", "5 failures in a row")
    row = BotConfig.objects.get(name="default")
    assert (row.run_state, row.state_reason) == ("killed", "5 failures in a row")
    assert store.config_updated_at("default") == row.updated_at


@pytest.mark.django_db
def test_events_are_written_in_one_batch():
    events = [
        store.EventRecord(
            "place",
            T0 + i,
            "BTC-USD",
            "buy",
            Decimal("100.5"),
            Decimal("0.1"),
            f"mmbot-x-{i}",
            "new quote",
        )
        for i in range(3)
    ]
    assert store.record_events("default", events)
    assert OrderEvent.objects.filter(bot="default").count() == 3
    newest = store.recent_events("default", limit=1)[0]
    assert newest.cl_ord_id == "mmbot-x-2" and newest.price == Decimal("100.5")


@pytest.mark.django_db
def test_uptime_upsert_is_idempotent_and_loads_back():
    row = store.HourRow(
        T0, "BTC-USD", {"two_sided_seconds": 10.0, "in_band_seconds": 8.0, "requotes": 3}
    )
    assert store.upsert_uptime("default", [row])
    bigger = store.HourRow(
        T0, "BTC-USD", {"two_sided_seconds": 20.0, "in_band_seconds": 9.0, "requotes": 4}
    )
    assert store.upsert_uptime("default", [bigger])
    assert UptimeHour.objects.count() == 1
    loaded = store.load_uptime("default", since=T0 - HOUR)
    assert loaded[0].hour == T0 and loaded[0].figures["two_sided_seconds"] == 20.0
    assert loaded[0].figures["requotes"] == 4


@pytest.mark.django_db
def test_prune_drops_only_old_rows():
    old = T0 - (store.UPTIME_KEEP_HOURS + 2) * HOUR
    store.upsert_uptime(
        "default",
        [
            store.HourRow(old, "", {"two_sided_seconds": 1.0}),
            store.HourRow(T0, "", {"two_sided_seconds": 2.0}),
        ],
    )
    assert store.prune("default", now=T0 + 10)
    assert [r.hour for r in store.load_uptime("default", since=0)] == [T0]


@pytest.mark.django_db
def test_a_locked_database_is_reported_not_raised(caplog):
    with mock.patch.object(
        OrderEvent.objects, "bulk_create", side_effect=OperationalError("database is locked")
    ):
        ok = store.record_events("default", [store.EventRecord("info", T0)])
    assert ok is False
    assert "database is locked" in caplog.text


@pytest.mark.django_db(transaction=True)
async def test_call_runs_store_functions_from_async_code():
    config = await store.call(store.load_config, "default")
    assert config.name == "default"
    assert await store.call(store.record_events, "default", [store.EventRecord("start", T0)])
    assert await store.call(store.unapplied_migrations) == []


@pytest.mark.django_db(transaction=True)
async def test_call_waits_past_the_busy_timeout_so_a_late_commit_is_not_retried(monkeypatch):
    """A call abandoned before SQLite gives up could still commit in its thread, and the
    caller would write it again: store.call waits for the real outcome (scaled down here)."""
    import time as _time

    monkeypatch.setattr(store, "busy_timeout", lambda: 0.2)
    monkeypatch.setattr(store, "STORE_MARGIN_SECONDS", 0.5)

    def slow_write() -> bool:
        _time.sleep(0.4)  # blocked on the lock, longer than the busy timeout alone
        return True

    assert await store.call(slow_write, default=False) is True
    monkeypatch.undo()
    assert store.default_timeout() > store.busy_timeout() >= 1.0  # as configured
