"""The bots one `runbot` process runs: which ones, and each one's run (engine + lease).

A bot is a BotConfig row; its account comes from the environment (trading.fleet.accounts). Each
run holds the bot's lease (trading.fleet.lease) so no other process quotes it at the same time,
and stops on its own when the lease is lost, without disturbing the process's other bots.
"""

from __future__ import annotations

import asyncio
import logging

from django.conf import settings
from django.core.management.base import CommandError

from mmsite.logs import current_bot
from trading import bus
from trading.core.orders import bot_prefix
from trading.engine.engine import Engine
from trading.fleet.accounts import BOT_NAME
from trading.fleet.lease import LeaseKeeper, LeaseLost
from trading.models import BotConfig

log = logging.getLogger("trading.runbot")

# The engine's own clean stop is bounded inside this (5 + 10 + 15 s, engine/cleanup.py),
# and this inside systemd's TimeoutStopSec=45 (docs/operations.md): the exit status and the
# "orders may remain" line are always written before systemd would SIGKILL.
SHUTDOWN_GRACE_SECONDS = 35.0


def select_bots(names: list[str] | None) -> list[str]:
    """The bots to run: the named ones (a missing row is created from the environment's
    defaults), or every row; a fresh install gets 'default'. Runs in a thread (ORM)."""
    if names:
        for name in names:
            if not BOT_NAME.match(name):
                raise CommandError(
                    f"--bot {name!r} is not a bot name (letters, digits, '-' or '_', at most 40)"
                )
            BotConfig.load(name)
        chosen = list(dict.fromkeys(names))
    else:
        chosen = list(BotConfig.objects.order_by("name").values_list("name", flat=True)) or [
            BotConfig.load().name
        ]
    check_prefixes(
        settings.CL_ORD_PREFIX, set(BotConfig.objects.values_list("name", flat=True)) | set(chosen)
    )
    return chosen


def check_prefixes(base: str, bots) -> None:
    """Two bots with one order prefix would cancel each other's orders at startup: refuse.
    (Tags are 5 base-36 characters of a hash, so this is rare; renaming one bot fixes it.)"""
    seen: dict[str, str] = {}
    for bot in sorted(bots):
        prefix = bot_prefix(base, bot)
        if prefix in seen:
            raise CommandError(
                f"bots {seen[prefix]!r} and {bot!r} would share the order "
                f"prefix {prefix!r}: rename one of them"
            )
        seen[prefix] = bot


class BotRun:
    """One bot in this process: its engine and its lease, stopped as one."""

    def __init__(self, engine: Engine, keeper: LeaseKeeper):
        self.engine, self.keeper = engine, keeper
        self.bot = engine.bot
        self.lease_lost: LeaseLost | None = None
        self.error: BaseException | None = None
        # Why our orders may still rest on the exchange after the run (None: verified gone,
        # or another worker owns the bot's orders now).
        self.orders_in_doubt: str | None = None
        self.orders_at_stop = 0  # ours on the book when the stop began (the stop line says it)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Quote until stop(), the engine's own end or a lost lease; then stop cleanly,
        unless another worker owns the bot now. Never raises: a failure is kept in
        self.error, so one bot's end does not stop the others. Runs in its own task, so
        every line logged by it and the tasks it starts names the bot (mmsite.logs)."""
        current_bot.set(self.bot)
        engine_task = asyncio.create_task(self.engine.run(), name=f"engine-{self.bot}")
        watched = [
            engine_task,
            asyncio.create_task(self._stop.wait()),
            asyncio.create_task(self._hold_lease(), name=f"lease-{self.bot}"),
        ]
        try:
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            if self.lease_lost is not None and self.lease_lost.taken:
                # The new holder owns the bot's orders: a clean stop would cancel them.
                engine_task.cancel()
            else:
                self.orders_at_stop = len(self.engine.tracker.live_ids())
                await stop_engine(self.engine, engine_task)
            if self.lease_lost is None:
                await self.keeper.release()
        finally:
            for task in watched:
                task.cancel()
        await asyncio.wait([engine_task], timeout=5)  # a cancelled engine unwinds first
        bus.forget_snapshot(self.bot)  # this process's pages show the stored state again
        if engine_task.done() and not engine_task.cancelled():
            self.error = engine_task.exception()
        self.orders_in_doubt = self._orders_in_doubt()
        if self.error is not None:  # the exit report says it too; where, at debug level
            log.error(
                "bot %s stopped on an error: %s: %s",
                self.bot,
                type(self.error).__name__,
                self.error,
            )
            log.debug("bot %s stopped on an error", self.bot, exc_info=self.error)

    def _orders_in_doubt(self) -> str | None:
        if self.lease_lost is not None and self.lease_lost.taken:
            return None  # the new holder owns them
        if not self.engine.started:
            return None  # it never got to quote: no order of this run exists
        result = self.engine.shutdown_result
        if result is None:
            return "the engine did not finish its clean stop, so nothing was verified"
        return None if result.verified else result.describe()

    async def _hold_lease(self) -> None:
        """Renew until cancelled; a lost lease ends the run (recorded, not raised)."""
        try:
            await self.keeper.keep()
        except LeaseLost as exc:
            log.error("%s: stopping bot %s", exc, self.bot)
            self.lease_lost = exc


async def stop_engine(engine: Engine, engine_task: asyncio.Task) -> None:
    """The engine's clean stop (cancel all our orders, verified), bounded."""
    engine.request_shutdown()
    try:
        async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
            await asyncio.shield(engine_task)
    except TimeoutError:
        log.error(
            "bot %s did not stop within %.0fs; abandoning it", engine.bot, SHUTDOWN_GRACE_SECONDS
        )
        engine_task.cancel()
    except Exception:  # noqa: BLE001  the run reads it from the task
        pass
