"""PURE: Maker Hours as a reward schedule scores them, from our resting orders and the mark.

Our reading of a formula StandX does not publish in full (docs/standx-protocol.md §7.5):

- an order counts once it has rested the schedule's minimum (`counts_at`);
- a side's counted size = the sum of size x the weight at the order's distance from the
  mark (0 outside the band), capped per side, times the symbol's session factor;
- the moment's figure = min(bid, ask) of those: non-zero only while both sides count. The
  seconds with a non-zero figure are the hour's qualifying seconds (they decide the tier);
- an hour's Maker Hours: `time-weighted` = the figure integrated over the hour / 3600 s /
  unit x the multiplier of the tier reached (0 under the first tier); `snapshots` = the best
  reached tier's percentile of the figure at random moments x its multiplier / unit; both
  capped per hour. A UTC day's are the sum of its hours.

A symbol the schedule does not list earns nothing (0); a listed one without a published unit
has no estimate (None). No Django, no I/O, no clock: every time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import Side, bps_between
from trading.core.reward import percentile_descending
from trading.core.reward_schedule import SNAPSHOTS, RewardSchedule, SymbolTerms
from trading.core.times import HOUR

ZERO = Decimal(0)
DAY = 24 * HOUR


@dataclass(frozen=True)
class BookOrder:
    """One of our resting orders as the reward sees it: its unfilled size and when it rested."""

    side: Side
    price: Decimal
    qty: Decimal
    rested_at: float


def counts_at(order: BookOrder, at: float, schedule: RewardSchedule) -> bool:
    return at >= order.rested_at + schedule.min_rest_seconds


def side_size(
    orders: Iterable[BookOrder],
    side: Side,
    mark: Decimal,
    at: float,
    schedule: RewardSchedule,
    terms: SymbolTerms,
) -> Decimal:
    """A side's counted size at `at`: weighted, capped, times the session factor."""
    total = sum(
        (
            o.qty * schedule.weight_at(bps_between(o.price, mark))
            for o in orders
            if o.side is side and o.qty > 0 and counts_at(o, at, schedule)
        ),
        ZERO,
    )
    if terms.cap_per_side is not None:
        total = min(total, terms.cap_per_side)
    return total * terms.session_factor(at)


def moment_figure(
    orders: Sequence[BookOrder],
    mark: Decimal | None,
    at: float,
    schedule: RewardSchedule,
    terms: SymbolTerms | None,
) -> Decimal:
    """min(bid, ask) counted size at `at` (base units); 0 without terms or a mark."""
    if terms is None or mark is None or mark <= 0:
        return ZERO
    return min(side_size(orders, side, mark, at, schedule, terms) for side in Side)


def figure_changes(
    orders: Iterable[BookOrder],
    start: float,
    end: float,
    schedule: RewardSchedule,
    terms: SymbolTerms | None,
) -> list[float]:
    """Moments inside (start, end) where the figure changes by itself (no order or mark
    event): an order reaching the minimum rest, a session opening or closing."""
    if terms is None:
        return []
    moments = {o.rested_at + schedule.min_rest_seconds for o in orders}
    moments.update(terms.session_edges(start, end))
    return sorted(t for t in moments if start < t < end)


def hour_maker_hours(
    schedule: RewardSchedule,
    terms: SymbolTerms | None,
    weighted_size_seconds: float,
    qualifying_seconds: float,
    samples: Sequence[float] = (),
) -> Decimal | None:
    """One UTC hour's Maker Hours (for the hour under way: what it has earned so far)."""
    if terms is None:
        return ZERO
    if terms.unit is None:
        return None
    reached = [t for t in schedule.tiers if qualifying_seconds >= t.minutes * 60]
    if not reached:
        return ZERO
    if schedule.scoring == SNAPSHOTS:
        scored = [
            _decimal(percentile_descending(list(samples), t.percentile or Decimal(1)))
            * t.multiplier
            for t in reached
        ]
        size = max(scored)
    else:
        size = _decimal(weighted_size_seconds) / HOUR * reached[-1].multiplier
    hours = size / terms.unit
    if terms.max_maker_hours is not None:
        hours = min(hours, terms.max_maker_hours)
    return hours


def maker_hours_by_day(hours: Mapping[int, Decimal | None]) -> dict[int, Decimal | None]:
    """UTC day start -> the sum of its hours' Maker Hours (None when an hour has none)."""
    days: dict[int, Decimal | None] = {}
    for hour, value in sorted(hours.items()):
        day = hour - hour % DAY
        so_far = days.get(day, ZERO)
        days[day] = None if value is None or so_far is None else so_far + value
    return days


def _decimal(value: float | None) -> Decimal:
    return ZERO if value is None else Decimal(str(value))
