"""PURE: the one backoff rule of the code base (REST retries, stream reconnects, supervised
task restarts, resync and cleanup retries).

Exponential: ``base * 2**attempt`` (attempt 0 first), never more than ``cap``. With
``jitter`` the delay is drawn uniformly from the upper half of that, so many clients (or
bots) that failed together do not retry in lockstep; pass ``rng`` to make it reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base: float
    cap: float
    jitter: bool = False

    def delay(self, attempt: int, rng: Callable[[float, float], float] = random.uniform) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempt))
        return ceiling * rng(0.5, 1.0) if self.jitter else ceiling
