"""`GET /healthz` for systemd, Docker and uptime monitors: no login, nothing secret, fast.

Per bot (every BotConfig row): is an engine publishing fresh snapshots, are its feeds
connected, is it killed or refused by the exchange, does its token expire soon. 200 with
"ok" when no bot has a critical condition, 503 with "degraded" and why otherwise
(trading/alerts/conditions.py decides; a token expiring within a day is a warning: the
bot still quotes, a person must renew it, a restart would not help). It reads the same
`snapshots` cache as every view, so the split web tier answers for its workers' bots.
"""

from __future__ import annotations

import time

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard import state
from trading import bus
from trading.alerts.conditions import health


def bots_health(now: float) -> dict[str, dict]:
    return {name: health(bus.latest_snapshot(name), now) for name in sorted(state.bot_names())}


@require_safe
@never_cache
def healthz(request):
    now = time.time()
    try:
        bots = bots_health(now)
    except DatabaseError as exc:
        return _answer([f"database unavailable: {type(exc).__name__}"], [], {})
    problems = [f"{name}: {p}" for name, h in bots.items() for p in h["problems"]]
    warnings = [f"{name}: {w}" for name, h in bots.items() for w in h["warnings"]]
    if not bots:
        problems.append("no bot is configured")
    return _answer(problems, warnings, bots)


def _answer(problems: list[str], warnings: list[str], bots: dict) -> JsonResponse:
    status = "degraded" if problems else "ok"
    body = {"status": status, "problems": problems, "warnings": warnings, "bots": bots}
    return JsonResponse(body, status=503 if problems else 200)
