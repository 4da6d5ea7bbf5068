"""Ground truth of one account on one symbol: exactly when its orders rested.

Times are the exchange clock at the moments an order really started resting (after the ack
latency) and left the book. The mark is piecewise constant (it changes only at market steps
and scripted moves, and `mark_changed` is called at each), so evaluating the band at every
mark change and every order event makes `in_band_seconds` exact, not sampled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from trading.core.domain import BPS, Side

HOUR = 3600


@dataclass
class HourFigures:
    two_sided: float = 0.0
    in_band: float = 0.0


@dataclass
class GroundTruth:
    band_bps: Decimal
    mark: Decimal | None = None
    resting: dict[int, tuple[Side, Decimal]] = field(default_factory=dict)
    two_sided_seconds: float = 0.0
    in_band_seconds: float = 0.0
    hours: dict[int, HourFigures] = field(default_factory=dict)
    fills: int = 0
    first_rest: float | None = None
    last_leave: float | None = None
    _since: float | None = None      # start of the interval not yet accounted
    _two: bool = False
    _band: bool = False

    # ---- events ----------------------------------------------------------------------------
    def order_rested(self, now: float, order_id: int, side: Side, price: Decimal) -> None:
        self._advance(now)
        self.resting[order_id] = (side, price)
        if self.first_rest is None:
            self.first_rest = now
        self._recompute()

    def order_left(self, now: float, order_id: int) -> None:
        if order_id not in self.resting:
            return
        self._advance(now)
        del self.resting[order_id]
        if not self.resting:
            self.last_leave = now
        self._recompute()

    def mark_changed(self, now: float, mark: Decimal) -> None:
        if mark == self.mark:
            return
        self._advance(now)
        self.mark = mark
        self._recompute()

    def fill(self) -> None:
        self.fills += 1

    # ---- figures ---------------------------------------------------------------------------
    def snapshot(self, now: float) -> dict:
        """Figures up to `now`, including the still-open interval (does not mutate)."""
        pending = max(0.0, now - self._since) if self._since is not None else 0.0
        two = self.two_sided_seconds + (pending if self._two else 0.0)
        band = self.in_band_seconds + (pending if self._band else 0.0)
        if self.first_rest is None:
            observed = 0.0
        else:
            end = now if self.resting else (self.last_leave or now)
            observed = max(0.0, end - self.first_rest)
        return {"two_sided_seconds": two, "in_band_seconds": band,
                "observed_seconds": observed, "open_orders": len(self.resting),
                "fills": self.fills}

    def hourly(self, now: float) -> dict[int, HourFigures]:
        """Per-hour figures up to `now` (hour start epoch -> figures), open interval included."""
        out = {h: HourFigures(f.two_sided, f.in_band) for h, f in self.hours.items()}
        if self._since is not None:
            _split_into(out, self._since, now, self._two, self._band)
        return out

    # ---- internals -------------------------------------------------------------------------
    def _advance(self, now: float) -> None:
        if self._since is not None and now > self._since:
            span = now - self._since
            self.two_sided_seconds += span if self._two else 0.0
            self.in_band_seconds += span if self._band else 0.0
            _split_into(self.hours, self._since, now, self._two, self._band)
        self._since = now if self._since is None else max(now, self._since)

    def _recompute(self) -> None:
        bids = [p for s, p in self.resting.values() if s is Side.BUY]
        asks = [p for s, p in self.resting.values() if s is Side.SELL]
        self._two = bool(bids) and bool(asks)
        self._band = self._two and self.mark is not None and \
            any(self._within(p) for p in bids) and any(self._within(p) for p in asks)

    def _within(self, price: Decimal) -> bool:
        return abs(price - self.mark) / self.mark * BPS <= self.band_bps


def _split_into(hours: dict[int, HourFigures], start: float, end: float,
                two: bool, band: bool) -> None:
    """Add [start, end) to the hourly buckets, split at UTC hour boundaries."""
    if not (two or band):
        return
    t = start
    while t < end:
        hour = int(t // HOUR) * HOUR
        chunk_end = min(end, hour + HOUR)
        figures = hours.setdefault(hour, HourFigures())
        figures.two_sided += (chunk_end - t) if two else 0.0
        figures.in_band += (chunk_end - t) if band else 0.0
        t = chunk_end
