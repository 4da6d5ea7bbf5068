"""The bot's fills and money: every fill of ours once, however it arrives.

Fills come from the account `trade` channel. The stream has no replay, so after every
(re)connect of the account stream `query_trades` is asked for the trades since the last
one we have, and each trade id is taken once (stream and REST may arrive in either
order). A trade whose order we do not know yet (placed and filled while the stream was
down, or in an earlier run) is looked up once with `query_order` and kept when the
order's cl_ord_id carries our prefix. Each fill gets its markout: the mark 5 s later.
Trade ids are taken to grow with time (StandX's are one int64 sequence): after a restart
everything up to the highest stored id is known already.

Nothing here blocks quoting: the stream handler only records in memory; REST calls run in
the ledger's own supervised task, database writes in the engine's persist task.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from decimal import Decimal

from trading import store
from trading.core.domain import Fill
from trading.core.pnl import MARKOUT_SECONDS, FillRecord, PnlHour, liquidity, markout_bps
from trading.core.times import iso_epoch, iso_time
from trading.core.uptime import HISTORY_HOURS, HOUR, hour_start
from trading.engine.account_watch import AccountWatch
from trading.engine.eventlog import EventLog
from trading.engine.state import BotState
from trading.engine.uptime_keeper import UptimeKeeper
from trading.standx.errors import StandXError
from trading.standx.rest import StandXRest

log = logging.getLogger(__name__)

RECENT = 20
SEEN_LIMIT = 50_000  # trade ids remembered for de-duplication in one run
LOOKUPS_PER_PASS = 10
LOOKUP_ATTEMPTS = 5
BACKFILL_LIMIT = 500
BACKFILL_MARGIN_SECONDS = 60.0  # clock skew between us and the exchange's trade times
RETRY_SECONDS = 5.0


def trade_time(fill: Fill, default: float) -> float:
    at = iso_epoch(fill.time)
    return default if at is None else at


class Ledger:
    def __init__(
        self,
        state: BotState,
        rest: StandXRest,
        events: EventLog,
        uptime: UptimeKeeper,
        clock: Callable[[], float],
        refresh_every: float = 10.0,
    ):
        self.bot, self.rest, self.state, self.events = state.bot, rest, state, events
        self.uptime, self._clock, self.refresh_every = uptime, clock, refresh_every
        self.account = AccountWatch(rest, state, clock)
        self.hours: dict[int, PnlHour] = {}
        self.recent: deque[FillRecord] = deque(maxlen=RECENT)
        self.wake = asyncio.Event()
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._floor = 0  # trade ids up to this were stored by an earlier run
        self._last_time: float | None = None
        self._started_at = clock()
        self._dirty: dict[int, FillRecord] = {}
        self._markouts: list[tuple[float, int, FillRecord]] = []
        self._owners: OrderedDict[int, str] = OrderedDict()  # order id -> cl_ord_id, "" foreign
        self._unknown: dict[int, list[Fill]] = {}
        self._attempts: dict[int, int] = {}
        self._backfill_at: float | None = None

    # ------------------------------------------------------------------ startup

    async def load(self) -> None:
        """What an earlier run stored: the last trade id (backfill starts after it), the
        latest fills and the last 24 hours' money."""
        now = self._clock()
        floor = await store.call(store.last_trade_id, self.bot)
        self._floor = floor or 0
        for fill in reversed(await store.call(store.recent_fills, self.bot, RECENT) or []):
            self.recent.appendleft(fill)
            self._last_time = max(self._last_time or 0.0, fill.at)
        since = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        for hour in await store.call(store.load_pnl_hours, self.bot, since) or []:
            self.hours[hour.hour] = hour

    # ------------------------------------------------------------------ inputs

    def on_fill(self, fill: Fill, now: float) -> None:
        """A trade from the stream or from query_trades: taken once per trade id."""
        if fill.id is None:
            log.warning("a trade without an id cannot be de-duplicated; skipped")
            return
        if fill.id in self._seen or fill.id <= self._floor:
            return
        owner = self._owner(fill)
        if owner is None:  # not known yet: asked in the ledger's task
            self._unknown.setdefault(fill.order_id or 0, []).append(fill)
            self.wake.set()
            return
        self._remember(fill.id)
        if not owner:
            self.events.add(
                "fill",
                f"trade {fill.id} (not one of ours)",
                side=fill.side,
                price=fill.price,
                qty=fill.qty,
            )
            return
        self._record(fill, owner, now)

    def backfill_soon(self) -> None:
        """The account stream (re)connected: what it missed is only in query_trades."""
        self._backfill_at = self._clock()
        self.wake.set()

    def _owner(self, fill: Fill) -> str | None:
        cl_ord_id = self.state.tracker.fill_of(fill)
        if cl_ord_id:
            return cl_ord_id
        if fill.order_id is None:
            return ""
        return self._owners.get(fill.order_id)

    def _remember(self, trade_id: int) -> None:
        self._seen[trade_id] = None
        while len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)

    def _record(self, fill: Fill, cl_ord_id: str, now: float) -> None:
        at = trade_time(fill, now)
        record = FillRecord(
            fill.id or 0,
            at,
            fill.symbol,
            fill.side,
            fill.price,
            fill.qty,
            fill.fee,
            liquidity(fill.fee, fill.price * fill.qty),
            fill.pnl,
            fill.order_id,
            cl_ord_id,
        )
        self.events.add(
            "fill",
            f"trade {record.trade_id} {record.liquidity} fee {record.fee}",
            side=fill.side,
            price=fill.price,
            qty=fill.qty,
            cl_ord_id=cl_ord_id,
        )
        self.uptime.record_fill(now)
        self._hour(hour_start(at), fill.symbol).add_fill(record)
        self.recent.appendleft(record)
        self._last_time = max(self._last_time or 0.0, at)
        self._dirty[record.trade_id] = record
        self.account.refresh_soon()  # the position and the balance changed
        due = at + MARKOUT_SECONDS
        if due >= now - 1.0:  # an old fill found by a backfill has no 5 s mark to take
            heapq.heappush(self._markouts, (due, record.trade_id, record))
        self.wake.set()

    def _hour(self, hour: int, symbol: str) -> PnlHour:
        row = self.hours.get(hour)
        if row is None:
            row = self.hours[hour] = PnlHour(hour, symbol)
            previous = self.hours.get(hour - HOUR)
            if previous is not None and previous.upnl_end is not None:
                row.upnl_start = previous.upnl_end  # the hour starts where the last ended
        return row

    # ------------------------------------------------------------------ the task

    async def run(self) -> None:
        """Markouts when due, backfills, order look-ups and account refreshes."""
        while True:
            await self._sleep()
            now = self._clock()
            self.observe(now)
            self._take_markouts(now)
            if self._backfill_at is not None and now >= self._backfill_at:
                await self.backfill()
            if self._unknown:
                await self._look_up_orders()
            if now >= self.account.next_at:
                self.account.next_at = now + self.refresh_every
                await self.account.refresh()

    async def _sleep(self) -> None:
        now = self._clock()
        wait = min(1.0, max(0.0, self.account.next_at - now))
        if self._markouts:
            wait = min(wait, max(0.0, self._markouts[0][0] - now))
        try:
            async with asyncio.timeout(wait):
                await self.wake.wait()
        except TimeoutError:
            pass
        self.wake.clear()

    def observe(self, now: float) -> None:
        """The unrealised PnL of the bot's symbol, for this hour's change."""
        if self.state.symbol:
            hour = self._hour(hour_start(now), self.state.symbol)
            hour.observe_upnl(self.account.upnl_of(self.state.symbol))

    def _take_markouts(self, now: float) -> None:
        while self._markouts and self._markouts[0][0] <= now:
            _, _, record = heapq.heappop(self._markouts)
            mark = self.account.mark_of(record.symbol)
            if mark is not None:
                record.markout_bps = markout_bps(record.side, record.price, mark)
                self._dirty[record.trade_id] = record

    async def backfill(self) -> bool:
        """Trades since the last one we have (by time, with a margin), each taken once."""
        start = (self._last_time or self._started_at) - BACKFILL_MARGIN_SECONDS
        iso = iso_time(start)
        try:
            async with asyncio.timeout(10.0):
                fills = await self.rest.query_trades(start=iso, limit=BACKFILL_LIMIT)
        except (StandXError, TimeoutError) as exc:
            log.warning("trade backfill failed (%s); retrying", type(exc).__name__)
            self._backfill_at = self._clock() + RETRY_SECONDS
            return False
        self._backfill_at = None
        if len(fills) >= BACKFILL_LIMIT:
            log.warning("trade backfill hit %d rows: older missed fills not taken", len(fills))
        now = self._clock()
        for fill in sorted(fills, key=lambda f: f.id or 0):
            self.on_fill(fill, now)
        return True

    async def _look_up_orders(self) -> None:
        """Whose are the trades of orders we do not know: query_order says the cl_ord_id."""
        for order_id in list(self._unknown)[:LOOKUPS_PER_PASS]:
            owner = await self._ask_owner(order_id)
            if owner is None:
                continue
            self._owners[order_id] = owner
            while len(self._owners) > SEEN_LIMIT:
                self._owners.popitem(last=False)
            now = self._clock()
            for fill in self._unknown.pop(order_id, []):
                self.on_fill(fill, now)

    async def _ask_owner(self, order_id: int) -> str | None:
        if order_id == 0:
            return ""
        try:
            async with asyncio.timeout(self.account.timeout):
                order = await self.rest.query_order(order_id=order_id)
        except (StandXError, TimeoutError) as exc:
            tries = self._attempts[order_id] = self._attempts.get(order_id, 0) + 1
            if tries < LOOKUP_ATTEMPTS:
                return None
            log.warning("order %s of a trade cannot be looked up (%s)", order_id, exc)
            return ""
        return order.cl_ord_id if self.state.tracker.is_ours(order.cl_ord_id) else ""

    # ------------------------------------------------------------------ persistence

    async def save(self) -> bool:
        """Fills new or changed since the last save, and the last two hours' money."""
        now = self._clock()
        dirty, self._dirty = self._dirty, {}
        hours = [h for k, h in self.hours.items() if k >= hour_start(now) - HOUR]
        saved = await store.call(
            store.save_ledger, self.bot, list(dirty.values()), hours, default=False
        )
        if not saved:
            self._dirty = {**dirty, **self._dirty}  # written next time
        cutoff = hour_start(now) - (HISTORY_HOURS - 1) * HOUR
        self.hours = {k: h for k, h in self.hours.items() if k >= cutoff}
        return bool(saved)

    def hour_of(self, now: float) -> PnlHour:
        return self.hours.get(hour_start(now)) or PnlHour(hour_start(now), self.state.symbol)

    def day_totals(self, now: float) -> tuple[int, Decimal, Decimal]:
        """Fills, fees and realised PnL of the UTC day so far."""
        day = now - now % 86400
        rows = [h for k, h in self.hours.items() if k >= day]
        return (
            sum(h.fills for h in rows),
            sum((h.fees for h in rows), Decimal("0")),
            sum((h.realized_pnl for h in rows), Decimal("0")),
        )
