"""What the controls do, shared by the dashboard views, the API and admin.

The web tier never trades: it saves configuration and asks the engine (through trading.bus)
to start, stop, kill or reload its configuration. The engine is the single writer of
trading state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.db import transaction
from django.forms import ModelForm, model_to_dict

from dashboard.state import bot_config
from trading import bus
from trading.models import BotConfig

log = logging.getLogger(__name__)

ACTIONS = ("start", "stop", "kill")


@dataclass(frozen=True)
class Sent:
    ok: bool
    detail: str


def send(bot: str, action: str, user: str = "", source: str = "dashboard") -> Sent:
    """Ask the engine of `bot` to act (it logs who asked). Never raises: an unreachable
    engine is reported instead."""
    try:
        async_to_sync(bus.send_control)(bot, action, user=user, source=source)
    except bus.EngineUnreachable as exc:
        # In one process with no engine running, nothing reads the channel and it fills up.
        log.warning("control %s for %s not delivered: %s", action, bot, type(exc).__name__)
        return Sent(False, f"{action}: the engine is not reachable (is runbot running?)")
    if bus.latest_snapshot(bot) is None:
        # Split deployments never see snapshots here; one process without an engine neither.
        return Sent(True, f"{action}: sent; no engine has reported to this server yet")
    return Sent(True, f"{action}: sent to the engine")


def send_all(action: str, bots: list[str], user: str = "", source: str = "dashboard") -> list[str]:
    """Send `action` to each bot's engine; the names of those that could not be reached."""
    return [bot for bot in bots if not send(bot, action, user=user, source=source).ok]


def update_config(
    bot: str, form_class: type[ModelForm], changes: dict, user: str = "", source: str = "dashboard"
) -> tuple[ModelForm, Sent | None]:
    """Validate `changes` merged over the stored values; save and notify only when all
    fields are valid (a half-applied config is worse than none).

    Two requests at once must not undo each other: the row is read under a lock (SQLite's
    BEGIN IMMEDIATE, PostgreSQL's SELECT ... FOR UPDATE), so validation sees the latest
    merged row (a pair of changes that is only a requote loop together is refused), and only
    the fields that change are written, never a stale copy of the others (or the run state
    the engine writes). The engine is told after the commit, so it reloads the new row."""
    bot_config(bot)  # "default" is created on first use, outside the lock
    with transaction.atomic():
        config = BotConfig.objects.select_for_update().get(name=bot)
        fields = form_class._meta.fields
        data = {**_as_form_data(model_to_dict(config, fields=fields)), **changes}
        form = form_class(data, instance=config)
        if not form.is_valid():
            return form, None
        form.instance.save(update_fields=[*form.changed_data, "updated_at"])
    return form, send(bot, "config", user=user, source=source)


def _as_form_data(values: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in values.items()}
