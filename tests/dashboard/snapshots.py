"""A realistic engine snapshot (the shape of docs/architecture.md) for tests and screenshots."""

from __future__ import annotations

import copy
import datetime as dt

from asgiref.sync import async_to_sync

from trading import bus
from trading.core.summary import summarize


def make_snapshot(
    bot: str = "default", mid: str = "97250.5", now: dt.datetime | None = None, **overrides
) -> dict:
    now = now or dt.datetime.now(dt.UTC)
    snapshot = {
        "bot": bot,
        "state": "running",
        "state_reason": "started by admin",
        "mode": "sim",
        "symbol": "BTC-USD",
        "feed": {"market": "connected", "account": "connected", "last_message_age_s": 0.2},
        "market": {"mid": mid, "mark": "97248.1", "best_bid": "97250.0", "best_ask": "97251.0"},
        "quotes": quotes(),
        "orders": orders(),
        "uptime": uptime(now),
        "history": history(now),
        **reward_fields(now),
        "events": events(now),
        "config": {
            "spread_bps": "50",
            "bid_notional": "30",
            "ask_notional": "30",
            "uptime_band_bps": "10",
            "uptime_target_minutes": 30,
        },
        "failures": {"consecutive": 0, "max": 5},
        "position": {"qty": "0.0001"},
        "token_expires_at": (now + dt.timedelta(days=6)).isoformat(),
        "latency": {"reaction_p50_ms": 1.8, "reaction_p99_ms": 7.25, "samples": 412},
        "updated_at": now.isoformat(),
    }
    snapshot.update(copy.deepcopy(overrides))
    return snapshot


def quotes() -> dict:
    """Both sides resting 50 bps from the mid: outside the 10 bps reward band."""
    return {
        "bid": {
            "price": "96764.2",
            "qty": "0.0003",
            "bps_from_mid": "-50.00",
            "bps_from_mark": "-49.75",
            "in_band": False,
        },
        "ask": {
            "price": "97736.8",
            "qty": "0.0003",
            "bps_from_mid": "50.00",
            "bps_from_mark": "50.25",
            "in_band": False,
        },
    }


def orders() -> list[dict]:
    """The two open orders behind quotes()."""
    return [
        {
            "cl_ord_id": "mmbot-1a2b3c-0007",
            "side": "sell",
            "price": "97736.8",
            "qty": "0.0003",
            "state": "open",
            "age_s": 12.4,
            "exchange_id": "88121",
        },
        {
            "cl_ord_id": "mmbot-1a2b3c-0006",
            "side": "buy",
            "price": "96764.2",
            "qty": "0.0003",
            "state": "open",
            "age_s": 12.6,
            "exchange_id": "88120",
        },
    ]


def uptime(now: dt.datetime) -> dict:
    """This hour so far: two-sided for 33 minutes, in band for about 25."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return {
        "hour": hour.isoformat(),
        "two_sided_seconds": 1980.0,
        "in_band_seconds": 1510.5,
        "elapsed_seconds": (now - hour).total_seconds() or 1.0,
        "target_minutes": 30,
        "requotes": 14,
        "bid_dark_ms": 120.0,
        "ask_dark_ms": 80.0,
    }


def history(now: dt.datetime) -> list[dict]:
    """The last 24 hours, oldest first: two poor ones, and StandX's figures for the latest 12."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return [
        {
            "hour": (hour - dt.timedelta(hours=23 - i)).isoformat(),
            "two_sided_seconds": 3600 - (i * 37 % 600) - (900 if i in (5, 6) else 0),
            "in_band_seconds": 3000 - (i * 53 % 1500) - (1500 if i in (5, 6) else 0),
            # StandX's figure: close to ours, except 300 s more in hour 20.
            "exchange_in_band_seconds": (
                None if i < 12 else 3000 - (i * 53 % 1500) + (300 if i == 20 else 20)
            ),
        }
        for i in range(24)
    ]


