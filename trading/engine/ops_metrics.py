"""The snapshot's "ops" part: what Prometheus scrapes (dashboard/metrics.py), as counters
since this engine started.

Counters must only grow, but the figures they come from start at zero every UTC hour (the
uptime meter's rows) or are windows (the last 1000 reactions). So the tally keeps its own:
per hour the latest figures less those the hour had when the engine started, hours older
than the last two folded into a sum; and a cumulative histogram of reaction latencies fed
where each reaction is measured (executor). Published in every snapshot, so a web tier in
another process (split deployment) serves the metrics from the `snapshots` cache alone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

from trading.core.uptime import HOUR, HourUptime, UptimeMeter
from trading.engine.failures import Failures

# Trigger to order request, in ms: 1-5 ms is a healthy loop, seconds is a spent rate budget.
REACTION_BUCKETS_MS = (0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
COUNTED = ("in_band_seconds", "two_sided_seconds", "requotes", "fills")


class ReactionHistogram:
    """Every reaction since the start, counted into REACTION_BUCKETS_MS (upper bounds)."""

    def __init__(self) -> None:
        self.counts = [0] * (len(REACTION_BUCKETS_MS) + 1)  # the last one: above every bound
        self.sum_ms = 0.0
        self.count = 0

    def observe(self, ms: float) -> None:
        self.counts[bisect_left(REACTION_BUCKETS_MS, ms)] += 1
        self.sum_ms += ms
        self.count += 1

    def view(self) -> dict:
        cumulative, running = [], 0
        for bound, count in zip(REACTION_BUCKETS_MS, self.counts, strict=False):
            running += count
            cumulative.append([bound, running])
        return {"buckets": cumulative, "sum_ms": round(self.sum_ms, 3), "count": self.count}


def _figures(row: HourUptime) -> dict[str, float]:
    return {name: float(getattr(row, name)) for name in COUNTED}


class OpsTally:
    """The uptime meter's hourly figures as totals since the engine's first snapshot."""

    def __init__(self) -> None:
        self._base: dict[int, dict[str, float]] | None = None  # figures at the start
        self._latest: dict[int, dict[str, float]] = {}
        self._folded = dict.fromkeys(COUNTED, 0.0)
        self._done_before = 0  # hours before this are in _folded

    def totals(self, hours: dict[int, HourUptime]) -> dict[str, float]:
        if self._base is None:
            self._base = {hour: _figures(row) for hour, row in hours.items()}
        for hour, row in hours.items():
            if hour >= self._done_before:
                self._latest[hour] = _figures(row)
        self._fold(max(hours, default=0) - HOUR)
        totals = dict(self._folded)
        for hour, figures in self._latest.items():
            for name in COUNTED:
                totals[name] += figures[name] - self._base.get(hour, {}).get(name, 0.0)
        return {name: round(value, 3) for name, value in totals.items()}

    def _fold(self, keep_from: int) -> None:
        """Hours before the last two no longer change: add them up once, forget them."""
        base = self._base or {}
        for hour in [h for h in self._latest if h < keep_from]:
            figures = self._latest.pop(hour)
            for name in COUNTED:
                self._folded[name] += figures[name] - base.get(hour, {}).get(name, 0.0)
            self._done_before = max(self._done_before, hour + HOUR)


class OpsCounters:
    """The snapshot's "ops" of one engine (docs/architecture.md): read from the parts that
    count, at each snapshot."""

    def __init__(
        self,
        meter: UptimeMeter,
        reactions: ReactionHistogram,
        requests: Counter[str],
        failures: Failures,
    ) -> None:
        self.meter, self.reactions, self.requests = meter, reactions, requests
        self.failures, self.tally = failures, OpsTally()

    def view(self) -> dict:
        return {
            **self.tally.totals(self.meter.hours()),
            "failures": self.failures.total,
            "requests": dict(self.requests),
            "reaction_ms": self.reactions.view(),
        }
