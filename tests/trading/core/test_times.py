"""ISO-8601 times from the exchange, snapshots and the simulator, as epoch seconds."""

from __future__ import annotations

import time

import pytest

from trading.core.times import iso_epoch

NOON = 1795953600.0  # 2026-11-29T12:00:00Z


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29T12:00:00Z",
        "2026-11-29T12:00:00+00:00",
        "2026-11-29T13:00:00+01:00",
        "2026-11-29T12:00:00",  # naive: UTC, whatever the machine's zone
    ],
)
def test_every_spelling_of_the_same_instant_is_the_same_epoch(text):
    assert iso_epoch(text) == NOON


@pytest.mark.parametrize("text", [None, "", "yesterday", "2026-13-01T00:00:00Z", 5])
def test_what_is_not_an_iso_time_is_none(text):
    assert iso_epoch(text) is None


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_a_naive_time_is_utc_on_a_machine_in_another_zone(zone, monkeypatch):
    """The test machine runs in UTC, where local time and UTC agree: only another zone shows
    a naive time being read as local time."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert iso_epoch("2026-11-29T12:00:00") == NOON
        assert iso_epoch("2026-11-29T12:00:00Z") == NOON
    finally:
        monkeypatch.undo()
        time.tzset()
