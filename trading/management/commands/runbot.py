"""`python manage.py runbot`: the engines of the configured bots, the dashboard and (in sim
mode) the simulator in one process on one asyncio loop.

Thin on purpose: parse the options, check the database, hand over to
trading.fleet.runner.Runner, and turn its outcome into an exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from trading import store
from trading.fleet.runner import Runner

log = logging.getLogger("trading.runbot")


class Command(BaseCommand):
    help = (
        "Run the market-making engines of the configured bots with their dashboard "
        "(and the simulator in sim mode)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--duration",
            type=float,
            default=None,
            metavar="SECONDS",
            help="run this long, then stop cleanly (cancel all our orders)",
        )
        parser.add_argument(
            "--engine-only",
            action="store_true",
            help="do not serve the dashboard (split deployment)",
        )
        parser.add_argument(
            "--no-sim",
            action="store_true",
            help="in sim mode, use STANDX_API_BASE/STANDX_WS_URL instead of "
            "starting the bundled simulator",
        )
        parser.add_argument(
            "--bot",
            action="append",
            default=None,
            metavar="NAME",
            help="run this bot (repeatable; a missing one is created from the "
            "environment's defaults); default: every configured bot",
        )

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, **opts) -> None:
        if opts["duration"] is not None and opts["duration"] <= 0:
            raise CommandError("--duration must be a positive number of seconds")
        check_database()
        check_redis()
        try:
            asyncio.run(Runner(opts, say=self.say).run())
        except KeyboardInterrupt:  # a second Ctrl-C during the clean stop
            self.stderr.write("interrupted during shutdown")
            sys.exit(1)
        except CommandError:
            raise
        except Exception as exc:  # one paragraph for the user; where it was, at debug
            error = first_error(exc)  # a task of the TaskGroup failed for good
            if isinstance(error, CommandError):
                raise error from None
            log.debug("runbot failed", exc_info=error)
            raise CommandError(
                f"runbot failed: {type(error).__name__}: {error} (LOG_LEVEL=debug shows "
                "where; please report it if the cause is not yours to fix)"
            ) from None


def first_error(group: BaseException) -> BaseException:
    while isinstance(group, BaseExceptionGroup) and group.exceptions:
        group = group.exceptions[0]
    return group


def check_database() -> None:
    try:
        pending = store.unapplied_migrations()
    except DatabaseError as exc:
        raise CommandError(f"cannot open the database {database_name()}: {exc}") from None
    if pending:
        raise CommandError(
            f"the database is not migrated ({len(pending)} migrations pending, e.g. "
            f"{pending[0]}); run `python manage.py migrate` (or `make run`, which does it)"
        )
    probe_write()


# A lock held by another writer passes (the lease waits for it, and the engine quotes through
# one); anything else will not heal by waiting.
TRANSIENT_WRITE_ERRORS = ("database is locked", "database table is locked")


def probe_write() -> None:
    """One write, rolled back: a read-only file or directory, a full disk or a read-only
    server fails here at once with its own words, instead of as a lease "still held by
    another worker" a minute later."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE django_migrations SET id = id WHERE id < 0")
            transaction.set_rollback(True)
    except DatabaseError as exc:
        if any(words in str(exc) for words in TRANSIENT_WRITE_ERRORS):
            log.warning("the database is locked by another writer at startup: %s", exc)
            return
        raise CommandError(f"cannot write to the database {database_name()}: {exc}") from None


def database_name() -> str:
    """The SQLite file, or name@host of a server (never its URL: that holds a password)."""
    db = connection.settings_dict
    return str(db["NAME"]) if connection.vendor == "sqlite" else f"{db['NAME']}@{db['HOST']}"


def check_redis() -> None:
    """CHANNEL_LAYER=redis: one ping now, so a wrong REDIS_URL or a Redis not started yet is
    one sentence (and a restart by systemd), not a bot no web tier ever sees."""
    if settings.CHANNEL_LAYER != "redis":
        return
    import redis

    where = redis_location(settings.REDIS_URL)
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        with contextlib.closing(client):
            client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise CommandError(
            f"cannot reach Redis at {where} ({type(exc).__name__}): CHANNEL_LAYER=redis needs "
            "it for the web tier to see the engines. Start Redis, fix REDIS_URL, or set "
            "CHANNEL_LAYER=memory to run everything in this one process."
        ) from None


def redis_location(url: str) -> str:
    """host:port (or the socket path) of REDIS_URL, never its password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or '?'}:{parts.port or 6379}"
