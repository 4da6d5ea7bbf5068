"""PURE: what the band strategy measures about its market and itself.

- The mark's volatility, bps per sqrt(second): squared moves of the mark between looks at
  least SAMPLE_SECONDS apart, divided by the time between them, averaged with an
  exponential weight of HALF_LIFE_SECONDS (recent behaviour matters, one spike fades).
- The ack latency: order sent -> confirmed resting, the same kind of average.

No clock: `now` is passed in. Until there is a measurement, the values are None and the
band strategy uses its defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import BPS

SAMPLE_SECONDS = 1.0
HALF_LIFE_SECONDS = 120.0
LATENCY_HALF_LIFE = 20  # acks


@dataclass
class MarketMeter:
    # The band's margins want minutes of memory; the volatility pause watches a faster one
    # (trading/core/vol_pause.py).
    half_life_s: float = HALF_LIFE_SECONDS
    _last_mark: Decimal | None = None
    _last_at: float | None = None
    _variance_rate: float | None = None  # bps^2 per second
    _latency: float | None = None
    _samples: int = 0

    def on_mark(self, now: float, mark: Decimal) -> None:
        if self._last_mark is None or self._last_at is None or now < self._last_at:
            self._last_mark, self._last_at = mark, now
            return
        elapsed = now - self._last_at
        if elapsed < SAMPLE_SECONDS:
            return
        move = float((mark - self._last_mark) / self._last_mark * BPS)
        sample = move * move / elapsed
        self._samples += 1  # a plain mean while there are few samples
        weight = max(1 - 0.5 ** (elapsed / self.half_life_s), 1 / self._samples)
        self._variance_rate = (
            sample
            if self._variance_rate is None
            else self._variance_rate + weight * (sample - self._variance_rate)
        )
        self._last_mark, self._last_at = mark, now

    def on_ack(self, latency_s: float) -> None:
        if latency_s < 0:
            return
        weight = 1 - 0.5 ** (1 / LATENCY_HALF_LIFE)
        self._latency = (
            latency_s
            if self._latency is None
            else self._latency + weight * (latency_s - self._latency)
        )

    @property
    def volatility_bps(self) -> float | None:
        return None if self._variance_rate is None else math.sqrt(self._variance_rate)

    @property
    def latency_s(self) -> float | None:
        return self._latency
