"""A lease on a bot name, so two engine workers never quote the same bot.

The lease is a BotLease row (holder, expires_at) in the shared database: SQLite for one
machine, PostgreSQL for the split deployment. Every change is one conditional UPDATE inside
a short transaction, which both databases apply atomically: of two workers racing for a free
or expired row, exactly one matches the WHERE clause. A holder renews well before expiry; a
worker that dies stops renewing, and once `expires_at` has passed another worker may take
the bot over (its startup then cancels the orphan orders the dead one left).

Times are the workers' wall clocks (keep hosts on NTP; the TTL must dwarf their skew). A
holder never trusts the row alone: it counts its own validity on a monotonic clock from the
moment it *sent* the last successful renewal, and gives the bot up (LeaseLost) with a third
of the TTL to spare, so its clean stop ends before anyone else may start.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import Error as DjangoDatabaseError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from trading.models import BotLease

log = logging.getLogger(__name__)

FREE_UNTIL = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class LeaseLost(Exception):
    """Another worker holds the bot now, or renewals failed for too long: stop quoting."""


class LeaseUnavailable(Exception):
    """The bot stayed held by another worker for the whole bounded wait."""


@dataclass(frozen=True)
class Lease:
    bot: str
    holder: str
    expires_at: dt.datetime
    generation: int


def new_holder_id() -> str:
    """host:pid:random, unique per worker run; readable in logs and in the admin."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def _lease(row: BotLease) -> Lease:
    return Lease(row.bot, row.holder, row.expires_at, row.generation)


def _ensure_row(bot: str) -> None:
    """The bot's row exists (free) before anyone races for it; a racing creator's insert
    hits the unique constraint, which is fine: the row is there either way."""
    if BotLease.objects.filter(bot=bot).exists():
        return
    try:
        with transaction.atomic():
            BotLease.objects.create(bot=bot, holder="", expires_at=FREE_UNTIL)
    except IntegrityError:
        pass


def acquire(bot: str, holder: str, ttl: float, now: dt.datetime | None = None) -> Lease | None:
    """Take the bot if it is free, expired or already ours; None while another holds it."""
    now = now or timezone.now()
    until = now + dt.timedelta(seconds=ttl)
    _ensure_row(bot)
    with transaction.atomic():
        rows = BotLease.objects.filter(bot=bot)
        taken = rows.filter((Q(holder="") | Q(expires_at__lte=now)) & ~Q(holder=holder)).update(
            holder=holder, expires_at=until, generation=F("generation") + 1, acquired_at=now)
        if not taken:
            taken = rows.filter(holder=holder).update(expires_at=until)
        return _lease(rows.get()) if taken else None


def renew(bot: str, holder: str, ttl: float, now: dt.datetime | None = None) -> Lease | None:
    """Push our expiry forward; None when the bot is no longer ours (taken over)."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = BotLease.objects.filter(bot=bot, holder=holder)
        if not rows.update(expires_at=now + dt.timedelta(seconds=ttl)):
            return None
        return _lease(rows.get())


def release(bot: str, holder: str) -> bool:
    """Free the bot at once (clean stop), only if it is still ours."""
    with transaction.atomic():
        return bool(BotLease.objects.filter(bot=bot, holder=holder).update(
            holder="", expires_at=FREE_UNTIL))


def current(bot: str, now: dt.datetime | None = None) -> Lease | None:
    """The live lease on `bot`, or None when it is free or expired."""
    now = now or timezone.now()
    row = BotLease.objects.filter(bot=bot, expires_at__gt=now).exclude(holder="").first()
    return _lease(row) if row else None


class LeaseKeeper:
    """Async holder of one bot's lease for a worker: acquire (bounded wait), keep (renew
    until lost or cancelled), release. Database calls run on the keeper's own thread, so a
    renewal never queues behind the engine's database work."""

    def __init__(self, bot: str, ttl: float, holder: str | None = None, clock=time.monotonic):
        self.bot, self.ttl = bot, float(ttl)
        self.holder = holder or new_holder_id()
        self.renew_every = self.ttl / 3
        self.clock = clock
        self.lease: Lease | None = None
        self._valid_until = 0.0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"lease-{bot}")

    async def _db(self, func, *args):
        def run():
            close_old_connections()     # drop a connection the server closed or that aged out
            return func(*args)
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.renew_every):
            return await loop.run_in_executor(self._thread, run)

    async def acquire(self, wait: float, poll: float = 1.0) -> Lease:
        """Take the lease, polling while another worker holds it, for at most `wait` s."""
        deadline = self.clock() + wait
        announced = False
        while True:
            sent = self.clock()
            try:
                self.lease = await self._db(acquire, self.bot, self.holder, self.ttl)
            except (DjangoDatabaseError, TimeoutError) as exc:
                log.warning("lease on bot %s: database unavailable (%s)", self.bot, type(exc).__name__)
                self.lease = None
            if self.lease is not None:
                self._valid_until = sent + self.ttl
                log.info("lease on bot %s taken by %s (generation %d, ttl %.0fs)",
                         self.bot, self.holder, self.lease.generation, self.ttl)
                return self.lease
            if not announced:
                announced = await self._announce_wait(wait)
            if self.clock() >= deadline:
                raise LeaseUnavailable(f"bot {self.bot!r} is still held by another worker "
                                       f"after waiting {wait:.0f}s")
            await asyncio.sleep(max(0.0, min(poll, deadline - self.clock())))

    async def _announce_wait(self, wait: float) -> bool:
        try:
            other = await self._db(current, self.bot)
        except (DjangoDatabaseError, TimeoutError):
            return False
        if other is not None:
            log.warning("bot %s is held by %s until %s; waiting up to %.0fs for its lease",
                        self.bot, other.holder, other.expires_at.isoformat(timespec="seconds"), wait)
        return other is not None

    async def keep(self) -> None:
        """Renew every ttl/3 until cancelled. Raises LeaseLost when another worker took the
        bot, or when failed renewals leave less than a third of the TTL of sure validity."""
        while True:
            await asyncio.sleep(self.renew_every)
            sent = self.clock()
            try:
                renewed = await self._db(renew, self.bot, self.holder, self.ttl)
            except (DjangoDatabaseError, TimeoutError) as exc:
                log.warning("lease on bot %s: renewal failed (%s)", self.bot, type(exc).__name__)
                if self.clock() >= self._valid_until - self.renew_every:
                    raise LeaseLost(f"could not renew the lease on bot {self.bot!r} in time") from None
                continue
            if renewed is None:
                raise LeaseLost(f"the lease on bot {self.bot!r} was taken by another worker")
            self.lease, self._valid_until = renewed, sent + self.ttl

    async def release(self) -> None:
        """Give the bot up (bounded; an unreleased lease simply expires)."""
        try:
            if await self._db(release, self.bot, self.holder):
                log.info("lease on bot %s released", self.bot)
        except (DjangoDatabaseError, TimeoutError) as exc:
            log.warning("lease on bot %s not released (%s); it expires in %.0fs",
                        self.bot, type(exc).__name__, self.ttl)

    async def aclose(self) -> None:
        """Close the keeper thread's connection (bounded), then the thread."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(5):
                await loop.run_in_executor(self._thread, connection.close)
        except (DjangoDatabaseError, TimeoutError):
            pass
        self._thread.shutdown(wait=False)
