"""`GET /healthz` for systemd, Docker and uptime monitors: no login, nothing secret, fast.

Per bot (every BotConfig row): is an engine publishing fresh snapshots, are its feeds
connected, is it killed or refused by the exchange, does its token expire soon. 200 with
"ok" when no bot has a critical condition, 503 with "degraded" and why otherwise
(trading/alerts/conditions.py decides; a token expiring within a day is a warning: the
bot still quotes, a person must renew it, a restart would not help). It reads the same
`snapshots` cache as every view, so the split web tier answers for its workers' bots.

Monitors poll it every few seconds: a change is logged once (WARNING when a bot or the whole
degrades, INFO when it is ok again), never every poll (Django would log each 503 at ERROR).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard import state
from trading import bus
from trading.alerts.conditions import health

log = logging.getLogger(__name__)
_last_seen: tuple = ()  # what this process last answered: each bot's status, or why none
_lock = threading.Lock()


def bots_health(now: float) -> dict[str, dict]:
    return {name: health(bus.latest_snapshot(name), now) for name in sorted(state.bot_names())}


@require_safe
@never_cache
def healthz(request):
    now = time.time()
    try:
        bots = bots_health(now)
    except DatabaseError as exc:
        problem = f"database unavailable: {type(exc).__name__}"
        return _answer([problem], [], {}, seen=(problem,))
    problems = [f"{name}: {p}" for name, h in bots.items() for p in h["problems"]]
    warnings = [f"{name}: {w}" for name, h in bots.items() for w in h["warnings"]]
    if not bots:
        problems.append("no bot is configured")
    statuses = tuple((name, h["status"]) for name, h in bots.items())
    return _answer(problems, warnings, bots, statuses or ("no bot",))


def _answer(problems: list[str], warnings: list[str], bots: dict, seen: tuple) -> JsonResponse:
    status = "degraded" if problems else "ok"
    _log_change(seen, problems)
    body = {"status": status, "problems": problems, "warnings": warnings, "bots": bots}
    response = JsonResponse(body, status=503 if problems else 200)
    response._has_been_logged = True  # type: ignore[attr-defined]  # no line per poll
    return response


def _log_change(seen: tuple, problems: list[str]) -> None:
    """Once per change of `seen` (texts such as an age change on every poll: not compared)."""
    global _last_seen
    with _lock:
        if seen == _last_seen:
            return
        _last_seen = seen
    if problems:
        log.warning("health degraded: %s", "; ".join(problems))
    else:
        log.info("health ok")
