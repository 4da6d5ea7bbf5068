"""Per-UTC-hour buckets of the ground truth, and the Uptime Program's random snapshots.

StandX samples each account's counted size "at multiple random moments" of the hour and
scores the hour by X70 / X50 (docs/standx-protocol.md §7.2). The simulator draws the same
moments for every account (seeded by the simulator's seed and the hour, so a run is
reproducible) and records the counted size in force at each of them as the intervals are
accounted, so the estimate is what a snapshot would have seen, not an interpolation. The
reward schedule's figure (§7.5) is bucketed the same way: integrated, its qualifying seconds,
and its value at the same moments (for a snapshot-scored schedule).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field, replace
from decimal import Decimal

HOUR = 3600
ZERO = Decimal(0)


@dataclass(frozen=True)
class Span:
    """What held over an interval: two-sided, in band, counted size (base) and its USD value,
    and the reward schedule's figure (base units; > 0: the interval qualifies)."""

    two: bool = False
    band: bool = False
    counted: Decimal = ZERO
    counted_usd: Decimal = ZERO
    weighted: Decimal = ZERO


@dataclass
class HourFigures:
    two_sided: float = 0.0
    in_band: float = 0.0
    counted_qty_s: Decimal = ZERO  # integral of the counted size (base) over seconds
    counted_usd_s: Decimal = ZERO
    samples: dict[int, Decimal] = field(default_factory=dict)  # snapshot index -> size > 0
    weighted_s: Decimal = ZERO  # integral of the reward schedule's figure over seconds
    reward_s: float = 0.0  # seconds that figure was above zero
    figure_samples: dict[int, Decimal] = field(default_factory=dict)  # index -> figure > 0

    def copy(self) -> HourFigures:
        return replace(self, samples=dict(self.samples), figure_samples=dict(self.figure_samples))


class SnapshotClock:
    """The random snapshot moments of each UTC hour, the same for every account."""

    def __init__(self, seed: int, per_hour: int) -> None:
        self.seed, self.per_hour = seed, per_hour
        self._cache: dict[int, list[float]] = {}

    def times(self, hour: int) -> list[float]:
        if hour not in self._cache:
            rng = random.Random(f"uptime-snapshots:{self.seed}:{hour}")
            self._cache[hour] = sorted(hour + rng.uniform(0, HOUR) for _ in range(self.per_hour))
            if len(self._cache) > 48:  # a long run: forget old hours
                del self._cache[min(self._cache)]
        return self._cache[hour]

    def indexes(self, hour: int, start: float, end: float) -> range:
        """Indexes of the hour's snapshot moments in [start, end)."""
        times = self.times(hour)
        return range(bisect.bisect_left(times, start), bisect.bisect_left(times, end))


def seconds(value: float) -> Decimal:
    """A span in seconds as a Decimal (microsecond resolution, plenty for ground truth)."""
    return Decimal(str(round(value, 6)))


def add_span(
    hours: dict[int, HourFigures], clock: SnapshotClock, start: float, end: float, span: Span
) -> None:
    """Add [start, end) to the hourly buckets, split at UTC hour boundaries."""
    if not (span.two or span.band):
        return
    t = start
    while t < end:
        hour = int(t // HOUR) * HOUR
        chunk_end = min(end, hour + HOUR)
        figures = hours.setdefault(hour, HourFigures())
        length = chunk_end - t
        figures.two_sided += length if span.two else 0.0
        figures.in_band += length if span.band else 0.0
        if span.counted > 0:
            figures.counted_qty_s += span.counted * seconds(length)
            figures.counted_usd_s += span.counted_usd * seconds(length)
            for index in clock.indexes(hour, t, chunk_end):
                figures.samples[index] = span.counted
        if span.weighted > 0:
            figures.weighted_s += span.weighted * seconds(length)
            figures.reward_s += length
            for index in clock.indexes(hour, t, chunk_end):
                figures.figure_samples[index] = span.weighted
        t = chunk_end


def sampled(
    samples: dict[int, Decimal], clock: SnapshotClock, hour: int, now: float
) -> list[Decimal]:
    """The value (`figures.samples`: the counted size; `figures.figure_samples`: the reward
    figure) at each snapshot moment of the hour that has passed by `now` (zero where nothing
    counted: StandX scores a moment without quotes as zero)."""
    taken = clock.indexes(hour, hour, now)
    return [samples.get(i, ZERO) for i in taken]


def x_percentile(values: list[Decimal], share: float) -> Decimal | None:
    """StandX's Xnn: sorted descending, the value at the nn-th percentile, i.e. the size that
    `share` of the snapshots reached or exceeded. None before any snapshot."""
    if not values:
        return None
    ordered = sorted(values, reverse=True)
    return ordered[max(1, math.ceil(round(share * len(ordered), 9))) - 1]
