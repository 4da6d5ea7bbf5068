"""The alert watcher: once a second it reads each bot's latest snapshot (the same door every
view uses, trading.bus) and turns conditions into notifications. It knows nothing of the
engine's insides, so it works the same for one process or a split worker.

Edge-triggered: a condition is announced once when it starts (after it has lasted its hold
time: a feed must be down ALERT_FEED_DOWN_SECONDS) and once when it ends, at once. A start
within COOLDOWN_SECONDS of the key's last start waits for the cooldown and is said then if
it still holds (a flapping feed costs two messages a minute at most, and the last word is
always the truth). Fills are gathered and sent at most once per FILL_EVERY_SECONDS per bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async

from trading import bus
from trading.alerts.conditions import CRITICAL, Condition, bot_conditions, epoch
from trading.alerts.notify import Alert

log = logging.getLogger(__name__)

COOLDOWN_SECONDS = 60.0
FILL_EVERY_SECONDS = 60.0
FILLS_LISTED = 10
HELD_KEYS = ("engine", "feed:")  # conditions that must last the feed-down time first

SnapshotReader = Callable[[str], Awaitable[dict | None]]


async def read_latest_snapshot(bot: str) -> dict | None:
    """The bot's snapshot from the `snapshots` cache; Redis (split) is read off the loop."""
    if bus.snapshots_are_local():
        return bus.latest_snapshot(bot)
    return await sync_to_async(bus.latest_snapshot, thread_sensitive=False)(bot)


@dataclass
class Edge:
    """What was last said about one condition of one bot."""

    since: float | None = None  # when the condition was first seen holding (None: not now)
    announced: bool = False
    text: str = ""
    last_start: float = float("-inf")  # when its start was last announced


@dataclass
class BotWatch:
    edges: dict[str, Edge] = field(default_factory=dict)
    fills_seen_until: float | None = None  # newest event time looked at
    pending_fills: list[dict] = field(default_factory=list)
    last_fill_alert: float = float("-inf")
    hour: str | None = None


class AlertWatcher:
    def __init__(
        self,
        bots: Callable[[], Iterable[str]],
        send: Callable[[Alert], None],
        feed_down_seconds: float,
        read: SnapshotReader = read_latest_snapshot,
        clock: Callable[[], float] | None = None,
    ):
        self.bots, self.send, self.read = bots, send, read
        self.feed_down_seconds = feed_down_seconds
        self.clock = clock or time.time
        self.watches: dict[str, BotWatch] = {}

    async def run(self, every: float = 1.0) -> None:
        while True:
            await self.check_all()
            await asyncio.sleep(every)

    async def check_all(self) -> None:
        for bot in list(self.bots()):
            try:
                async with asyncio.timeout(2.0):
                    snapshot = await self.read(bot)
            except Exception as exc:  # noqa: BLE001  the cache is down: say nothing new
                log.warning("alerts: snapshot of %s unreadable: %s", bot, type(exc).__name__)
                continue
            self.check(bot, snapshot, self.clock())

    def check(self, bot: str, snapshot: dict | None, now: float) -> None:
        watch = self.watches.setdefault(bot, BotWatch())
        conditions = {c.key: c for c in bot_conditions(snapshot, now)}
        if snapshot is None:  # only the engine's absence is known; keep the rest as it was
            evaluated = {"engine"}
        else:
            self._forget_past_hours(watch, snapshot)
            evaluated = set(watch.edges) | set(conditions)
            self._gather_fills(bot, watch, snapshot, now)
        for key in sorted(evaluated):
            self._edge(bot, watch, key, conditions.get(key), now)

    def _hold(self, key: str) -> float:
        return self.feed_down_seconds if key.startswith(HELD_KEYS) else 0.0

    def _edge(self, bot: str, watch: BotWatch, key: str, cond: Condition | None, now: float):
        edge = watch.edges.setdefault(key, Edge())
        if cond is None:
            edge.since = None
        elif edge.since is None:
            edge.since = now
        on = cond is not None and edge.since is not None and now - edge.since >= self._hold(key)
        if on == edge.announced:
            return
        if on and cond is not None:
            if now - edge.last_start < COOLDOWN_SECONDS:
                return  # it flaps: said again once the cooldown is over, if it still holds
            edge.text, edge.last_start = cond.text, now
            self.send(Alert(f"{bot}: {cond.text}", _level(cond), bot))
        else:
            lasted = _duration(now - edge.last_start)
            self.send(Alert(f"{bot}: resolved after {lasted}: {edge.text}", "success", bot))
        edge.announced = on

    def _forget_past_hours(self, watch: BotWatch, snapshot: dict) -> None:
        """An hour's tier is judged within that hour: a new hour drops the last one's
        condition without a 'resolved' (nothing was resolved; the hour ended)."""
        hour = (snapshot.get("tier") or {}).get("hour")
        if hour != watch.hour:
            watch.hour = hour
            for key in [k for k in watch.edges if k.startswith("tier:") and k != f"tier:{hour}"]:
                del watch.edges[key]

    def _gather_fills(self, bot: str, watch: BotWatch, snapshot: dict, now: float) -> None:
        found = trades(snapshot)
        newest = max((at for at, _ in found), default=None)
        if watch.fills_seen_until is None:  # the first look: what happened before is known
            watch.fills_seen_until = newest or epoch(snapshot.get("updated_at")) or now
            return
        seen_until = watch.fills_seen_until
        watch.pending_fills.extend(
            f for at, f in sorted(found, key=lambda t: t[0]) if at > seen_until
        )
        if newest is not None:
            watch.fills_seen_until = max(seen_until, newest)
        if watch.pending_fills and now - watch.last_fill_alert >= FILL_EVERY_SECONDS:
            self.send(fill_alert(bot, snapshot, watch.pending_fills))
            watch.pending_fills, watch.last_fill_alert = [], now


def trades(snapshot: dict) -> list[tuple[float, dict]]:
    """(time, fill) of the bot's recent trades: the ledger's list when the snapshot has one
    (`fills.recent`), else the audit log's trade events."""
    ledger = snapshot.get("fills")
    if isinstance(ledger, dict) and isinstance(ledger.get("recent"), list):
        rows = [(epoch(f.get("time")), f) for f in ledger["recent"]]
    else:
        rows = [(epoch(e.get("at")), e) for e in snapshot.get("events") or [] if is_trade(e)]
    return [(at, f) for at, f in rows if at is not None]


def is_trade(event: dict) -> bool:
    """One trade of this bot's. The audit log also records the order reaching FILLED as a
    "fill" (without a trade id): counted once, by its trades; a trade of an order placed by
    hand is not the bot's news."""
    message = event.get("message") or ""
    return (
        event.get("kind") == "fill"
        and message.startswith("trade ")
        and "not one of ours" not in message
    )


def fill_alert(bot: str, snapshot: dict, fills: list[dict]) -> Alert:
    lines = [
        f"{f.get('side') or '?'} {f.get('qty') or '?'} @ {f.get('price') or '?'}"
        for f in fills[:FILLS_LISTED]
    ]
    more = len(fills) - len(lines)
    if more:
        lines.append(f"and {more} more")
    position = (snapshot.get("position") or {}).get("qty")
    head = f"{bot}: {len(fills)} fill{'s' if len(fills) != 1 else ''} on {snapshot.get('symbol')}"
    tail = f" (position now {position})" if position is not None else ""
    return Alert(f"{head}: " + "; ".join(lines) + tail, "info", bot)


def _level(condition: Condition) -> str:
    return "failure" if condition.severity == CRITICAL else "warning"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
