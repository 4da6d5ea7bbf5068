"""What the dashboard shows: which bots exist, and each one's engine's latest snapshot or
one built from the database.

The second case is normal (web tier split from the engine, or the engine not started yet):
the page still shows the configuration, the stored uptime and the audit log, with the
state "no engine connected". Both have the shape documented in docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.utils import timezone

from dashboard.money import db_money
from trading import bus
from trading.core.bot_settings import SettingsError
from trading.core.domain import plain_or_none
from trading.core.reward import tier_budget
from trading.core.strategies import strategy_for
from trading.core.strategy import Measured
from trading.core.summary import summarize
from trading.core.uptime import HISTORY_HOURS, disagrees
from trading.models import BotConfig, OrderEvent, UptimeHour

DEFAULT_BOT = "default"
NO_ENGINE = "no engine connected"
EVENTS_SHOWN = 30


def bot_config(name: str) -> BotConfig:
    """The named bot's row. Only "default" is created on first use (a fresh install has no
    row yet); any other name must exist, so a typo in a URL never adds a bot."""
    if name == DEFAULT_BOT:
        return BotConfig.load(name)
    return BotConfig.objects.get(name=name)


def bot_or_404(name: str) -> BotConfig:
    try:
        return bot_config(name)
    except BotConfig.DoesNotExist:
        raise Http404(f"unknown bot {name!r}") from None


def bot_exists(name: str) -> bool:
    return name == DEFAULT_BOT or BotConfig.objects.filter(name=name).exists()


def bot_names() -> list[str]:
    return list(BotConfig.objects.order_by("name").values_list("name", flat=True))


def overview_rows() -> list[dict]:
    """One summary per BotConfig row, from its engine's snapshot when one reported here."""
    return [
        summarize(bus.latest_snapshot(config.name) or db_snapshot(config.name, config=config))
        for config in BotConfig.objects.order_by("name")
    ]


def current_snapshot(bot: str = DEFAULT_BOT) -> dict:
    return bus.latest_snapshot(bot) or db_snapshot(bot)


STATUS_KEYS = (
    "bot",
    "state",
    "state_reason",
    "mode",
    "symbol",
    "feed",
    "market",
    "quotes",
    "failures",
    "position",
    "token_expires_at",
    "updated_at",
    "config",
    "latency",
    "strategy",
    "account",
)


def status_body(snapshot: dict) -> dict:
    """GET /api/status: the snapshot's state, feeds, market, quotes, config and latency."""
    return {k: snapshot.get(k) for k in STATUS_KEYS} | {
        "engine_connected": snapshot.get("engine", True)
    }


def orders_body(snapshot: dict) -> dict:
    """GET /api/orders: our open orders."""
    rows = snapshot.get("orders") or []
    return {"mode": snapshot.get("mode"), "count": len(rows), "orders": rows}


def uptime_body(snapshot: dict) -> dict:
    """GET /api/uptime: this hour and the last 24."""
    return {
        "mode": snapshot.get("mode"),
        "current": snapshot.get("uptime"),
        "tier": snapshot.get("tier"),
        "history": snapshot.get("history") or [],
        "exchange_uptime": snapshot.get("exchange_uptime"),
    }


# The API's reads that are a function of the snapshot alone (dashboard/fastpath.py serves
# them without Django when an engine in this process publishes).
SNAPSHOT_READS = {"status": status_body, "orders": orders_body, "uptime": uptime_body}


def db_snapshot(
    bot: str = DEFAULT_BOT, now: dt.datetime | None = None, config: BotConfig | None = None
) -> dict:
    now = now or timezone.now()
    config = config or bot_config(bot)
    hour_start = now.replace(minute=0, second=0, microsecond=0)
    hours = _stored_hours(bot, hour_start)
    current = hours.get(hour_start)
    money = db_money(bot, now, _history(hours, hour_start))
    return {
        "bot": bot,
        "state": NO_ENGINE,
        "engine": False,
        "state_reason": f"stored state: {config.run_state}"
        + (f" ({config.state_reason})" if config.state_reason else ""),
        "mode": None,
        "symbol": config.symbol,
        "feed": {"market": None, "account": None, "last_message_age_s": None},
        "market": {},
        "quotes": {"bid": None, "ask": None},
        "orders": [],
        "uptime": _uptime(current, config, now, hour_start),
        "history": money["history"],
        "strategy": _strategy(config),
        "tier": _tier(current, now),
        # Measured by a running engine only.
        "counted_size": None,
        "lifetimes": None,
        "exchange_uptime": _exchange_uptime(hours, now),
        "events": [_event(e) for e in OrderEvent.objects.filter(bot=bot)[:EVENTS_SHOWN]],
        "config": plain_values(config),
        "failures": {"consecutive": 0, "max": config.max_consecutive_failures},
        "position": {"qty": None},
        "token_expires_at": None,
        "updated_at": None,
        "latency": {"reaction_p50_ms": None, "reaction_p99_ms": None, "samples": 0},
        "account": money["account"],
        "fills": money["fills"],
    }


