"""The snapshot published once a second has the contract's shape (docs/architecture.md),
with Decimals as strings, and reflects the orders resting on the simulator."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import SYMBOL, wait_until
from trading import bus

pytestmark = pytest.mark.django_db(transaction=True)

TOP_KEYS = {
    "bot",
    "state",
    "state_reason",
    "mode",
    "symbol",
    "feed",
    "market",
    "quotes",
    "orders",
    "uptime",
    "history",
    "events",
    "config",
    "failures",
    "position",
    "token_expires_at",
    "latency",
    "exchange",
    "updated_at",
    "cleanup",
    "breaker",
    "strategy",
    "tier",
    "counted_size",
    "lifetimes",
    "exchange_uptime",
    "maker_hours",
    "account",
    "fills",
    "inventory",
    "ops",
}


def snapshot_with_orders() -> dict | None:
    snap = bus.latest_snapshot("default")
    return snap if snap and len(snap["orders"]) == 2 and snap["quotes"]["bid"] else None


@pytest.fixture
async def published(world, start_engine):
    """A running engine's snapshot once both quotes rest, with the ids of ours resting on
    the simulator then; the engine stops cleanly afterwards."""
    bus.forget_snapshot("default")
    running = await start_engine()
    await wait_until(world.two_sided, what="quotes")
    await wait_until(lambda: snapshot_with_orders() is not None, what="a snapshot with orders")
    snap = snapshot_with_orders()
    yield snap, {o.cl_ord_id for o in world.ours()}
    await running.stop()


async def test_snapshot_is_plain_json_naming_the_bot_and_its_feeds(published):
    snap, _ = published
    json.dumps(snap)  # plain JSON, nothing exotic
    assert set(snap) == TOP_KEYS
    assert (snap["bot"], snap["state"], snap["mode"], snap["symbol"]) == (
        "default",
        "running",
        "sim",
        SYMBOL,
    )
    assert set(snap["feed"]) == {"market", "account", "last_message_age_s"}
    assert snap["feed"]["market"] == "connected"
    assert set(snap["market"]) == {"mid", "mark", "best_bid", "best_ask"}
    assert isinstance(snap["market"]["mid"], str)
    # TEST_CONFIG: 50 USD orders under a 100000 USD limit, nothing flattened yet.
    assert snap["inventory"]["fills_to_limit"] == 2000
    assert snap["inventory"]["on_stop"] == "kept (flatten on stop is off)"
    assert snap["inventory"]["at_end"] is None


async def test_snapshot_quotes_and_orders_are_those_resting_on_the_exchange(published):
    snap, resting = published
    for side in ("bid", "ask"):
        assert set(snap["quotes"][side]) == {
            "price",
            "qty",
            "bps_from_mid",
            "bps_from_mark",
            "in_band",
        }
        assert snap["quotes"][side]["in_band"] is True
    assert {o["cl_ord_id"] for o in snap["orders"]} == resting
    assert set(snap["orders"][0]) == {
        "cl_ord_id",
        "side",
        "price",
        "qty",
        "state",
        "age_s",
        "exchange_id",
    }


async def test_snapshot_uptime_history_events_and_config(published):
    snap, _ = published
    assert set(snap["uptime"]) == {
        "hour",
        "two_sided_seconds",
        "in_band_seconds",
        "elapsed_seconds",
        "target_minutes",
        "requotes",
        "bid_dark_ms",
        "ask_dark_ms",
    }
    assert len(snap["history"]) == 24
    assert set(snap["history"][-1]) == {
        "hour",
        "two_sided_seconds",
        "in_band_seconds",
        "exchange_in_band_seconds",
        "maker_hours",
        "fills",
        "fees",
        "realized_pnl",
        "upnl_change",
        "cost_per_in_band_hour",
    }
    assert snap["events"] and snap["events"][0]["at"] >= snap["events"][-1]["at"]
    assert set(snap["events"][0]) == {"at", "kind", "side", "price", "qty", "cl_ord_id", "message"}
    assert Decimal(snap["config"]["spread_bps"]) == 5
    reward = snap["maker_hours"]  # the default schedule's estimate (docs: §7.5)
    assert (reward["schedule"], reward["symbol"], reward["paid"]) == ("sip5a", SYMBOL, True)
    assert reward["unit"] == "2" and reward["hour"] == snap["uptime"]["hour"]
    assert reward["maker_hours"] == "0" and reward["tier"] is None  # seconds into the run
    assert snap["history"][-1]["maker_hours"] == "0"


async def test_snapshot_safety_position_and_what_the_bot_spent(published):
    snap, _ = published
    assert snap["failures"] == {"consecutive": 0, "max": 3, "recent": []}
    assert snap["cleanup"] is None  # nothing in doubt
    assert snap["breaker"]["bid"] == {"holding": False, "seconds_left": 0.0, "trips": 0}
    assert Decimal(snap["position"]["qty"]) == 0
    latency = snap["latency"]  # placing the first quotes were reactions
    assert latency["samples"] >= 1 and 0 < latency["reaction_p50_ms"] <= latency["reaction_p99_ms"]
    load = snap["exchange"]  # what the bot spent of the rate budget
    assert load["paths"]["/api/new_order"] >= 2 and load["requests"] >= sum(load["paths"].values())
    assert snap["token_expires_at"] is not None
