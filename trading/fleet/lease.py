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
    """Stop quoting. `taken`: another worker holds the bot now (its orders are the new
    holder's: touch nothing); otherwise renewals failed for too long and the holder still
    has a third of the TTL to stop cleanly before anyone else may start."""

    def __init__(self, message: str, taken: bool = False):
        super().__init__(message)
        self.taken = taken


class LeaseUnavailable(Exception):
    """The bot stayed held by another worker for the whole bounded wait."""


@dataclass(frozen=True)
class Lease:
    bot: str
    holder: str
    expires_at: dt.datetime
    generation: int


def _pid_namespace() -> str:
    """Which PID namespace pids are numbered in (containers on one host differ)."""
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:[").rstrip("]")
    except OSError:
        return "-"


def new_holder_id() -> str:
    """host:pidns:pid:random, unique per worker run; readable in logs and in the admin."""
    host = socket.gethostname().replace(":", "_")[:60]
    return f"{host}:{_pid_namespace()}:{os.getpid()}:{secrets.token_hex(4)}"


def holder_died_here(holder: str) -> bool:
    """True only when `holder` ran on this host, in this PID namespace, and its process is
    gone: such a lease can be taken at once instead of after its TTL (a crashed worker
    restarted by its supervisor). Anything uncertain answers False, i.e. wait for the TTL."""
    parts = holder.rsplit(":", 3)
    mine = new_holder_id().rsplit(":", 3)
    if len(parts) != 4 or parts[:2] != mine[:2] or parts[1] == "-" or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but not ours to signal: alive
        return False
    return False


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
            holder=holder, expires_at=until, generation=F("generation") + 1, acquired_at=now
        )
        if not taken:
            taken = rows.filter(holder=holder).update(expires_at=until)
        return _lease(rows.get()) if taken else None


def take_from_dead(
    bot: str, holder: str, dead: str, ttl: float, now: dt.datetime | None = None
) -> Lease | None:
    """Take the bot from `dead` (a holder whose process is known gone) before its expiry;
    the condition on the exact holder id makes racing standbys take it at most once."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = BotLease.objects.filter(bot=bot)
        if not rows.filter(holder=dead).update(
            holder=holder,
            expires_at=now + dt.timedelta(seconds=ttl),
            generation=F("generation") + 1,
            acquired_at=now,
        ):
            return None
        return _lease(rows.get())


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
        return bool(
            BotLease.objects.filter(bot=bot, holder=holder).update(holder="", expires_at=FREE_UNTIL)
        )


def current(bot: str, now: dt.datetime | None = None) -> Lease | None:
    """The live lease on `bot`, or None when it is free or expired."""
    now = now or timezone.now()
    row = BotLease.objects.filter(bot=bot, expires_at__gt=now).exclude(holder="").first()
    return _lease(row) if row else None


class LeaseKeeper:
    """Async holder of one bot's lease for a worker: acquire (bounded wait), keep (renew
    until lost or cancelled), release. Database calls run on the keeper's own thread, so a
    renewal never queues behind the engine's database work."""

    def __init__(
        self,
        bot: str,
        ttl: float,
        holder: str | None = None,
        clock=time.monotonic,
        patient: bool = False,
    ):
        self.bot, self.ttl = bot, float(ttl)
        # patient: renewal failures alone never give the bot up, only a takeover does. Right
        # for a local SQLite file, whose lock stops every rival's takeover as surely as our
        # renewal (and a bot must keep quoting through a locked database).
        self.patient = patient
        self.holder = holder or new_holder_id()
        self.renew_every = self.ttl / 3
        self.clock = clock
        self.lease: Lease | None = None
        self._valid_until = 0.0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"lease-{bot}")

    async def _db(self, func, *args):
        def run():
            close_old_connections()  # drop a connection the server closed or that aged out
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
            failure = None
            try:
                self.lease = await self._db(self._try_take)
            except (DjangoDatabaseError, TimeoutError) as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                log.warning("lease on bot %s: database unavailable (%s)", self.bot, failure)
                self.lease = None
            if self.lease is not None:
                self._valid_until = sent + self.ttl
                log.info(
                    "lease on bot %s taken by %s (generation %d, ttl %.0fs)",
                    self.bot,
                    self.holder,
                    self.lease.generation,
                    self.ttl,
                )
                return self.lease
            if not announced:
                announced = await self._announce_wait(wait)
            if self.clock() >= deadline:
                # Blame a holder only when the database answered: a failing database says so.
                raise LeaseUnavailable(
                    f"bot {self.bot!r}: the database was unavailable to the end of a {wait:.0f}s "
                    f"wait for its lease ({failure})"
                    if failure
                    else f"bot {self.bot!r} is still held by another worker after waiting "
                    f"{wait:.0f}s"
                )
            await asyncio.sleep(max(0.0, min(poll, deadline - self.clock())))

    def _try_take(self) -> Lease | None:
        """Free, expired or ours: take it; held by a process that died on this host: take
        it from that holder at once (its orphans are cleaned by the engine's startup)."""
        taken = acquire(self.bot, self.holder, self.ttl)
        if taken is None:
            other = current(self.bot)
            if other is not None and holder_died_here(other.holder):
                log.warning(
                    "bot %s: holder %s is dead; taking its lease over now", self.bot, other.holder
                )
                taken = take_from_dead(self.bot, self.holder, other.holder, self.ttl)
        return taken

    async def _announce_wait(self, wait: float) -> bool:
        try:
            other = await self._db(current, self.bot)
        except (DjangoDatabaseError, TimeoutError):
            return False
        if other is not None:
            log.warning(
                "bot %s is held by %s until %s; waiting up to %.0fs for its lease",
                self.bot,
                other.holder,
                other.expires_at.isoformat(timespec="seconds"),
                wait,
            )
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
                if not self.patient and self.clock() >= self._valid_until - self.renew_every:
                    raise LeaseLost(
                        f"could not renew the lease on bot {self.bot!r} in time"
                    ) from None
                continue
            if renewed is None:
                raise LeaseLost(
                    f"the lease on bot {self.bot!r} was taken by another worker", taken=True
                )
            self.lease, self._valid_until = renewed, sent + self.ttl

    async def release(self) -> None:
        """Give the bot up (bounded; an unreleased lease simply expires)."""
        try:
            if await self._db(release, self.bot, self.holder):
                log.info("lease on bot %s released", self.bot)
        except (DjangoDatabaseError, TimeoutError) as exc:
            log.warning(
                "lease on bot %s not released (%s); it expires in %.0fs",
                self.bot,
                type(exc).__name__,
                self.ttl,
            )

    async def aclose(self) -> None:
        """Close the keeper thread's connection (bounded), then the thread."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(5):
                await loop.run_in_executor(self._thread, connection.close)
        except (DjangoDatabaseError, TimeoutError):
            pass
        self._thread.shutdown(wait=False)
