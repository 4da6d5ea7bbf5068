"""PURE: the requote circuit breaker, a safety net independent of the settings.

Whatever the configuration, a side that places more than ``max_places`` orders within
``window_seconds`` is looping (a setting that makes every new quote trigger its own
replacement, a market the rules cannot follow): the side holds for ``hold_seconds`` instead
(decide places nothing there; urgent cancels still go out), and the engine says so on the
dashboard and in the event log. No clock: ``now`` is passed in.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from trading.core.domain import Side


@dataclass
class RequoteBreaker:
    max_places: int = 15
    window_seconds: float = 5.0
    hold_seconds: float = 15.0
    trips: dict[Side, int] = field(default_factory=lambda: {Side.BUY: 0, Side.SELL: 0})
    _places: dict[Side, deque] = field(default_factory=lambda: {s: deque() for s in Side})
    _hold_until: dict[Side, float] = field(default_factory=lambda: {s: 0.0 for s in Side})

    def record_place(self, side: Side, now: float) -> bool:
        """Count one order placed on `side`; True when this one trips the breaker."""
        placed = self._places[side]
        placed.append(now)
        while placed and placed[0] < now - self.window_seconds:
            placed.popleft()
        if len(placed) <= self.max_places or self.holding(side, now):
            return False
        self._hold_until[side] = now + self.hold_seconds
        self.trips[side] += 1
        placed.clear()
        return True

    def holding(self, side: Side, now: float) -> bool:
        return now < self._hold_until[side]

    def holding_sides(self, now: float) -> frozenset[Side]:
        return frozenset(side for side in Side if self.holding(side, now))

    def hold_remaining(self, side: Side, now: float) -> float:
        return max(0.0, self._hold_until[side] - now)

    def reset(self) -> None:
        """A person started the bot again: give every side a clean slate."""
        for side in Side:
            self._places[side].clear()
            self._hold_until[side] = 0.0
