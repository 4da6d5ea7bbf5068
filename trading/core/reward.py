"""PURE: what StandX's maker programmes pay for, measured by us (docs/standx-protocol.md §7).

- The hour's tier budget: in-band minutes so far against the Uptime Program's tiers
  (standard >= 30 min, boosted >= 42 min), minutes left in the UTC hour, minutes still
  needed, and a plain status per tier.
- The size that counts: StandX samples min(bid, ask) in band at random moments of the hour
  and scores the hour by X70 (boosted) or X50 (standard) of those samples, sorted
  descending. `SizeSampler` takes the same kind of samples, at moments drawn from a seeded
  generator, so a trader sees the estimate before the hour is scored.
- Order lifetimes: Maker Points count an order only after it rested ~3 s and SIP-5A
  penalises flicker-cancels, so the share of our cancels that hit younger orders and the
  median life of our orders say what the quoting costs there.

No Django, no I/O, no clock: `now` (epoch seconds, UTC) is passed in.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from trading.core.times import HOUR, hour_start

TIERS = (("standard", 30), ("boosted", 42))
SECURED, ON_TRACK, AT_RISK, OUT_OF_REACH = "secured", "on track", "at risk", "out of reach"


@dataclass(frozen=True)
class TierStatus:
    name: str
    minutes: int
    needed: float  # minutes still needed (0 when secured)
    status: str


def tier_budget(
    in_band_seconds: float, now: float, running_seconds: float | None = None
) -> tuple[float, float, list[TierStatus]]:
    """(elapsed minutes, minutes left, a status per tier) for the UTC hour of `now`.

    "on track": the pace so far (in-band time over the time measured this hour, or the time
    elapsed when that is not given) carried to the end of the hour reaches the tier; "at
    risk": still reachable, but not at that pace; "out of reach": more minutes needed than
    are left in the hour."""
    start = hour_start(now)
    elapsed = max(0.0, now - start)
    left = max(0.0, HOUR - elapsed)
    measured = elapsed if running_seconds is None else max(0.0, min(running_seconds, elapsed))
    pace = in_band_seconds / measured if measured > 0 else 0.0
    projected = in_band_seconds + pace * left
    statuses = []
    for name, minutes in TIERS:
        needed = max(0.0, minutes * 60 - in_band_seconds)
        if needed == 0:
            status = SECURED
        elif needed > left:
            status = OUT_OF_REACH
        elif projected >= minutes * 60:
            status = ON_TRACK
        else:
            status = AT_RISK
        statuses.append(TierStatus(name, minutes, round(needed / 60, 1), status))
    return round(elapsed / 60, 1), round(left / 60, 1), statuses


def percentile_descending(values: list[float], share: float | Decimal) -> float | None:
    """StandX's X70/X50: the samples sorted descending, the value at that share (the value
    `share` of the samples reached or exceeded); the share is taken as a Decimal, exactly
    as a reward schedule writes it."""
    if not values:
        return None
    ordered = sorted(values, reverse=True)
    rank = math.ceil(Decimal(str(share)) * len(ordered))
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]


@dataclass
class SizeSampler:
    """Counted size at random moments of each hour (a Poisson process of `per_hour` samples
    an hour), like StandX's random snapshots. Feed it with `observe(now, size)`; a sample is
    taken whenever a drawn moment has passed. It keeps the hour of `now` and the
    `keep_hours - 1` before it."""

    per_hour: float = 60.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    keep_hours: int = 2
    samples: dict[int, list[float]] = field(default_factory=dict)
    _next_at: float | None = None

    def observe(self, now: float, size: float) -> None:
        if self._next_at is None:
            self._next_at = now + self._gap()
        while now >= self._next_at:
            self.samples.setdefault(hour_start(self._next_at), []).append(size)
            self._next_at += self._gap()
        for hour in [h for h in self.samples if h <= hour_start(now) - self.keep_hours * HOUR]:
            del self.samples[hour]

    def _gap(self) -> float:
        return self.rng.expovariate(self.per_hour / HOUR)

    def of_hour(self, now: float) -> list[float]:
        return list(self.samples.get(hour_start(now), []))


@dataclass
class LifetimeStats:
    """Lives of our orders that rested and left the book, and our cancels of young ones."""

    min_rest_s: float = 3.0
    keep: int = 500
    lives: deque[float] = field(default_factory=deque)
    cancels: int = 0
    young_cancels: int = 0

    def order_ended(self, rested_for: float, cancelled_by_us: bool) -> None:
        self.lives.append(rested_for)
        while len(self.lives) > self.keep:
            self.lives.popleft()
        if cancelled_by_us:
            self.cancels += 1
            if rested_for < self.min_rest_s:
                self.young_cancels += 1

    @property
    def young_share(self) -> float | None:
        return self.young_cancels / self.cancels if self.cancels else None

    @property
    def median_life(self) -> float | None:
        return median(self.lives) if self.lives else None
