"""Sync ORM functions for the engine, called from async code through `call()`.

Each function is one short transaction. A database error (SQLite locked, disk full, a
connection dropped) is logged and reported as a False/None result: the caller keeps its data
and retries next time. Nothing in here may crash the engine.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from trading.core.domain import Side, plain_or_none
from trading.core.pnl import FillRecord, PnlHour
from trading.core.times import iso_time
from trading.models import BotConfig, BotFill, OrderEvent, UptimeHour
from trading.models import PnlHour as PnlHourRow

log = logging.getLogger(__name__)

UTC = dt.UTC
UPTIME_FIELDS = (
    "two_sided_seconds",
    "in_band_seconds",
    "bid_seconds",
    "ask_seconds",
    "bid_dark_ms",
    "ask_dark_ms",
    "running_seconds",
    "counted_usd_seconds",
    "weighted_size_seconds",
    "reward_seconds",
    "requotes",
    "fills",
)
# Beside the meter's sums, an hour row keeps its reward estimate (trading/core/maker_hours.py):
# the Maker Hours, the schedule that scored them and, for snapshot scoring, the samples.
REWARD_FIELDS = ("maker_hours", "reward_schedule", "size_samples")
UPTIME_KEEP_HOURS = 24 * 7  # the dashboard shows 24 h; a week leaves room for a review
EVENT_KEEP_HOURS = 24 * 7
FILL_KEEP_HOURS = 24 * 30  # a month of fills: enough to judge markouts and costs
# Longer than SQLite's busy timeout on purpose: a call abandoned earlier may still commit in
# its thread, and a caller that took that for a failure would write the same rows twice.
# Waiting for the thread means the answer is the real outcome: done, or "database is locked".
STORE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class EventRecord:
    """One audit-log line as the engine produces it (epoch seconds, Decimals)."""

    kind: str
    at: float
    symbol: str = ""
    side: str = ""
    price: Decimal | None = None
    qty: Decimal | None = None
    cl_ord_id: str = ""
    message: str = ""

    def as_dict(self) -> dict:
        return {
            "at": iso_time(self.at),
            "kind": self.kind,
            "side": self.side,
            "price": plain_or_none(self.price),
            "qty": plain_or_none(self.qty),
            "cl_ord_id": self.cl_ord_id,
            "message": self.message,
        }


@dataclass(frozen=True)
class HourRow:
    """Figures of one UTC hour (hour = epoch seconds of its start)."""

    hour: float
    symbol: str = ""
    figures: dict = field(default_factory=dict)  # subset of UPTIME_FIELDS + REWARD_FIELDS


def to_datetime(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=UTC)


def busy_timeout() -> float:
    """SQLite's busy timeout as configured (sqlite3's default is 5 s)."""
    return float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5.0))


def default_timeout() -> float:
    return busy_timeout() + STORE_MARGIN_SECONDS


async def call(
    func: Callable[..., Any], *args: Any, timeout: float | None = None, default: Any = None
) -> Any:
    """Run a store function from async code: bounded, on Django's thread-sensitive executor.
    A timeout returns `default`; by default it is past the busy timeout (see above), so it
    only fires when the database hangs for another reason."""
    timeout = default_timeout() if timeout is None else timeout
    try:
        async with asyncio.timeout(timeout):
            return await sync_to_async(func, thread_sensitive=True)(*args)
    except TimeoutError:
        log.warning("database call %s timed out after %.0fs", func.__name__, timeout)
        return default


def _guarded(default: Any) -> Callable:
    """Turn a DatabaseError into a logged `default` result."""

    def wrap(func: Callable) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except DatabaseError as exc:
                log.warning("database error in %s (will retry later): %s", func.__name__, exc)
                return default

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        return run

    return wrap


# ---------------------------------------------------------------- schema and config


def unapplied_migrations() -> list[str]:
    """Names of migrations not yet applied (an unreachable database raises DatabaseError)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


@_guarded(None)
def load_config(bot: str) -> BotConfig | None:
    return BotConfig.load(bot)


