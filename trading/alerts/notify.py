"""Delivery of alerts through Apprise (one library for Telegram, Slack, Discord, email,
webhooks...), off the quoting loop.

The watcher only puts an alert in a bounded queue (never waits); one supervised task sends
them, each send bounded by SEND_TIMEOUT_SECONDS (Apprise runs the blocking HTTP in its own
worker threads). A token bucket limits the rate: BURST at once, then one per REFILL_SECONDS;
what piles up meanwhile goes out as one combined message when the bucket allows, so nothing
is lost but a flood costs a handful of messages. The URLs hold the services' tokens: they
are never logged, and the loggers of Apprise and urllib3 are held above DEBUG (QUIET_LOGGERS).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from mmsite.env import Secret
from trading.alerts.urls import split_urls

log = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 10.0
BURST = 5
REFILL_SECONDS = 12.0  # five a minute once the burst is spent
QUEUE_LIMIT = 500
BATCH_LIMIT = 30  # alerts combined into one message at most
TITLE = "StandX market maker"
# Their DEBUG lines print the URL (a Slack or Discord webhook's path is its token), so they
# stay quiet whatever LOG_LEVEL says; our own log says what failed, without the URL.
QUIET_LOGGERS = {"apprise": logging.WARNING, "urllib3": logging.ERROR}


@dataclass(frozen=True)
class Alert:
    text: str
    level: str = "info"  # Apprise's notify types: info, success, warning, failure
    bot: str = ""


class TokenBucket:
    def __init__(self, burst: int, refill_seconds: float, clock: Callable[[], float]):
        self.burst, self.refill_seconds, self.clock = burst, refill_seconds, clock
        self.tokens, self.updated = float(burst), clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) / self.refill_seconds)
        self.updated = now

    def wait_seconds(self) -> float:
        """0 when a message may go now, else how long until one may."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) * self.refill_seconds

    def take(self) -> None:
        self._refill()
        self.tokens -= 1


class AlertSender:
    def __init__(
        self, urls: Secret, clock: Callable[[], float] = time.monotonic, title: str = TITLE
    ):
        self.title = title  # every message's title starts with it (paper mode says so)
        import apprise

        for name, level in QUIET_LOGGERS.items():
            logging.getLogger(name).setLevel(level)
        self.apprise = apprise.Apprise()
        for url in split_urls(urls):
            self.apprise.add(url)
        self.queue: asyncio.Queue[Alert] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self.bucket = TokenBucket(BURST, REFILL_SECONDS, clock)
        self.sent = self.failed = self.dropped = 0

    def put(self, alert: Alert) -> None:
        """Queue an alert; never blocks (a full queue drops the oldest: the newest state
        matters most)."""
        log.info("alert: %s", alert.text)
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(alert)

    async def run(self) -> None:
        """Send until cancelled (supervised by the caller)."""
        while True:
            first = await self.queue.get()
            await asyncio.sleep(self.bucket.wait_seconds())
            self.bucket.take()
            await self.deliver(self._batch(first))

    def _batch(self, first: Alert) -> list[Alert]:
        batch = [first]
        while len(batch) < BATCH_LIMIT and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    async def deliver(self, batch: list[Alert]) -> bool:
        title, body, level = combine(batch, self.dropped, self.title)
        self.dropped = 0
        try:
            async with asyncio.timeout(SEND_TIMEOUT_SECONDS + 2):
                result = bool(
                    await self.apprise.async_notify(
                        body=body, title=title, notify_type=level, timeout=SEND_TIMEOUT_SECONDS
                    )
                )
        except Exception as exc:  # noqa: BLE001  a broken service must not stop the next alert
            result, reason = False, type(exc).__name__
        else:
            reason = "a service refused it or did not answer"
        if result:
            self.sent += len(batch)
            return True
        self.failed += len(batch)
        log.warning("alert not delivered (%s): %s", reason, body[:200])
        return False

    async def drain(self, timeout: float) -> None:
        """At shutdown: send what is queued (one combined message), bounded by `timeout`."""
        if self.queue.empty():
            return
        try:
            async with asyncio.timeout(timeout):
                await self.deliver(self._batch(self.queue.get_nowait()))
        except TimeoutError:
            log.warning("alerts still queued at shutdown were not delivered")


LEVELS = ("failure", "warning", "info", "success")


def combine(batch: list[Alert], dropped: int, title: str = TITLE) -> tuple[str, str, str]:
    """(title, body, notify type) of one message carrying the whole batch."""
    level = min((a.level for a in batch), key=lambda lv: LEVELS.index(lv) if lv in LEVELS else 9)
    lines = [a.text for a in batch]
    if dropped:
        lines.append(f"({dropped} older alerts were dropped: see the dashboard's event log)")
    if len(batch) == 1:
        return f"{title}: {batch[0].text}"[:250], "\n".join(lines), level
    return f"{title}: {len(batch)} alerts", "\n".join(lines), level
