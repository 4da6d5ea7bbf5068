"""StandX's own count of our maker uptime, beside ours.

Every few minutes the engine reads GET /api/maker/uptime (undocumented: it may be missing
or change shape, so a failure here is shown, never counted toward the kill switch), keeps
the exchange's hours in the database next to our own figures, and flags finished hours where
the two disagree by more than a few minutes: that is where our measurement, or our idea of
the rules, is wrong.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from trading import store
from trading.core.times import iso_time
from trading.core.uptime import HISTORY_HOURS, HOUR, disagrees, hour_start
from trading.engine.eventlog import EventLog
from trading.engine.uptime_keeper import UptimeKeeper
from trading.standx.errors import StandXError
from trading.standx.rest import StandXRest

log = logging.getLogger(__name__)


class ExchangeUptime:
    def __init__(
        self,
        bot: str,
        rest: StandXRest,
        uptime: UptimeKeeper,
        events: EventLog,
        clock: Callable[[], float],
        symbol: Callable[[], str],
    ):
        self.bot, self.rest, self.uptime, self.events = bot, rest, uptime, events
        self._clock, self._symbol = clock, symbol
        self.checked_at: float | None = None
        self.error: str | None = None
        self._flagged: set[int] = set()

    async def load(self) -> None:
        since = hour_start(self._clock()) - (HISTORY_HOURS - 1) * HOUR
        stored = await store.call(store.load_exchange_uptime, self.bot, since)
        self.uptime.exchange_hours.update({int(h): s for h, s in (stored or {}).items()})

    async def check(self) -> None:
        try:
            hours = await self.rest.query_maker_uptime(self._symbol())
        except StandXError as exc:
            self.error = f"{type(exc).__name__}: {exc}"[:200]
            log.info("maker uptime not available from the exchange: %s", self.error)
            return
        self.checked_at, self.error = self._clock(), None
        recent = {
            int(h): s
            for h, s in hours.items()
            if h >= hour_start(self._clock()) - (HISTORY_HOURS - 1) * HOUR
        }
        self.uptime.exchange_hours.update(recent)
        await store.call(store.set_exchange_uptime, self.bot, recent)
        self._flag_disagreements()

    def rows(self) -> list[dict]:
        """The hours the exchange reported, with ours beside them."""
        ours = self.uptime.meter.hours()
        now = self._clock()
        rows = []
        for hour, theirs in sorted(self.uptime.exchange_hours.items()):
            mine = ours[hour].in_band_seconds if hour in ours else 0.0
            rows.append(
                {
                    "hour": iso_time(hour),
                    "in_band_seconds": round(theirs, 1),
                    "ours": round(mine, 1),
                    "disagree": disagrees(hour, theirs, mine, now),
                }
            )
        return rows

    def view(self) -> dict:
        return {
            "checked_at": None if self.checked_at is None else iso_time(self.checked_at),
            "error": self.error,
            "hours": self.rows(),
        }

    def _flag_disagreements(self) -> None:
        for row in self.rows():
            hour = int(dt.datetime.fromisoformat(row["hour"]).timestamp())
            if row["disagree"] and hour not in self._flagged:
                self._flagged.add(hour)
                self.events.add(
                    "info",
                    f"maker uptime {row['hour'][:13]}h: StandX counts "
                    f"{row['in_band_seconds'] / 60:.1f} min in band, we "
                    f"measured {row['ours'] / 60:.1f} min",
                )
