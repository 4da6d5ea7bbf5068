"""trading.bus over a real Redis (channels_redis), as the web tier and the engine workers
use it when split: control messages reach the bot's engine, snapshots reach every member of
the dashboard group, across processes, and a dead Redis never stalls the engine."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from channels.layers import get_channel_layer
from django.conf import settings as django_settings

from tests.integration.conftest import free_port
from tests.trading.fleet.lease_cases import ROOT
from trading import bus
from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS


def redis_layer(url: str, prefix: str = "mmtest") -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "expiry": 10, "capacity": 100, "prefix": prefix},
        }
    }


def redis_caches(url: str) -> dict:
    """The snapshots cache on Redis, as settings.py makes it for CHANNEL_LAYER=redis."""
    return {
        **django_settings.CACHES,
        "snapshots": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "mmtest",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        },
    }


@pytest.fixture
async def layer(settings, redis_url):
    settings.CHANNEL_LAYERS = redis_layer(redis_url)  # channels resets its layers on this
    settings.CHANNEL_LAYER, settings.REDIS_URL, settings.REDIS_PREFIX = "redis", redis_url, "mmtest"
    settings.CACHES = redis_caches(redis_url)
    layer = get_channel_layer()
    yield layer
    await layer.flush()
    await layer.close_pools()


async def test_control_round_trip_to_the_bots_channel(layer):
    await bus.send_control("eth", "config", values={"spread_bps": "7"})
    await bus.send_control("btc", "stop")
    message = await bus.receive_control("eth", timeout=5)
    assert message == {
        "type": bus.CONTROL_TYPE,
        "action": "config",
        "bot": "eth",
        "values": {"spread_bps": "7"},
    }
    assert (await bus.receive_control("btc", timeout=5))["action"] == "stop"
    assert await bus.receive_control("eth", timeout=0.3) is None


async def test_snapshot_reaches_its_bots_group_and_the_summary_the_overview(layer):
    members = [await layer.new_channel() for _ in range(2)]
    for channel in members:
        await layer.group_add(bus.bot_group("eth"), channel)
    other_bot, overview = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(bus.bot_group("btc"), other_bot)
    await layer.group_add(bus.OVERVIEW_GROUP, overview)
    await bus.publish_snapshot({"bot": "eth", "state": "running"}, {"bot": "eth"})
    for channel in members:
        async with asyncio.timeout(5):
            message = await layer.receive(channel)
        assert message == {
            "type": bus.SNAPSHOT_TYPE,
            "snapshot": {"bot": "eth", "state": "running"},
        }
    async with asyncio.timeout(5):
        assert await layer.receive(overview) == {
            "type": bus.SUMMARY_TYPE,
            "summary": {"bot": "eth"},
        }
    with pytest.raises(TimeoutError):  # another bot's page hears nothing of eth
        async with asyncio.timeout(0.5):
            await layer.receive(other_bot)


async def run_in_another_process(code: str, redis_url: str) -> None:
    """Python `code` in a separate Django process on the same Redis layer; must succeed."""
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="mmsite.settings",
        CHANNEL_LAYER="redis",
        REDIS_URL=redis_url,
        REDIS_PREFIX="mmtest",
    )
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


async def test_control_sent_by_another_process_reaches_this_engine(layer, redis_url):
    code = (
        "import asyncio, django; django.setup(); from trading import bus; "
        "asyncio.run(bus.send_control('default', 'kill', reason='from the web tier'))"
    )
    await run_in_another_process(code, redis_url)
    message = await bus.receive_control("default", timeout=5)
    assert message["action"] == "kill" and message["reason"] == "from the web tier"


async def test_a_snapshot_published_by_another_process_reaches_this_web_tier(layer, redis_url):
    channel = await layer.new_channel()
    await layer.group_add(bus.bot_group("alt"), channel)
    snapshot = json.dumps({"bot": "alt", "state": "stopped"})
    code = (
        "import asyncio, json, django; django.setup(); from trading import bus; "
        f"asyncio.run(bus.publish_snapshot(json.loads({snapshot!r}), {{}}))"
    )
    await run_in_another_process(code, redis_url)
    async with asyncio.timeout(5):
        message = await layer.receive(channel)
    assert message["snapshot"] == {"bot": "alt", "state": "stopped"}


async def test_the_web_tier_reads_a_workers_latest_snapshot_until_it_expires(layer, redis_url):
    """Split: views and the API show the engine's live state, not only the pushed frames;
    a worker that stops publishing stops showing as connected within seconds."""
    snapshot = json.dumps({"bot": "eth", "state": "running", "latency": {"samples": 3}})
    code = (
        "import asyncio, json, django; django.setup(); from trading import bus; "
        f"asyncio.run(bus.publish_snapshot(json.loads({snapshot!r}), {{}}))"
    )
    await run_in_another_process(code, redis_url)
    assert await asyncio.to_thread(bus.latest_snapshot, "eth") == json.loads(snapshot)
    assert await asyncio.to_thread(bus.latest_snapshot, "btc") is None
    expires_in = await layer.connection(0).ttl("mmtest:1:snapshot:eth")  # Django's key
    assert 0 < expires_in <= SNAPSHOT_FRESH_SECONDS


async def test_publishing_with_redis_down_never_stalls_the_engine(settings):
    settings.CHANNEL_LAYERS = redis_layer(f"redis://127.0.0.1:{free_port()}/0")
    settings.CHANNEL_LAYER, settings.REDIS_URL = "redis", f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = redis_caches(settings.REDIS_URL)
    # The engine's once-a-second publish must neither raise nor hang (pytest-timeout) ...
    async with asyncio.timeout(5):
        await bus.publish_snapshot({"bot": "eth", "state": "running"}, {"bot": "eth"})
    with pytest.raises(bus.EngineUnreachable):
        await bus.send_control("eth", "stop")
    # ... and a reader falls back to the database (None) instead of failing.
    assert await asyncio.to_thread(bus.latest_snapshot, "eth") is None


async def test_a_redis_outage_never_counts_as_an_engine_failure(settings):
    """Receiving control with Redis down returns nothing, bounded; the engine's supervised
    control loop keeps running and the kill switch counts nothing (a bench showed bots
    killed within 5 s of stopping Redis)."""
    from trading.engine.engine import Engine
    from trading.engine.feeds import SharedFeed
    from trading.standx.rest import StandXRest
    from trading.supervisor import supervise

    settings.CHANNEL_LAYERS = redis_layer(f"redis://127.0.0.1:{free_port()}/0")
    async with asyncio.timeout(5):
        assert await bus.receive_control("eth", timeout=0.2) is None
    rest = StandXRest("http://127.0.0.1:9")
    engine = Engine("eth", rest, SharedFeed("ws://127.0.0.1:9", None, "account"), "sim")

    task = asyncio.create_task(supervise("control", engine.follow_controls, engine.on_task_failure))
    await asyncio.sleep(2.5)
    assert not task.done()
    assert engine.failures.total == 0 and engine.failures.consecutive == 0
    task.cancel()
    await rest.aclose()