@_guarded(None)
def bot_names() -> set[str] | None:
    return set(BotConfig.objects.values_list("name", flat=True))


@_guarded(None)
def config_updated_at(bot: str) -> dt.datetime | None:
    return BotConfig.objects.filter(name=bot).values_list("updated_at", flat=True).first()


@_guarded(False)
def set_run_state(bot: str, state: str, reason: str = "") -> bool:
    """Persist running/stopped/killed (+ why). Uses update() so a concurrent edit of the
    strategy fields from admin is not overwritten by a stale copy of the row."""
    with transaction.atomic():
        changed = BotConfig.objects.filter(name=bot).update(
            run_state=state, state_reason=reason[:300], updated_at=_now()
        )
    return changed > 0


def _now() -> dt.datetime:
    return dt.datetime.now(tz=UTC)


# ---------------------------------------------------------------- audit log


@_guarded(False)
def record_events(bot: str, events: Iterable[EventRecord]) -> bool:
    rows = [
        OrderEvent(
            bot=bot,
            at=to_datetime(e.at),
            kind=e.kind,
            symbol=e.symbol,
            side=e.side,
            price=e.price,
            qty=e.qty,
            cl_ord_id=e.cl_ord_id[:64],
            message=e.message[:500],
        )
        for e in events
    ]
    if rows:
        with transaction.atomic():
            OrderEvent.objects.bulk_create(rows)
    return True


@_guarded([])
def recent_events(bot: str, limit: int = 50) -> list[EventRecord]:
    rows = OrderEvent.objects.filter(bot=bot).order_by("-at", "-id")[:limit]
    return [
        EventRecord(
            r.kind, r.at.timestamp(), r.symbol, r.side, r.price, r.qty, r.cl_ord_id, r.message
        )
        for r in rows
    ]


# ---------------------------------------------------------------- uptime


@_guarded(False)
def upsert_uptime(bot: str, rows: Iterable[HourRow]) -> bool:
    """Write the current figures of each hour (absolute values, so a retry is idempotent)."""
    with transaction.atomic():
        for row in rows:
            values = {
                k: v for k, v in row.figures.items() if k in UPTIME_FIELDS or k in REWARD_FIELDS
            }
            if row.symbol:
                values["symbol"] = row.symbol
            UptimeHour.objects.update_or_create(
                bot=bot, hour=to_datetime(row.hour), defaults=values
            )
    return True


@_guarded(False)
def set_exchange_uptime(bot: str, hours: dict[float, float]) -> bool:
    """StandX's in-band seconds per hour (epoch hour start -> seconds), beside ours."""
    with transaction.atomic():
        for hour, seconds in hours.items():
            UptimeHour.objects.update_or_create(
                bot=bot, hour=to_datetime(hour), defaults={"exchange_in_band_seconds": seconds}
            )
    return True


@_guarded(None)
def load_exchange_uptime(bot: str, since: float) -> dict[float, float] | None:
    rows = UptimeHour.objects.filter(
        bot=bot, hour__gte=to_datetime(since), exchange_in_band_seconds__isnull=False
    )
    return {
        r.hour.timestamp(): r.exchange_in_band_seconds
        for r in rows
        if r.exchange_in_band_seconds is not None
    }  # the filter's isnull, for the type


@_guarded(None)
def load_uptime(bot: str, since: float) -> list[HourRow] | None:
    """Hours starting at or after `since`, oldest first (None on a database error)."""
    rows = UptimeHour.objects.filter(bot=bot, hour__gte=to_datetime(since)).order_by("hour")
    return [
        HourRow(
            r.hour.timestamp(),
            r.symbol,
            {k: getattr(r, k) for k in (*UPTIME_FIELDS, *REWARD_FIELDS)},
        )
        for r in rows
    ]


