"""The engine's audit log: every order action, fill, reject, kill, start/stop and config
change becomes an EventRecord, kept in memory for the snapshot and written to the database in
batches (store.record_events). A failed write keeps the batch for the next flush; the buffer is
bounded so a database that stays down cannot eat the process's memory."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from decimal import Decimal

from trading import store
from trading.core.domain import Side
from trading.store import EventRecord

log = logging.getLogger(__name__)

SNAPSHOT_EVENTS = 50
MAX_UNSAVED = 20_000


class EventLog:
    def __init__(self, bot: str, clock: Callable[[], float], symbol: Callable[[], str]):
        self.bot = bot
        self._clock = clock
        self._symbol = symbol
        self._recent: deque[EventRecord] = deque(maxlen=SNAPSHOT_EVENTS)
        self._unsaved: deque[EventRecord] = deque(maxlen=MAX_UNSAVED)

    def add(
        self,
        kind: str,
        message: str = "",
        *,
        side: Side | str | None = None,
        price: Decimal | None = None,
        qty: Decimal | None = None,
        cl_ord_id: str = "",
        at: float | None = None,
    ) -> EventRecord:
        side_text = side.value if isinstance(side, Side) else (side or "")
        record = EventRecord(
            kind,
            self._clock() if at is None else at,
            self._symbol(),
            side_text,
            price,
            qty,
            cl_ord_id,
            message,
        )
        if len(self._unsaved) == MAX_UNSAVED:
            log.warning("audit log buffer full (database down?); dropping the oldest event")
        self._recent.append(record)
        self._unsaved.append(record)
        return record

    def recent(self) -> list[dict]:
        """Newest first, as the snapshot wants them."""
        return [e.as_dict() for e in reversed(self._recent)]

    def seed(self, records: list[EventRecord]) -> None:
        """Show the last run's events on the dashboard at start (already saved)."""
        for record in reversed(records):
            self._recent.append(record)

    async def flush(self) -> bool:
        """Write what is pending in one transaction; on failure keep it for next time."""
        if not self._unsaved:
            return True
        batch, self._unsaved = list(self._unsaved), deque(maxlen=MAX_UNSAVED)
        ok = await store.call(store.record_events, self.bot, batch, default=False)
        if not ok:  # put the batch back in front of what arrived meanwhile
            newer = list(self._unsaved)
            self._unsaved = deque(batch + newer, maxlen=MAX_UNSAVED)
        return bool(ok)