def _stored_hours(bot: str, hour_start: dt.datetime) -> dict[dt.datetime, UptimeHour]:
    """The bot's stored hours of the last HISTORY_HOURS, by hour."""
    return {
        row.hour: row
        for row in UptimeHour.objects.filter(
            bot=bot, hour__gt=hour_start - dt.timedelta(hours=HISTORY_HOURS)
        )
    }


def _uptime(
    current: UptimeHour | None, config: BotConfig, now: dt.datetime, hour_start: dt.datetime
) -> dict:
    """This hour as stored (zeros before its first row), as the engine's snapshot shows it."""
    return {
        "hour": hour_start.isoformat(),
        "two_sided_seconds": current.two_sided_seconds if current else 0,
        "in_band_seconds": current.in_band_seconds if current else 0,
        "elapsed_seconds": (now - hour_start).total_seconds(),
        "target_minutes": config.uptime_target_minutes,
        "requotes": current.requotes if current else 0,
        "bid_dark_ms": current.bid_dark_ms if current else 0,
        "ask_dark_ms": current.ask_dark_ms if current else 0,
    }


def _history(hours: dict, hour_start: dt.datetime) -> list[dict]:
    """The last 24 hours oldest first, with empty hours as zeros (a gap is information)."""
    rows = []
    for back in range(HISTORY_HOURS - 1, -1, -1):
        hour = hour_start - dt.timedelta(hours=back)
        row = hours.get(hour)
        rows.append(
            {
                "hour": hour.isoformat(),
                "two_sided_seconds": row.two_sided_seconds if row else 0,
                "in_band_seconds": row.in_band_seconds if row else 0,
                "exchange_in_band_seconds": row.exchange_in_band_seconds if row else None,
            }
        )
    return rows


def _strategy(config: BotConfig) -> dict:
    """What the config row says (the engine adds what it measures). Whether band quotes fit
    depends on the book, which only an engine sees: that case is not judged here (a
    strategy asked without a book says nothing). A row that is no valid setting (written
    past the forms) still gets its page: whether it can earn is then unknown."""
    try:
        settings = config.settings()
    except SettingsError:
        can_earn, problem, description = None, None, None
    else:
        strategy = strategy_for(settings)
        problem = strategy.earn_problem(settings, None, Measured())
        can_earn, description = problem is None, strategy.describe(settings)
    return {
        "name": config.quote_strategy,
        "description": description,
        "can_earn": can_earn,
        "problem": problem,
        "band_bps": plain_or_none(config.uptime_band_bps),
        "target_bps": None,
        "margin_bps": None,
        "volatility_bps": None,
        "ack_latency_ms": None,
        "mark_mid_gap_bps": None,
        "holding": False,
    }


def _tier(current: UptimeHour | None, now: dt.datetime) -> dict:
    """The stored hour against the tiers, as the engine's snapshot shows it."""
    in_band = current.in_band_seconds if current else 0.0
    running = current.running_seconds if current else None
    elapsed, left, tiers = tier_budget(in_band, now.timestamp(), running)
    hour = now.replace(minute=0, second=0, microsecond=0)
    return {
        "hour": hour.isoformat(),
        "in_band_minutes": round(in_band / 60, 1),
        "elapsed_minutes": elapsed,
        "minutes_left": left,
        "tiers": [
            {"name": t.name, "minutes": t.minutes, "needed": t.needed, "status": t.status}
            for t in tiers
        ],
        "next_hour": f"{hour + dt.timedelta(hours=1):%H:%M} UTC",
    }


def _exchange_uptime(hours: dict, now: dt.datetime) -> dict:
    """StandX's stored hours with ours beside them, oldest first. Only a running engine
    asks StandX, so there is no check time or error to show."""
    stored = [
        {
            "hour": hour.isoformat(),
            "in_band_seconds": row.exchange_in_band_seconds,
            "ours": row.in_band_seconds,
            "disagree": disagrees(
                hour.timestamp(), row.exchange_in_band_seconds, row.in_band_seconds, now.timestamp()
            ),
        }
        for hour, row in sorted(hours.items())
        if row.exchange_in_band_seconds is not None
    ]
    return {"checked_at": None, "error": None, "hours": stored}


def _event(e: OrderEvent) -> dict:
    return {
        "at": e.at.isoformat(),
        "kind": e.kind,
        "side": e.side,
        "price": plain_or_none(e.price),
        "qty": plain_or_none(e.qty),
        "cl_ord_id": e.cl_ord_id,
        "message": e.message,
    }


def plain_values(config: BotConfig) -> dict:
    """Strategy values as the engine publishes them: Decimals as strings."""
    return {
        k: plain_or_none(v) if isinstance(v, Decimal) else v
        for k, v in config.strategy_values().items()
    }
