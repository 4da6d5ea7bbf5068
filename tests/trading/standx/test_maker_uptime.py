"""GET /api/maker/uptime (undocumented, docs/standx-protocol.md §3.3): the client reads StandX's own
hours in whichever of the plausible shapes they come and refuses garbage (the real client
against the simulator's hours: tests/trading/sim/test_maker_uptime_client.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from trading.standx.errors import MalformedResponseError
from trading.standx.protocol import parse_maker_uptime

H = dt.datetime(2026, 11, 29, 13, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"hours": [{"hour": "2026-11-29T13:00:00Z", "in_band_seconds": 2520.5}]}, {H: 2520.5}),
        ({"hours": [{"hour": "2026-11-29T13:00:00+00:00", "uptime_pct": "75"}]}, {H: 2700.0}),
        ([{"hour": int(H * 1000), "uptime_minutes": 42}], {H: 2520.0}),
        ({"hours": [{"hour": H, "uptime_seconds": "60"}]}, {H: 60.0}),
        ({"hours": []}, {}),
    ],
)
def test_the_shapes_it_accepts(payload, expected):
    assert parse_maker_uptime(payload) == expected


@pytest.mark.parametrize(
    "payload",
    [
        {"hours": "none"},
        {"hours": [{"hour": "yesterday", "in_band_seconds": 1}]},
        {"hours": [{"hour": H}]},
        {"hours": [{"hour": H, "in_band_seconds": 5000}]},
        {"hours": [{"hour": H, "uptime_pct": "-1"}]},
        "OK",
    ],
)
def test_garbage_is_refused(payload):
    with pytest.raises(MalformedResponseError):
        parse_maker_uptime(payload)
