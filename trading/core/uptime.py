"""PURE: observations of our resting orders -> time-weighted uptime per UTC hour.

No Django, no I/O, no clock: every call takes an explicit ``now`` (epoch seconds, UTC).

How each rule is read:

- Time-weighted, not sampled: between two consecutive observations the state seen at the
  EARLIER one holds, so ``observe(now, ...)`` integrates ``[previous, now)`` with the
  previous state, then remembers the new state. The first observation only sets the state.
- Hours are UTC hours, ``hour_start = floor(epoch / 3600) * 3600``; an interval that crosses
  a boundary is split exactly at it (``split_by_hour``).
- A side counts as resting only when the engine has a CONFIRMED resting order (OPEN) there.
  ``two_sided_seconds``: bid and ask both resting. ``in_band_seconds``: both resting and both
  prices within ``band_bps`` of the mark, inclusive (``|bps_between(price, mark)| <=
  band_bps``). With no mark known (or a resting side without a price) the time is NOT in
  band. ``bid_seconds``/``ask_seconds``: that side resting. ``bid_dark_ms``/``ask_dark_ms``:
  milliseconds that side had no resting order while the meter was running (counted time
  only). ``running_seconds``: all counted time. ``counted_usd_seconds``: the size StandX
  counts, min(bid notional, ask notional) while both are in band, integrated over time
  (divided by the hour's running seconds it is the hour's mean counted size).
- The reward (``set_reward(now, schedule, symbol)``; trading/core/maker_hours.py says how a
  schedule scores): ``observe(..., book=...)`` also takes every confirmed resting order of
  ours with the moment it rested. ``weighted_size_seconds``: the moment's figure (min of the
  two sides' weighted, capped size, base units) integrated over time; ``reward_seconds``:
  the time that figure was above zero (the tier's minutes). An interval is split where the
  figure changes by itself (an order reaching the minimum rest, a session edge), so both are
  exact between observations. Without a schedule, or for a symbol it does not pay, both
  stay 0.
- An interval longer than ``max_gap_seconds`` (the process was suspended, laptop sleep, a
  stalled loop) is counted as nothing at all, neither uptime nor dark; the hour in which the
  gap ENDS gets ``gaps += 1``. An interval of
  exactly ``max_gap_seconds`` still counts. A clock that steps backwards counts nothing
  until it passes the last observation again.
- ``pause(now)`` integrates up to ``now`` and stops the meter (engine stopped): observations
  while paused count nothing. ``resume(now)`` restarts it with both sides dark and no mark
  until the next ``observe`` (the engine observes right after resuming).
- ``record_requote(now)`` / ``record_fill(now)`` count into the hour of ``now``.
- ``merge(row)`` installs a persisted HourUptime (from an earlier process) as the BASELINE of
  its hour; ``hours()`` returns baseline + what this meter measured itself. Merging a row for
  the same hour again REPLACES the baseline, so reloading the same persisted rows never double
  counts. Only merge rows written by an earlier process: a row that already contains this
  meter's own measurements would be counted twice.
- ``prune(now, keep_hours=24)`` keeps the hour of ``now`` and the ``keep_hours - 1`` before.
- Durations are float seconds (not money), so sums are exact up to float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from trading.core.domain import bps_between
from trading.core.maker_hours import BookOrder, figure_changes, moment_figure
from trading.core.reward_schedule import RewardSchedule, SymbolTerms
from trading.core.times import HOUR as HOUR  # re-exported: the hour arithmetic's home is times
from trading.core.times import hour_start as hour_start

# The hours the history keeps and shows: this one and the 23 before it (the engine, the
# ledger, the database view and the chart).
HISTORY_HOURS = 24


def split_by_hour(start: float, end: float) -> list[tuple[int, float]]:
    """[(hour_start, seconds)] covering [start, end); empty when end <= start."""
    pieces: list[tuple[int, float]] = []
    cursor = start
    while cursor < end:
        hour = hour_start(cursor)
        boundary = hour + HOUR
        piece_end = min(boundary, end)
        pieces.append((hour, float(piece_end - cursor)))
        cursor = piece_end
    return pieces


@dataclass(frozen=True)
class SideState:
    """Whether a CONFIRMED resting order of ours exists on a side, its price and size."""

    resting: bool
    price: Decimal | None = None
    qty: Decimal | None = None

    @property
    def notional(self) -> float:
        return float(self.price * self.qty) if self.price is not None and self.qty else 0.0


DARK = SideState(False)


@dataclass(frozen=True)
class HourUptime:
    hour_start: int
    two_sided_seconds: float = 0.0
    in_band_seconds: float = 0.0
    bid_seconds: float = 0.0
    ask_seconds: float = 0.0
    bid_dark_ms: float = 0.0
    ask_dark_ms: float = 0.0
    running_seconds: float = 0.0
    counted_usd_seconds: float = 0.0  # min(bid, ask) notional integrated over in-band time
    weighted_size_seconds: float = 0.0  # the reward schedule's figure (base units) x seconds
    reward_seconds: float = 0.0  # seconds that figure was above zero
    requotes: int = 0
    fills: int = 0
    gaps: int = 0

    def plus(self, other: HourUptime) -> HourUptime:
        """Field-wise sum of two rows of the same hour."""
        if other.hour_start != self.hour_start:
            raise ValueError("cannot add rows of different hours")
        summed = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "hour_start"
        }
        return replace(self, **summed)


def _in_band(bid: SideState, ask: SideState, mark: Decimal | None, band_bps: Decimal) -> bool:
    if mark is None or mark <= 0 or bid.price is None or ask.price is None:
        return False
    return all(abs(bps_between(price, mark)) <= band_bps for price in (bid.price, ask.price))


class UptimeMeter:
    """Accumulates per-hour uptime from observations; see the module docstring."""

    def __init__(
        self,
        band_bps: Decimal,
        max_gap_seconds: float,
        schedule: RewardSchedule | None = None,
        symbol: str = "",
    ) -> None:
        self.band_bps = Decimal(band_bps)
        self.max_gap_seconds = float(max_gap_seconds)
        self.schedule = schedule
        self.terms: SymbolTerms | None = schedule.terms_for(symbol) if schedule else None
        self._book: tuple[BookOrder, ...] = ()
        self._own: dict[int, HourUptime] = {}
        self._baseline: dict[int, HourUptime] = {}
        self._last_at: float | None = None
        self._bid, self._ask = DARK, DARK
        self._mark: Decimal | None = None
        self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def observe(
        self,
        now: float,
        bid: SideState,
        ask: SideState,
        mark: Decimal | None,
        book: Sequence[BookOrder] = (),
    ) -> None:
        if self._paused:
            return
        self._integrate_until(now)
        self._bid, self._ask, self._mark, self._book = bid, ask, mark, tuple(book)

    def set_reward(self, now: float, schedule: RewardSchedule, symbol: str) -> None:
        """Score by `schedule` for `symbol` from `now` on (what came before keeps its terms)."""
        if not self._paused:
            self._integrate_until(now)
        self.schedule, self.terms = schedule, schedule.terms_for(symbol)

    def reward_figure(self, at: float) -> Decimal:
        """The moment's figure (min of the sides' weighted, capped size) in the current state."""
        if self.schedule is None:
            return Decimal(0)
        return moment_figure(self._book, self._mark, at, self.schedule, self.terms)

    def pause(self, now: float) -> None:
        if not self._paused:
            self._integrate_until(now)
        self._paused = True

    def resume(self, now: float) -> None:
        self._paused = False
        self._last_at = now
        self._bid, self._ask, self._mark, self._book = DARK, DARK, None, ()

    def record_requote(self, now: float) -> None:
        self._add(HourUptime(hour_start(now), requotes=1))

    def record_fill(self, now: float) -> None:
        self._add(HourUptime(hour_start(now), fills=1))

    def merge(self, row: HourUptime) -> None:
        self._baseline[row.hour_start] = row

    def hours(self) -> dict[int, HourUptime]:
        result = dict(self._baseline)
        for hour, own in self._own.items():
            result[hour] = result[hour].plus(own) if hour in result else own
        return dict(sorted(result.items()))

    def prune(self, now: float, keep_hours: int = 24) -> None:
        oldest = hour_start(now) - (keep_hours - 1) * HOUR
        for table in (self._own, self._baseline):
            for hour in [h for h in table if h < oldest]:
                del table[hour]

    def _integrate_until(self, now: float) -> None:
        previous, self._last_at = (
            self._last_at,
            (now if self._last_at is None else max(now, self._last_at)),
        )
        if previous is None or now <= previous:
            return
        if now - previous > self.max_gap_seconds:
            self._add(HourUptime(hour_start(now), gaps=1))
            return
        changes = (
            figure_changes(self._book, previous, now, self.schedule, self.terms)
            if self.schedule is not None
            else []
        )
        cuts = [previous, *changes, now]
        for start, end in zip(cuts, cuts[1:], strict=False):
            figure = float(self.reward_figure(start))
            for hour, seconds in split_by_hour(start, end):
                self._count(hour, seconds, figure)

    def counted_size(self) -> float:
        """min(bid, ask) notional when both rest in band now (what StandX counts), else 0."""
        if not (self._bid.resting and self._ask.resting) or not _in_band(
            self._bid, self._ask, self._mark, self.band_bps
        ):
            return 0.0
        return min(self._bid.notional, self._ask.notional)

    def _count(self, hour: int, seconds: float, figure: float) -> None:
        bid, ask = self._bid.resting, self._ask.resting
        both = bid and ask
        counted = self.counted_size()
        self._add(
            HourUptime(
                hour,
                running_seconds=seconds,
                two_sided_seconds=seconds if both else 0.0,
                in_band_seconds=seconds
                if both and _in_band(self._bid, self._ask, self._mark, self.band_bps)
                else 0.0,
                counted_usd_seconds=counted * seconds,
                weighted_size_seconds=figure * seconds,
                reward_seconds=seconds if figure > 0 else 0.0,
                bid_seconds=seconds if bid else 0.0,
                ask_seconds=seconds if ask else 0.0,
                bid_dark_ms=0.0 if bid else seconds * 1000,
                ask_dark_ms=0.0 if ask else seconds * 1000,
            )
        )

    def _add(self, amounts: HourUptime) -> None:
        hour = amounts.hour_start
        row = self._own.get(hour) or HourUptime(hour)
        self._own[hour] = row.plus(amounts)


# StandX's own in-band figure for an hour against ours (trading/engine/exchange_uptime.py).
DISAGREE_SECONDS = 180.0


def disagrees(hour: float, theirs: float, ours: float, now: float) -> bool:
    """Only a finished hour can be compared; a few minutes of difference is normal."""
    return now >= hour + HOUR and abs(theirs - ours) > DISAGREE_SECONDS