@_guarded(False)
def prune(bot: str, now: float) -> bool:
    """Drop uptime hours and audit events older than their retention."""
    with transaction.atomic():
        UptimeHour.objects.filter(
            bot=bot, hour__lt=to_datetime(now - UPTIME_KEEP_HOURS * 3600)
        ).delete()
        OrderEvent.objects.filter(
            bot=bot, at__lt=to_datetime(now - EVENT_KEEP_HOURS * 3600)
        ).delete()
        PnlHourRow.objects.filter(
            bot=bot, hour__lt=to_datetime(now - UPTIME_KEEP_HOURS * 3600)
        ).delete()
        BotFill.objects.filter(bot=bot, at__lt=to_datetime(now - FILL_KEEP_HOURS * 3600)).delete()
    return True


# ---------------------------------------------------------------- fills and money

PNL_FIELDS = (
    "symbol",
    "fills",
    "maker_fills",
    "taker_fills",
    "volume",
    "fees",
    "realized_pnl",
    "upnl_start",
    "upnl_end",
)


@_guarded(False)
def save_ledger(bot: str, fills: Iterable[FillRecord], hours: Iterable[PnlHour]) -> bool:
    """Fills (by trade id) and hour figures (absolute values) in one transaction, so a
    restart never finds a fill counted in an hour it cannot see, or the reverse; a retry
    writes the same rows again."""
    with transaction.atomic():
        for f in fills:
            BotFill.objects.update_or_create(bot=bot, trade_id=f.trade_id, defaults=_fill_row(f))
        for h in hours:
            PnlHourRow.objects.update_or_create(
                bot=bot, hour=to_datetime(h.hour), defaults={k: getattr(h, k) for k in PNL_FIELDS}
            )
    return True


def _fill_row(f: FillRecord) -> dict:
    return {
        "at": to_datetime(f.at),
        "symbol": f.symbol,
        "side": f.side.value,
        "price": f.price,
        "qty": f.qty,
        "fee": f.fee,
        "liquidity": f.liquidity,
        "realized_pnl": f.realized_pnl,
        "order_id": f.order_id,
        "cl_ord_id": f.cl_ord_id[:64],
        "markout_bps": f.markout_bps,
    }


def _exact(value: Decimal | None) -> Decimal | None:
    """A stored amount without the column's trailing zeros ("0.0066", not "0.0066000000")."""
    return None if value is None else value.normalize()


def fill_record(r: BotFill) -> FillRecord:
    return FillRecord(
        r.trade_id,
        r.at.timestamp(),
        r.symbol,
        Side(r.side),
        r.price.normalize(),
        r.qty.normalize(),
        r.fee.normalize(),
        r.liquidity,
        r.realized_pnl.normalize(),
        r.order_id,
        r.cl_ord_id,
        _exact(r.markout_bps),
    )


@_guarded(None)
def recent_fills(bot: str, limit: int = 20, since: float | None = None) -> list[FillRecord] | None:
    """The bot's latest fills, newest first."""
    rows = BotFill.objects.filter(bot=bot)
    if since is not None:
        rows = rows.filter(at__gte=to_datetime(since))
    return [fill_record(r) for r in rows.order_by("-at", "-trade_id")[:limit]]


@_guarded(None)
def last_trade_id(bot: str) -> int | None:
    """The highest trade id stored for the bot (0: none yet; None: database error)."""
    return (
        BotFill.objects.filter(bot=bot)
        .order_by("-trade_id")
        .values_list("trade_id", flat=True)
        .first()
        or 0
    )


@_guarded(None)
def load_pnl_hours(bot: str, since: float) -> list[PnlHour] | None:
    rows = PnlHourRow.objects.filter(bot=bot, hour__gte=to_datetime(since)).order_by("hour")
    return [pnl_hour(r) for r in rows]


def pnl_hour(r: PnlHourRow) -> PnlHour:
    return PnlHour(
        int(r.hour.timestamp()),
        r.symbol,
        r.fills,
        r.maker_fills,
        r.taker_fills,
        r.volume.normalize(),
        r.fees.normalize(),
        r.realized_pnl.normalize(),
        _exact(r.upnl_start),
        _exact(r.upnl_end),
    )
