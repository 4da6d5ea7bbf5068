"""The only module that touches the channel layer.

Engine -> web: once a second per bot, the full snapshot to the bot's group
"dashboard.<bot>" (its page and JSON stream) and a small summary to the group "overview"
(the all-bots page); the snapshot is also kept here as the latest one, so views in the same
process can read it at once. Per-bot groups keep a page's traffic independent of how many
other bots run.
Web -> engine: control messages on the channel "engine.<bot>"; the engine is their only reader.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging

import redis
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

OVERVIEW_GROUP = "overview"
SNAPSHOT_TYPE = "bot.snapshot"
SUMMARY_TYPE = "bot.summary"
CONTROL_TYPE = "engine.control"
CONTROL_ACTIONS = frozenset({"start", "stop", "kill", "config"})

# A split web tier reads the engines' latest snapshots from Redis; one that expired means
# the worker stopped publishing (died or stopped) and the page says "no engine connected".
SHARED_SNAPSHOT_SECONDS = 5

# Latest snapshot per bot published in this process (single-process deployment).
# (The layer's own errors differ by backend: redis raises its ConnectionError, the
# in-memory layer ChannelFull; callers see one type for "the engine cannot be reached".)
_latest: dict[str, dict] = {}
_control_down: set[str] = set()       # bots whose control channel is unreachable (logged once)


class EngineUnreachable(Exception):
    """The channel layer could not carry a control message to the engine."""


def _layer() -> BaseChannelLayer:
    layer = get_channel_layer()
    if layer is None:
        raise ImproperlyConfigured("CHANNEL_LAYERS has no default layer")
    return layer


def engine_channel(bot: str) -> str:
    return f"engine.{bot}"


def bot_group(bot: str) -> str:
    """The group of one bot's page and JSON stream (bot names are slugs: valid group names)."""
    return f"dashboard.{bot}"


def latest_snapshot(bot: str = "default") -> dict | None:
    """The bot's latest snapshot: published in this process, or (split deployment) by a
    worker within SHARED_SNAPSHOT_SECONDS. Sync: views and the API call it."""
    return _latest.get(bot) or _shared_snapshot(bot)


def local_snapshot(bot: str) -> dict | None:
    """The bot's latest snapshot if an engine in this process published it (no I/O)."""
    return _latest.get(bot)


def _shared_key(bot: str) -> str:
    return f"{settings.REDIS_PREFIX}:snapshot:{bot}"


@functools.cache
def _redis_reader() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.5,
                                socket_connect_timeout=0.5)


def _shared_snapshot(bot: str) -> dict | None:
    if settings.CHANNEL_LAYER != "redis":
        return None
    try:
        raw = _redis_reader().get(_shared_key(bot))
        return json.loads(raw) if raw else None
    except (redis.RedisError, ValueError) as exc:     # the page falls back to the database
        log.warning("shared snapshot of %s unreadable: %s", bot, type(exc).__name__)
        return None


def latest_snapshots() -> dict[str, dict]:
    return dict(_latest)


async def publish_snapshot(snapshot: dict, summary: dict) -> None:
    """Send the engine's state to its bot's clients and its summary to the overview
    (best effort, bounded)."""
    bot = snapshot["bot"]
    _latest[bot] = snapshot
    try:
        layer = _layer()
        async with asyncio.timeout(2):
            await layer.group_send(bot_group(bot), {"type": SNAPSHOT_TYPE, "snapshot": snapshot})
            await layer.group_send(OVERVIEW_GROUP, {"type": SUMMARY_TYPE, "summary": summary})
            if isinstance(layer, RedisChannelLayer):     # CHANNEL_LAYER=redis
                await layer.connection(0).set(_shared_key(bot), json.dumps(snapshot, default=str),
                                              ex=SHARED_SNAPSHOT_SECONDS)
    except Exception as exc:  # noqa: BLE001  a broken layer must never stall or kill the engine
        log.warning("snapshot publish failed: %s: %s", type(exc).__name__, exc)


def forget_snapshot(bot: str) -> None:
    _latest.pop(bot, None)


async def send_control(bot: str, action: str, **payload) -> None:
    """Ask the engine of `bot` to start, stop, kill or apply a new config."""
    if action not in CONTROL_ACTIONS:
        raise ValueError(f"unknown control action {action!r}")
    message = {"type": CONTROL_TYPE, "action": action, "bot": bot, **payload}
    try:
        layer = _layer()
        async with asyncio.timeout(2):
            await layer.send(engine_channel(bot), message)
    except Exception as exc:  # any layer failure means the same to the caller
        raise EngineUnreachable(f"{type(exc).__name__}: {exc}") from exc


async def receive_control(bot: str, timeout: float) -> dict | None:
    """Next control message for `bot`, or None when none came within `timeout` seconds."""
    layer = _layer()
    try:
        async with asyncio.timeout(timeout):
            message = await layer.receive(engine_channel(bot))
    except TimeoutError:
        return None
    except Exception as exc:  # noqa: BLE001  the layer is down (e.g. Redis restarting)
        # No control can arrive, but the engine must keep quoting (and not count this as
        # an exchange failure); the web tier's send_control reports the outage to the user.
        if bot not in _control_down:
            log.warning("control channel of %s unavailable: %s: %s", bot, type(exc).__name__, exc)
            _control_down.add(bot)
        await asyncio.sleep(timeout)
        return None
    if bot in _control_down:
        log.info("control channel of %s is back", bot)
        _control_down.discard(bot)
    if message.get("type") != CONTROL_TYPE or message.get("action") not in CONTROL_ACTIONS:
        log.warning("ignored malformed control message for %s", bot)
        return None
    return message
