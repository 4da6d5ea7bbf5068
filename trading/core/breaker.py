"""PURE: the requote circuit breaker, a safety net independent of the settings.

Whatever the configuration, a side that places more than ``max_places`` orders within
``window_seconds`` is looping (a setting that makes every new quote trigger its own
replacement) or chasing a market faster than it can follow. The breaker then throttles
that side for ``hold_seconds``: at most one order every ``throttle_seconds`` (decide places
nothing on a side while ``holding`` says so; urgent cancels still go out). A storm of
hundreds of orders a second becomes one a second, and a side in a fast market stays on the
book instead of going dark. The engine says so on the dashboard and in the event log.
No clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from trading.core.domain import Side


@dataclass
class RequoteBreaker:
    max_places: int = 25
    window_seconds: float = 5.0
    hold_seconds: float = 30.0
    throttle_seconds: float = 1.0
    trips: dict[Side, int] = field(default_factory=lambda: {Side.BUY: 0, Side.SELL: 0})
    _places: dict[Side, deque[float]] = field(default_factory=lambda: {s: deque() for s in Side})
    _tripped_until: dict[Side, float] = field(default_factory=lambda: dict.fromkeys(Side, 0.0))

    def record_place(self, side: Side, now: float) -> bool:
        """Count one order placed on `side`; True when this one trips the breaker."""
        placed = self._places[side]
        placed.append(now)
        while placed and placed[0] < now - max(self.window_seconds, self.throttle_seconds):
            placed.popleft()
        recent = sum(1 for at in placed if at >= now - self.window_seconds)
        if recent <= self.max_places or self.tripped(side, now):
            return False
        self._tripped_until[side] = now + self.hold_seconds
        self.trips[side] += 1
        return True

    def tripped(self, side: Side, now: float) -> bool:
        return now < self._tripped_until[side]

    def holding(self, side: Side, now: float) -> bool:
        """Tripped, and the side placed within the last throttle_seconds: place nothing."""
        placed = self._places[side]
        return self.tripped(side, now) and bool(placed) and now - placed[-1] < self.throttle_seconds

    def holding_sides(self, now: float) -> frozenset[Side]:
        return frozenset(side for side in Side if self.holding(side, now))

    def hold_remaining(self, side: Side, now: float) -> float:
        return max(0.0, self._tripped_until[side] - now)

    def reset(self) -> None:
        """A person started the bot again: give every side a clean slate."""
        for side in Side:
            self._places[side].clear()
            self._tripped_until[side] = 0.0