def events(now: dt.datetime) -> list[dict]:
    """An order resting, a partial fill and a post-only reject, all at `now`."""
    return [
        {
            "at": now.isoformat(),
            "kind": "open",
            "side": "sell",
            "price": "97736.8",
            "qty": "0.0003",
            "cl_ord_id": "mmbot-1a2b3c-0007",
            "message": "resting",
        },
        {
            "at": now.isoformat(),
            "kind": "fill",
            "side": "buy",
            "price": "96801.0",
            "qty": "0.0001",
            "cl_ord_id": "mmbot-1a2b3c-0004",
            "message": "partial fill",
        },
        {
            "at": now.isoformat(),
            "kind": "reject",
            "side": "buy",
            "price": "97251.0",
            "qty": "0.0003",
            "cl_ord_id": "mmbot-1a2b3c-0003",
            "message": "ALO would cross",
        },
    ]


SPREAD_PROBLEM = (
    "SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10: the quotes sit outside the "
    "reward band and earn nothing (switch to the band strategy, or set SPREAD_BPS "
    "below the band)"
)


def spread_strategy(can_earn: bool = False) -> dict:
    """The default install's strategy: spread 50 bps, outside the 10 bps band."""
    return {
        "name": "spread",
        "description": "50 bps each side of the mid, requote beyond 25 bps",
        "can_earn": can_earn,
        "problem": None if can_earn else SPREAD_PROBLEM,
        "band_bps": "10",
        "target_bps": None,
        "margin_bps": None,
        "volatility_bps": None,
        "ack_latency_ms": None,
        "mark_mid_gap_bps": None,
        "holding": False,
    }


def band_strategy(**overrides) -> dict:
    return {
        "name": "band",
        "description": "both sides inside 10 bps of the mark (margin auto, min rest 3s, at "
        "most 300 requests a minute)",
        "can_earn": True,
        "problem": None,
        "band_bps": "10",
        "target_bps": "6.5",
        "margin_bps": "2.1",
        "volatility_bps": "1.02",
        "ack_latency_ms": 52.0,
        "mark_mid_gap_bps": "-0.8",
        "holding": False,
        **overrides,
    }


def tier(
    in_band: float = 12.3,
    elapsed: float = 20.0,
    standard: str = "on track",
    boosted: str = "at risk",
    hour: str = "2026-11-29T13:00:00+00:00",
) -> dict:
    left = 60 - elapsed
    return {
        "hour": hour,
        "in_band_minutes": in_band,
        "elapsed_minutes": elapsed,
        "minutes_left": left,
        "next_hour": "14:00 UTC",
        "tiers": [
            {
                "name": "standard",
                "minutes": 30,
                "needed": max(0.0, 30 - in_band),
                "status": standard,
            },
            {"name": "boosted", "minutes": 42, "needed": max(0.0, 42 - in_band), "status": boosted},
        ],
    }


def reward_fields(now: dt.datetime) -> dict:
    """The issue-13 fields of a snapshot (docs/architecture.md), for a spread-50 bot."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    return {
        "strategy": spread_strategy(),
        "tier": tier(hour=hour.isoformat(), elapsed=round(now.minute + now.second / 60, 1)),
        "counted_size": {
            "now_usd": "29.70",
            "hour_mean_usd": "28.10",
            "x70_usd": "29.70",
            "x50_usd": "29.40",
            "samples": 14,
            "unequal": None,
        },
        "lifetimes": {
            "cancels": 31,
            "young_cancels": 2,
            "young_share": 0.065,
            "min_rest_s": 3.0,
            "median_life_s": 12.4,
            "requests_per_minute": 14.0,
        },
        "exchange_uptime": {"checked_at": now.isoformat(), "error": None, "hours": []},
    }


async def publish(snapshot: dict) -> None:
    """As the engine publishes: the snapshot to its bot's page, its summary to the overview."""
    await bus.publish_snapshot(snapshot, summarize(snapshot))


publish_sync = async_to_sync(publish)
