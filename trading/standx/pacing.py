"""Client-side pacing under StandX's documented request budget (docs/standx-protocol.md §6).

Per account: a token bucket of 900 credits, refilled at 1000 credits/s, 45 credits a request
(a burst of 20 requests, about 22 requests/s sustained). Per IP: 50 requests/s. Waiting a few
milliseconds here is far cheaper than a 429 and the backoff that follows it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

ACCOUNT_CAPACITY = 900.0
ACCOUNT_REFILL_PER_S = 1000.0
CREDITS_PER_REQUEST = 45.0
IP_REQUESTS_PER_S = 50.0


@dataclass
class TokenBucket:
    capacity: float
    refill_per_s: float
    level: float
    updated_at: float

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until `cost` credits are available (0 when they are now)."""
        self._refill(now)
        if self.level >= cost - 1e-6:  # float residue must not make a caller spin
            return 0.0
        return (cost - self.level) / self.refill_per_s

    def take(self, cost: float, now: float) -> None:
        self._refill(now)
        self.level -= cost

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated_at)
        self.level = min(self.capacity, self.level + elapsed * self.refill_per_s)
        self.updated_at = now


def ip_budget(
    headroom: float = 0.9,
    clock: Callable[[], float] = time.monotonic,
    per_second: float = IP_REQUESTS_PER_S,
) -> TokenBucket:
    """The per-IP bucket. One process trading several accounts shares one among their
    pacers: the exchange counts the IP's requests, whichever account sends them."""
    rate = per_second * headroom
    return TokenBucket(rate, rate, rate, clock())


class CreditPacer:
    """Delays requests just enough to stay inside both buckets; callers queue in order."""

    def __init__(
        self,
        headroom: float = 0.9,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        ip: TokenBucket | None = None,
    ):
        # headroom < 1 keeps us under the server's bucket despite clock and latency skew.
        now = clock()
        self._account = TokenBucket(
            ACCOUNT_CAPACITY * headroom,
            ACCOUNT_REFILL_PER_S * headroom,
            ACCOUNT_CAPACITY * headroom,
            now,
        )
        self._ip = ip or ip_budget(headroom, clock)
        self._clock, self._sleep = clock, sleep
        self._lock = asyncio.Lock()
        self.waited_seconds = 0.0

    async def acquire(self, private: bool) -> None:
        async with self._lock:
            while (delay := self._delay(private)) > 0:
                self.waited_seconds += delay
                await self._sleep(delay)
            now = self._clock()
            self._ip.take(1.0, now)
            if private:
                self._account.take(CREDITS_PER_REQUEST, now)

    def hold_off(self, seconds: float) -> None:
        """The exchange said 429: something else spends this budget too (another process on
        the IP, a manual script). Every request of this pacer, and of the accounts sharing
        its IP bucket, waits `seconds` before the buckets refill."""
        now = self._clock()
        for bucket in (self._ip, self._account):
            bucket.take(bucket.level + bucket.refill_per_s * seconds, now)

    def delay(self, private: bool) -> float:
        """Seconds a request sent now would wait (0: it would go at once)."""
        return self._delay(private)

    def _delay(self, private: bool) -> float:
        now = self._clock()
        delay = self._ip.wait_for(1.0, now)
        if private:
            delay = max(delay, self._account.wait_for(CREDITS_PER_REQUEST, now))
        return delay
