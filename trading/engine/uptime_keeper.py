"""The engine's side of uptime: feeds the pure UptimeMeter with confirmed resting state,
persists its hours (so a restart continues the hour) and renders them for the snapshot.

Also the reward estimate: the meter integrates the reward schedule's figure from every
confirmed resting order of ours (trading/core/maker_hours.py); the keeper samples it for a
snapshot-scored schedule, persists each hour's Maker Hours beside its uptime and renders
them (`hour_rewards`, `reward`: what the dashboard, API and alerts can read). And the engine's
own dark intervals per side (the benchmark's "dark ms per requote").
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from trading import store
from trading.core.bot_settings import DEFAULTS
from trading.core.domain import LiveOrder, Side, plain
from trading.core.maker_hours import BookOrder, hour_maker_hours, maker_hours_by_day
from trading.core.reward import SizeSampler, percentile_descending, tier_budget
from trading.core.reward_schedule import SNAPSHOTS, RewardSchedule
from trading.core.times import iso_time
from trading.core.uptime import (
    DARK,
    HISTORY_HOURS,
    HOUR,
    HourUptime,
    SideState,
    UptimeMeter,
    hour_start,
)
from trading.schedules import load_schedule

log = logging.getLogger(__name__)

MAX_GAP_SECONDS = 5.0  # the engine observes at least once a second; more is a stall
SAVED_FIELDS = store.UPTIME_FIELDS  # the figures an hour row keeps


def side_state(order: LiveOrder | None) -> SideState:
    return DARK if order is None else SideState(True, order.price, order.qty - order.fill_qty)


def _usd(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


UNEQUAL_SHARE = 0.1  # sizes differing by more than this share waste reward


def unequal_sizes(bid: SideState, ask: SideState) -> str | None:
    """StandX counts min(bid, ask): what the larger side rests beyond it earns nothing."""
    small, large = sorted((bid.notional, ask.notional))
    if not bid.resting or not ask.resting or large <= small * (1 + UNEQUAL_SHARE):
        return None
    side = "ask" if ask.notional > bid.notional else "bid"
    return (
        f"bid {bid.notional:.2f} USD vs ask {ask.notional:.2f} USD: StandX counts the "
        f"smaller side, so {large - small:.2f} USD of the {side} earns nothing "
        f"(set BID_NOTIONAL and ASK_NOTIONAL equal)"
    )


def book_orders(orders: Iterable[LiveOrder]) -> list[BookOrder]:
    """Our confirmed resting orders as the reward counts them: unfilled size, rest time."""
    return [
        BookOrder(o.side, o.price, o.qty - o.fill_qty, o.rested_at)
        for o in orders
        if o.rested_at is not None
    ]


def _text(value: Decimal | None, places: int = 6) -> str | None:
    """Maker Hours and sizes to `places` decimals, written the one way ("0.8")."""
    return None if value is None else plain(round(value, places))


@dataclass(frozen=True)
class HourReward:
    """One UTC hour under the reward schedule: Maker Hours (None: the schedule gives the
    symbol no unit), the tier reached, and the sums they come from."""

    hour: int
    maker_hours: Decimal | None
    tier: str | None
    reward_seconds: float
    weighted_size_seconds: float


class UptimeKeeper:
    def __init__(
        self,
        bot: str,
        clock: Callable[[], float],
        band_bps: Decimal = DEFAULTS.uptime_band_bps,  # the row's, once read (set_band)
        max_gap_seconds: float = MAX_GAP_SECONDS,
        schedule: RewardSchedule | None = None,
        symbol: Callable[[], str] = lambda: "",
    ):
        self.bot = bot
        self._clock = clock
        self.schedule = schedule or load_schedule()
        self._symbol, self._scored_symbol = symbol, symbol()
        self.meter = UptimeMeter(band_bps, max_gap_seconds, self.schedule, self._scored_symbol)
        # The size that counts, at random moments (seeded per bot: reproducible runs).
        self.sampler = SizeSampler(rng=random.Random(bot))
        # A snapshot-scored schedule's figure at its own random moments (X70/X50).
        self.reward_sampler = (
            SizeSampler(
                self.schedule.snapshots_per_hour, random.Random(f"{bot}:reward"), HISTORY_HOURS
            )
            if self.schedule.scoring == SNAPSHOTS
            else None
        )
        self.exchange_hours: dict[int, float] = {}  # StandX's own in-band seconds
        self.dark_ms: dict[Side, deque[float]] = {s: deque(maxlen=100_000) for s in Side}
        self._dark_since: dict[Side, float | None] = {Side.BUY: None, Side.SELL: None}
        self._seen_resting = {Side.BUY: False, Side.SELL: False}

    # ------------------------------------------------------------------ feeding

    def set_band(self, band_bps: Decimal) -> None:
        self.meter.band_bps = Decimal(band_bps)

    def observe(
        self,
        now: float,
        bid: LiveOrder | None,
        ask: LiveOrder | None,
        mark: Decimal | None,
        running: bool,
        book: Iterable[LiveOrder] = (),
    ) -> None:
        """Running: integrate the interval since the last call; not running (stopped or
        killed by a person or the kill switch): pause, so that time is neither up nor dark.
        `book`: every confirmed resting order of ours (the reward counts them all)."""
        if self._symbol() != self._scored_symbol:
            self._scored_symbol = self._symbol()
            self.meter.set_reward(now, self.schedule, self._scored_symbol)
        if not running:
            if not self.meter.paused:
                self.meter.pause(now)
            self._dark_since = {Side.BUY: None, Side.SELL: None}
            self._seen_resting = {Side.BUY: False, Side.SELL: False}
            return
        if self.meter.paused:
            self.meter.resume(now)
        self.meter.observe(now, side_state(bid), side_state(ask), mark, book_orders(book))
        self.sampler.observe(now, self.meter.counted_size())
        if self.reward_sampler is not None:
            self.reward_sampler.observe(now, float(self.meter.reward_figure(now)))
        self._track_dark(now, Side.BUY, bid is not None)
        self._track_dark(now, Side.SELL, ask is not None)

    def _track_dark(self, now: float, side: Side, resting: bool) -> None:
        """Dark intervals of a side after it first rested (startup is not a requote)."""
        if resting:
            since = self._dark_since[side]
            if since is not None:
                self.dark_ms[side].append((now - since) * 1000.0)
            self._dark_since[side], self._seen_resting[side] = None, True
        elif self._seen_resting[side] and self._dark_since[side] is None:
            self._dark_since[side] = now

    def record_requote(self, now: float) -> None:
        self.meter.record_requote(now)

    def record_fill(self, now: float) -> None:
        self.meter.record_fill(now)

    # ------------------------------------------------------------------ persistence

    async def load(self) -> None:
        """Merge the hours an earlier process saved (last 24 h) so this run continues them."""
        now = self._clock()
        since = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        rows = await store.call(store.load_uptime, self.bot, since)
        for row in rows or []:
            figures = {k: row.figures.get(k) or 0 for k in SAVED_FIELDS}
            self.meter.merge(HourUptime(int(row.hour), **figures))
            if self.reward_sampler is not None and row.figures.get("size_samples"):
                self.reward_sampler.samples[int(row.hour)] = list(row.figures["size_samples"])
        if rows:
            log.info("continuing uptime of %d earlier hour(s)", len(rows))

    async def save(self, symbol: str) -> bool:
        now = self._clock()
        self.meter.prune(now, HISTORY_HOURS)
        rows = [
            store.HourRow(hour, symbol, {**self._figures(h), **self._reward_figures(h)})
            for hour, h in self.meter.hours().items()
            if hour >= hour_start(now) - HOUR
        ]  # older hours no longer change
        return bool(await store.call(store.upsert_uptime, self.bot, rows, default=False))

    @staticmethod
    def _figures(row: HourUptime) -> dict:
        return {k: getattr(row, k) for k in SAVED_FIELDS}

    def _reward_figures(self, row: HourUptime) -> dict:
        samples = self._samples(row.hour_start)
        return {
            "maker_hours": self.hour_reward(row).maker_hours,
            "reward_schedule": self.schedule.name,
            "size_samples": samples if self.reward_sampler is not None else None,
        }

    # ------------------------------------------------------------------ reward

    def _samples(self, hour: int) -> list[float]:
        return [] if self.reward_sampler is None else self.reward_sampler.of_hour(hour)

    def hour_reward(self, row: HourUptime) -> HourReward:
        """The hour's Maker Hours under the schedule, for the symbol quoted now."""
        terms = self.meter.terms
        tier = self.schedule.tier_reached(row.reward_seconds)
        return HourReward(
            row.hour_start,
            hour_maker_hours(
                self.schedule,
                terms,
                row.weighted_size_seconds,
                row.reward_seconds,
                self._samples(row.hour_start),
            ),
            tier.name if tier is not None and terms is not None else None,
            row.reward_seconds,
            row.weighted_size_seconds,
        )

    def hour_rewards(self, now: float) -> dict[int, HourReward]:
        """Every hour of the last 24 (the one under way: so far), oldest first."""
        hours = self.meter.hours()
        first = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        return {
            hour: self.hour_reward(hours.get(hour) or HourUptime(hour))
            for hour in range(first, hour_start(now) + 1, HOUR)
        }

    def reward(self, now: float) -> dict:
        """This hour's and this UTC day's Maker Hours by the schedule, with what they rest on."""
        rewards = self.hour_rewards(now)
        this = rewards[hour_start(now)]
        days = maker_hours_by_day({h: r.maker_hours for h, r in rewards.items()})
        terms, elapsed = self.meter.terms, max(1.0, now - hour_start(now))
        return {
            "schedule": self.schedule.name,
            "schedule_source": self.schedule.describe(),
            "estimate": "our reading of StandX's rules (docs/standx-protocol.md §7.5)",
            "symbol": self._scored_symbol,
            "paid": terms is not None,
            "unit": _text(terms.unit if terms else None),
            "figure_now": _text(self.meter.reward_figure(now)),
            "hour": iso_time(this.hour),
            "maker_hours": _text(this.maker_hours),
            "tier": this.tier,
            "reward_minutes": round(this.reward_seconds / 60, 1),
            "weighted_size_mean": _text(Decimal(str(this.weighted_size_seconds / elapsed))),
            "today_maker_hours": _text(days.get(hour_start(now) - hour_start(now) % 86400)),
        }

    # ------------------------------------------------------------------ snapshot

    def current(self, now: float, target_minutes: int) -> dict:
        hour = hour_start(now)
        row = self.meter.hours().get(hour) or HourUptime(hour)
        return {
            "hour": iso_time(hour),
            "two_sided_seconds": round(row.two_sided_seconds, 3),
            "in_band_seconds": round(row.in_band_seconds, 3),
            "elapsed_seconds": round(now - hour, 3),
            "target_minutes": target_minutes,
            "requotes": row.requotes,
            "bid_dark_ms": round(row.bid_dark_ms, 1),
            "ask_dark_ms": round(row.ask_dark_ms, 1),
        }

    def tier(self, now: float) -> dict:
        """This hour's in-band minutes against the Uptime Program's tiers."""
        row = self.meter.hours().get(hour_start(now)) or HourUptime(hour_start(now))
        elapsed, left, tiers = tier_budget(row.in_band_seconds, now)
        next_hour = store.to_datetime(hour_start(now) + HOUR)
        return {
            "hour": iso_time(hour_start(now)),
            "in_band_minutes": round(row.in_band_seconds / 60, 1),
            "elapsed_minutes": elapsed,
            "minutes_left": left,
            "tiers": [
                {"name": t.name, "minutes": t.minutes, "needed": t.needed, "status": t.status}
                for t in tiers
            ],
            "next_hour": f"{next_hour:%H:%M} UTC",
        }

    def counted(self, now: float, bid: LiveOrder | None, ask: LiveOrder | None) -> dict:
        """The size StandX counts: now, this hour's time-weighted mean, X70/X50 of samples."""
        row = self.meter.hours().get(hour_start(now)) or HourUptime(hour_start(now))
        samples = self.sampler.of_hour(now)
        x70, x50 = percentile_descending(samples, 0.7), percentile_descending(samples, 0.5)
        mean = row.counted_usd_seconds / row.running_seconds if row.running_seconds else None
        return {
            "now_usd": _usd(self.meter.counted_size()),
            "hour_mean_usd": _usd(mean),
            "x70_usd": _usd(x70),
            "x50_usd": _usd(x50),
            "samples": len(samples),
            "unequal": unequal_sizes(side_state(bid), side_state(ask)),
        }

    def history(self, now: float) -> list[dict]:
        """The last 24 UTC hours, oldest first, zero where nothing was measured."""
        hours = self.meter.hours()
        first = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        rows = []
        for hour in range(first, hour_start(now) + 1, HOUR):
            row = hours.get(hour) or HourUptime(hour)
            exchange = self.exchange_hours.get(hour)
            rows.append(
                {
                    "hour": iso_time(hour),
                    "two_sided_seconds": round(row.two_sided_seconds, 3),
                    "in_band_seconds": round(row.in_band_seconds, 3),
                    "exchange_in_band_seconds": None if exchange is None else round(exchange, 3),
                    "maker_hours": _text(self.hour_reward(row).maker_hours),
                }
            )
        return rows
