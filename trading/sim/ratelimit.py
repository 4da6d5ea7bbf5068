"""Rate limits (docs/standx-protocol.md §6): per account a bucket (45 credits a request, 1000/s in,
capacity 900 = 20 requests at once, ~22 req/s sustained); per IP 50 requests per second
(a one-second sliding window). Uses the monotonic clock: limits are about real time."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from trading.sim.config import SimConfig


@dataclass
class TokenBucket:
    capacity: float
    refill_per_s: float
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def take(self, cost: float) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.refill_per_s)
        self.updated = now
        if self.tokens >= cost:
            self.tokens -= cost
            return True
        return False


class RateLimiter:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.accounts: dict[str, TokenBucket] = {}
        self.ips: dict[str, deque] = {}

    def allow_ip(self, ip: str) -> bool:
        if not self.config.rate_limit or self.config.ip_requests_per_s == 0:
            return True
        now = time.monotonic()
        window = self.ips.setdefault(ip, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.config.ip_requests_per_s:
            return False
        window.append(now)
        return True

    def allow_account(self, user: str) -> bool:
        if not self.config.rate_limit:
            return True
        bucket = self.accounts.get(user)
        if bucket is None:
            bucket = self.accounts[user] = TokenBucket(
                self.config.credits_burst, self.config.credits_refill_per_s
            )
        return bucket.take(self.config.credits_per_request)
