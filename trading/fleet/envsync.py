"""The environment's strategy values after the first start, and sim kept apart from live.

The rule a trader can rely on: the `.env` values (SYMBOL, SPREAD_BPS, ...) seed a bot's row
on its first start; after that the row is what the engine quotes, and

- a value changed in `.env` since the bot's last start is applied at the next start, and
  said so ("SPREAD_BPS changed in .env 50 -> 8: applied");
- a value changed in the dashboard, admin or API lasts until `.env` changes that value.

To tell the two apart each row keeps what the environment said at its last start
(`BotConfig.last_start`: the mode and the env-seeded values as text; never a secret).

The same field keeps simulator history out of live: each mode has its own SQLite file by
default (mmsite/settings.py), and a database whose bot last ran in the other mode (one
SQLITE_PATH or DATABASE_URL for both) is refused with the fix, before anything is written.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from trading.core.bot_settings import SPEC
from trading.core.domain import plain
from trading.models import BotConfig

log = logging.getLogger("trading.runbot")


def variable(field: str) -> str:
    """The environment variable that seeds a field (symbol -> SYMBOL, spread_bps -> ...)."""
    return SPEC[field].env


def as_text(value: object) -> str:
    """One spelling per value: "50", "50.0" and "5E+1" are the same spread."""
    return plain(value) if isinstance(value, Decimal) else str(value)


def environment_values() -> dict[str, str]:
    return {field: as_text(value) for field, value in settings.BOT_DEFAULTS.items()}


def sync_with_environment(bot: str, mode: str) -> list[str]:
    """Apply what changed in `.env` since the bot's last start to its row and record what
    `.env` says now; the lines to print and log. Runs in a thread (ORM). Raises
    CommandError, changing nothing, when the row belongs to the other mode or the changed
    values do not fit the row's others."""
    with transaction.atomic():
        row = BotConfig.objects.select_for_update().filter(name=bot).first()
        if row is None:
            return []
        last = row.last_start or {}
        check_mode(bot, last.get("mode"), mode)
        now = environment_values()
        before = last.get("env")
        if before is None:
            notes = differences_kept(row, now)
        else:
            known = problems_of(row)  # a bad stored value is the runner's to report
            notes = apply_changes(row, before, now)
            validate(row, bot, [f for f in now if before.get(f) != now[f]], known)
        row.last_start = {"mode": mode, "env": now}
        row.save()
    return notes


def check_mode(bot: str, last_mode: str | None, mode: str) -> None:
    if last_mode is None or last_mode == mode:
        return
    raise CommandError(
        f"bot {bot!r} in this database last ran in {last_mode} mode, and this is {mode} "
        f"mode: {last_mode} history, run state and settings must not show up as {mode}'s. "
        "By default each mode has its own SQLite file in DATA_DIR (db.sqlite3 for sim, "
        "paper.sqlite3 for paper, live.sqlite3 for live); SQLITE_PATH or DATABASE_URL "
        "points both modes at one "
        f"database here. Give {mode} mode its own: another SQLITE_PATH (or none), or "
        "another PostgreSQL database in DATABASE_URL, then run `manage.py migrate`."
    )


def apply_changes(row: BotConfig, before: dict, now: dict[str, str]) -> list[str]:
    notes = []
    for field, value in now.items():
        if before.get(field) == value:
            continue
        stored = as_text(getattr(row, field))
        setattr(row, field, settings.BOT_DEFAULTS[field])
        was = "" if stored in (value, before.get(field)) else f" (replacing {stored}, set by hand)"
        notes.append(
            f"bot {row.name}: {variable(field)} changed in .env "
            f"{before.get(field, '(unset)')} -> {value}: applied{was}"
        )
    return notes


def differences_kept(row: BotConfig, now: dict[str, str]) -> list[str]:
    """No record of an earlier .env (a row from before this rule, or made in admin): the
    row's values stay; say where they differ from .env, and how to apply .env's."""
    notes = []
    for field, value in now.items():
        stored = as_text(getattr(row, field))
        if stored != value:
            notes.append(
                f"bot {row.name}: {variable(field)} is {value} in .env but the bot uses "
                f"{stored} (set in the dashboard, admin, the API or an earlier .env): "
                f"keeping {stored}; from now on a change of {variable(field)} in .env "
                "applies at the next start"
            )
    return notes


def problems_of(row: BotConfig) -> set[tuple[str, str]]:
    """(field, message) of every rule the row breaks, by the forms' own rules."""
    try:
        row.full_clean(validate_unique=False)
    except ValidationError as exc:
        return {(f, m) for f, messages in exc.message_dict.items() for m in messages}
    return set()


def validate(row: BotConfig, bot: str, changed: list[str], known: set[tuple[str, str]]) -> None:
    """The changed values with the row's others: a rule broken only now is refused (one
    the row broke before, e.g. a symbol an older version stored, is not .env's doing)."""
    if not changed:
        return
    new = sorted(problems_of(row) - known)
    if new:
        problems = "; ".join(
            f"{variable(field) if field in changed else field}: {message}" for field, message in new
        )
        raise CommandError(
            f"bot {bot!r}: the values changed in .env ("
            + ", ".join(f"{variable(f)}={as_text(getattr(row, f))}" for f in changed)
            + f") do not fit the bot's other settings: {problems}. Nothing was changed: "
            "fix .env, or change the bot's other values in the dashboard first."
        )


NOT_STARTED = "not started: "


def note_start_problem(bot: str, problem: str | None) -> None:
    """Say on the bot's row (its dashboard page and overview row) why runbot did not start
    it, or clear that once it starts. Only the reason: the run state and `updated_at` stay,
    so the bot starts as it was once fixed, and runbot sees the fix as a change of the row.
    Runs in a thread (ORM); a database error is only logged (the terminal said it)."""
    rows = BotConfig.objects.filter(name=bot)
    try:
        if problem is None:
            rows.filter(state_reason__startswith=NOT_STARTED).update(state_reason="")
        else:
            rows.update(state_reason=(NOT_STARTED + problem)[:300])
    except DatabaseError as exc:
        log.warning("could not note bot %s's start problem: %s", bot, exc)
