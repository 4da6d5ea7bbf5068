"""The audit log keeps what it could not write and writes it on the next flush."""

from __future__ import annotations

from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError

from trading.engine.eventlog import EventLog
from trading.models import OrderEvent

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def saved_messages() -> list[str]:
    return sorted(OrderEvent.objects.values_list("message", flat=True))


async def test_failed_flush_is_retried_without_loss_or_duplicates():
    log = EventLog("default", clock=lambda: 1_800_000_000.0, symbol=lambda: "BTC-USD")
    log.add("place", "first")
    with mock.patch.object(
        OrderEvent.objects, "bulk_create", side_effect=OperationalError("database is locked")
    ):
        assert await log.flush() is False
    assert await saved_messages() == []
    log.add("cancel", "second")
    assert await log.flush() is True
    assert await saved_messages() == ["first", "second"]
    assert await log.flush() is True  # nothing left: nothing written twice
    assert await saved_messages() == ["first", "second"]
    assert [e["message"] for e in log.recent()] == ["second", "first"]  # newest first
