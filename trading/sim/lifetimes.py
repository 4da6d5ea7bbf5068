"""How long each order of an account rested, from the moment it rested to the moment it left
the book, and how it left. Maker Points count an order only after it rested more than 3 s
(docs/standx-protocol.md §7.1) and SIP-5A penalises flicker-cancels, so the cancels of orders
younger than that is the figure a reward-farming bot must keep near zero.

Lifetimes are kept as a count per whole millisecond: the median is exact to the millisecond
and memory stays bounded over a long soak (a day of requotes has a few thousand distinct
values, not hundreds of thousands of floats).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MIN_REST_S = 3.0


@dataclass
class OrderLives:
    rested_at: dict[int, float] = field(default_factory=dict)
    life_ms: Counter = field(default_factory=Counter)
    left: int = 0
    canceled: int = 0
    canceled_young: int = 0  # canceled before MIN_REST_S on the book
    filled: int = 0

    def rested(self, now: float, order_id: int) -> None:
        self.rested_at[order_id] = now

    def left_book(self, now: float, order_id: int, reason: str) -> None:
        since = self.rested_at.pop(order_id, None)
        if since is None:
            return
        life = max(0.0, now - since)
        self.left += 1
        self.life_ms[int(round(life * 1000))] += 1
        if reason == "canceled":
            self.canceled += 1
            self.canceled_young += life < MIN_REST_S
        elif reason == "filled":
            self.filled += 1

    def figures(self) -> dict:
        share = self.canceled_young / self.canceled if self.canceled else None
        median = median_ms(self.life_ms)
        return {
            "orders_left": self.left,
            "orders_filled": self.filled,
            "cancels": self.canceled,
            "cancels_under_3s": self.canceled_young,
            "cancels_under_3s_share": None if share is None else round(share, 4),
            "median_order_life_s": None if median is None else median / 1000,
        }


def median_ms(counts: Counter) -> float | None:
    """Median of the multiset {value: count} (mean of the two middle values when even)."""
    total = sum(counts.values())
    if total == 0:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen, lower = 0, None
    for value in sorted(counts):
        seen += counts[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            return (lower + value) / 2
    raise AssertionError("unreachable: ranks are below the total")
