"""A reward schedule table as a TOML file would give it (docs/standx-protocol.md §7.3a's
numbers, with a New York session for XAU-USD), for the core's schedule and estimate tests."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from trading.core.reward_schedule import RewardSchedule, parse_schedule

VALID = {
    "name": "test",
    "title": "a test schedule",
    "source": "this test",
    "dated": dt.date(2026, 8, 15),
    "scoring": "time-weighted",
    "band_bps": 10,
    "weights": [[0, 2.0], [5, 0.8], [10, 0.4]],
    "min_rest_seconds": 3,
    "tiers": [
        {"name": "standard", "minutes": 30, "multiplier": 0.5},
        {"name": "boosted", "minutes": 42, "multiplier": 1.0},
    ],
    "symbols": {
        "BTC-USD": {"unit": 2, "cap_per_side": 20, "max_maker_hours_per_hour": 10},
        "XAU-USD": {"max_maker_hours_per_hour": 2, "session": "metals"},
    },
    "sessions": {
        "metals": {
            "timezone": "America/New_York",
            "days": ["sun", "mon", "tue", "wed", "thu"],
            "opens": "18:00",
            "closes": "17:00",
            "off_session_factor": 0.1,
        }
    },
}


def schedule(**changes: Any) -> RewardSchedule:
    """VALID with top-level keys replaced, parsed."""
    return parse_schedule({**copy.deepcopy(VALID), **changes})
