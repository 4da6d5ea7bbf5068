"""The only module that touches the channel layer, and the one door to the latest snapshots.

Engine -> web: once a second per bot, the full snapshot to the bot's group
"dashboard.<bot>" (its page and JSON stream) and a small summary to the group "overview"
(the all-bots page). Per-bot groups keep a page's traffic independent of how many other
bots run. The snapshot is also stored, as its JSON text, in Django's "snapshots" cache:
local memory in one process, Redis when the web tier and the engines are split
(settings.CACHES). It expires after SNAPSHOT_FRESH_SECONDS, so a bot whose engine stopped
publishing (died, stopped, wedged) shows "no engine connected" instead of a frozen page.
Web -> engine: control messages on the channel "engine.<bot>"; the engine is their only reader.
"""

from __future__ import annotations

import asyncio
import json
import logging

from asgiref.sync import sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS

log = logging.getLogger(__name__)

OVERVIEW_GROUP = "overview"
SNAPSHOT_TYPE = "bot.snapshot"
SUMMARY_TYPE = "bot.summary"
CONTROL_TYPE = "engine.control"
CONTROL_ACTIONS = frozenset({"start", "stop", "kill", "config"})
SNAPSHOT_CACHE = "snapshots"

# (The layer's own errors differ by backend: redis raises its ConnectionError, the
# in-memory layer ChannelFull; callers see one type for "the engine cannot be reached".)
_control_down: set[str] = set()  # bots whose control channel is unreachable (logged once)


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


def _key(bot: str) -> str:
    return f"snapshot:{bot}"


def snapshot_text(bot: str) -> str | None:
    """The bot's latest snapshot as the JSON text an engine stored (None: no engine has
    published within SNAPSHOT_FRESH_SECONDS, or the cache cannot be read). Sync: views call it."""
    try:
        return caches[SNAPSHOT_CACHE].get(_key(bot))
    except Exception as exc:  # noqa: BLE001  Redis down: the page falls back to the database
        log.warning("latest snapshot of %s unreadable: %s", bot, type(exc).__name__)
        return None


def latest_snapshot(bot: str = "default") -> dict | None:
    text = snapshot_text(bot)
    return None if text is None else json.loads(text)


def snapshots_are_local() -> bool:
    """One process (the cache is this process's memory): reading a snapshot is no I/O."""
    return settings.CHANNEL_LAYER != "redis"


async def publish_snapshot(snapshot: dict, summary: dict) -> None:
    """Send the engine's state to its bot's clients and its summary to the overview, and
    store it as the latest one (best effort, bounded: a broken layer or cache must never
    stall or kill the engine)."""
    bot = snapshot["bot"]
    try:
        async with asyncio.timeout(2):
            await _store(bot, json.dumps(snapshot, default=str))
            layer = _layer()
            await layer.group_send(bot_group(bot), {"type": SNAPSHOT_TYPE, "snapshot": snapshot})
            await layer.group_send(OVERVIEW_GROUP, {"type": SUMMARY_TYPE, "summary": summary})
    except Exception as exc:  # noqa: BLE001
        log.warning("snapshot publish failed: %s: %s", type(exc).__name__, exc)


async def _store(bot: str, text: str) -> None:
    cache = caches[SNAPSHOT_CACHE]
    if snapshots_are_local():
        cache.set(_key(bot), text, SNAPSHOT_FRESH_SECONDS)  # memory: no I/O to wait for
    else:
        await sync_to_async(cache.set, thread_sensitive=False)(
            _key(bot), text, SNAPSHOT_FRESH_SECONDS
        )


def forget_snapshot(bot: str) -> None:
    """The bot's engine stopped in this process: pages show the stored state at once."""
    try:
        caches[SNAPSHOT_CACHE].delete(_key(bot))
    except Exception as exc:  # noqa: BLE001  it expires by itself anyway
        log.warning("could not forget the snapshot of %s: %s", bot, type(exc).__name__)


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
