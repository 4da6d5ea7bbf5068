"""The engine's side of uptime: feeds the pure UptimeMeter with confirmed resting state,
persists its hours (so a restart continues the hour) and renders them for the snapshot.

Also keeps the engine's own dark intervals per side (the benchmark's "dark ms per requote").
"""
from __future__ import annotations

import logging
from collections import deque
from decimal import Decimal
from typing import Callable

from trading import store
from trading.core.domain import LiveOrder, Side
from trading.core.uptime import DARK, HOUR, HourUptime, SideState, UptimeMeter, hour_start

log = logging.getLogger(__name__)

HISTORY_HOURS = 24
MAX_GAP_SECONDS = 5.0      # the engine observes at least once a second; more is a stall
SAVED_FIELDS = ("two_sided_seconds", "in_band_seconds", "bid_seconds", "ask_seconds",
                "bid_dark_ms", "ask_dark_ms", "requotes", "fills")


def side_state(order: LiveOrder | None) -> SideState:
    return DARK if order is None else SideState(True, order.price)


def _iso_hour(hour: int) -> str:
    return store.to_datetime(hour).isoformat()


class UptimeKeeper:
    def __init__(self, bot: str, clock: Callable[[], float],
                 band_bps: Decimal = Decimal("10"), max_gap_seconds: float = MAX_GAP_SECONDS):
        self.bot = bot
        self._clock = clock
        self.meter = UptimeMeter(band_bps, max_gap_seconds)
        self.dark_ms: dict[Side, deque[float]] = {s: deque(maxlen=100_000) for s in Side}
        self._dark_since: dict[Side, float | None] = {Side.BUY: None, Side.SELL: None}
        self._seen_resting = {Side.BUY: False, Side.SELL: False}

    # ------------------------------------------------------------------ feeding

    def set_band(self, band_bps: Decimal) -> None:
        self.meter.band_bps = Decimal(band_bps)

    def observe(self, now: float, bid: LiveOrder | None, ask: LiveOrder | None,
                mark: Decimal | None, running: bool) -> None:
        """Running: integrate the interval since the last call; not running (stopped or
        killed by a person or the kill switch): pause, so that time is neither up nor dark."""
        if not running:
            if not self.meter.paused:
                self.meter.pause(now)
            self._dark_since = {Side.BUY: None, Side.SELL: None}
            self._seen_resting = {Side.BUY: False, Side.SELL: False}
            return
        if self.meter.paused:
            self.meter.resume(now)
        self.meter.observe(now, side_state(bid), side_state(ask), mark)
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
            figures = {k: row.figures.get(k, 0) for k in SAVED_FIELDS}
            self.meter.merge(HourUptime(int(row.hour), **figures))
        if rows:
            log.info("continuing uptime of %d earlier hour(s)", len(rows))

    async def save(self, symbol: str) -> bool:
        now = self._clock()
        self.meter.prune(now, HISTORY_HOURS)
        rows = [store.HourRow(hour, symbol, {k: getattr(h, k) for k in SAVED_FIELDS})
                for hour, h in self.meter.hours().items()
                if hour >= hour_start(now) - HOUR]       # older hours no longer change
        return bool(await store.call(store.upsert_uptime, self.bot, rows, default=False))

    # ------------------------------------------------------------------ snapshot

    def current(self, now: float, target_minutes: int) -> dict:
        hour = hour_start(now)
        row = self.meter.hours().get(hour) or HourUptime(hour)
        return {"hour": _iso_hour(hour), "two_sided_seconds": round(row.two_sided_seconds, 3),
                "in_band_seconds": round(row.in_band_seconds, 3),
                "elapsed_seconds": round(now - hour, 3), "target_minutes": target_minutes,
                "requotes": row.requotes, "bid_dark_ms": round(row.bid_dark_ms, 1),
                "ask_dark_ms": round(row.ask_dark_ms, 1)}

    def history(self, now: float) -> list[dict]:
        """The last 24 UTC hours, oldest first, zero where nothing was measured."""
        hours = self.meter.hours()
        first = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        rows = []
        for hour in range(first, hour_start(now) + 1, HOUR):
            row = hours.get(hour) or HourUptime(hour)
            rows.append({"hour": _iso_hour(hour),
                         "two_sided_seconds": round(row.two_sided_seconds, 3),
                         "in_band_seconds": round(row.in_band_seconds, 3)})
        return rows
