"""What farming costs, for the page, the API and a bot without an engine (issue 16): the
fills panel (this hour's fills, fees, realised PnL and cost per in-band hour, the latest
fills with their markout, and the money of the last 24 hours), the position and money
panel (every position of the account, balance, available margin, equity), and the
database's version of the snapshot's `account` and `fills` keys.

The engine computes the figures (trading/engine/ledger_view.py); this module shapes them
and never guesses one the snapshot does not carry.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dashboard.values import decimal_or_none, parse_time
from trading import store
from trading.core.domain import plain_or_none
from trading.core.pnl import ZERO, PnlHour, fill_view, money_columns
from trading.models import BotFill
from trading.models import PnlHour as PnlHourRow

RECENT = 20
API_FILLS = 200  # the newest fills GET /api/fills lists


# ---------------------------------------------------------------- panels


def fills_context(s: dict, now: dt.datetime) -> dict:
    fills = s.get("fills") or {}
    recent = [{**f, "time": parse_time(f.get("time"))} for f in fills.get("recent") or []]
    cost = decimal_or_none(fills.get("cost_per_in_band_hour"))
    hours = [h for h in reversed(s.get("history") or []) if h.get("fills")]
    return {
        "known": bool(fills),
        "symbol": s.get("symbol"),
        "count": fills.get("this_hour") or 0,
        "maker": fills.get("maker_this_hour"),
        "taker": fills.get("taker_this_hour"),
        "fees": fills.get("fees_this_hour"),
        "realized": fills.get("realized_pnl_this_hour"),
        "upnl_change": fills.get("upnl_change_this_hour"),
        "cost_per_hour": cost,
        "cost_level": None if cost is None else ("bad" if cost > 0 else "ok"),
        "today": fills.get("today"),
        "fees_today": fills.get("fees_today"),
        "realized_today": fills.get("realized_pnl_today"),
        "recent": recent,
        "hours": [{**h, "hour": parse_time(h.get("hour"))} for h in hours],
    }


def account_context(s: dict, now: dt.datetime) -> dict:
    account = s.get("account") or {}
    positions = [
        {**p, "side": _side(p.get("qty")), "upnl_level": _level(p.get("upnl"))}
        for p in account.get("positions") or []
    ]
    return {
        "known": account.get("updated_at") is not None,
        "engine": s.get("engine", True),
        "symbol": s.get("symbol"),
        "positions": positions,
        "balance": account.get("balance"),
        "updated_at": parse_time(account.get("updated_at")),
    }


def _side(qty) -> str:
    number = decimal_or_none(qty)
    return "" if not number else ("long" if number > 0 else "short")


def _level(value) -> str:
    number = decimal_or_none(value)
    return "" if not number else ("ok" if number > 0 else "bad")


# ---------------------------------------------------------------- no engine: the database


def db_money(bot: str, now: dt.datetime, history: list[dict]) -> dict:
    """The snapshot's `account` and `fills` keys from what the engine stored (positions and
    balance are the exchange's, known only while an engine runs), and the history's money."""
    hour_start = now.replace(minute=0, second=0, microsecond=0)
    hours = {
        r.hour: store.pnl_hour(r)
        for r in PnlHourRow.objects.filter(bot=bot, hour__gte=hour_start - dt.timedelta(days=1))
    }
    current = hours.get(hour_start) or PnlHour(int(hour_start.timestamp()))
    day = hour_start.replace(hour=0)
    today = [h for k, h in hours.items() if k >= day]
    in_band = {row["hour"]: float(row.get("in_band_seconds") or 0) for row in history}
    recent = BotFill.objects.filter(bot=bot).order_by("-at", "-trade_id")[:RECENT]
    fills = {
        "this_hour": current.fills,
        "maker_this_hour": current.maker_fills,
        "taker_this_hour": current.taker_fills,
        "fees_this_hour": plain_or_none(current.fees),
        "realized_pnl_this_hour": plain_or_none(current.realized_pnl),
        "upnl_change_this_hour": plain_or_none(current.upnl_change),
        "cost_this_hour": plain_or_none(current.cost),
        "cost_per_in_band_hour": plain_or_none(
            current.cost_per_in_band_hour(in_band.get(hour_start.isoformat(), 0.0))
        ),
        "today": sum(h.fills for h in today),
        "fees_today": plain_or_none(sum((h.fees for h in today), ZERO)),
        "realized_pnl_today": plain_or_none(sum((h.realized_pnl for h in today), ZERO)),
        "recent": [fill_view(store.fill_record(r)) for r in recent],
    }
    by_iso = {k.isoformat(): h for k, h in hours.items()}
    money = [
        {**row, **money_columns(by_iso.get(row["hour"]), in_band[row["hour"]])} for row in history
    ]
    account: dict = {"positions": [], "balance": None, "updated_at": None}
    return {"account": account, "fills": fills, "history": money}


# ---------------------------------------------------------------- GET /api/fills


def fills_body(bot: str, snapshot: dict) -> dict:
    """The newest fills (stored, plus the engine's latest not yet written) and this hour's
    and today's money."""
    rows = {
        r.trade_id: fill_view(store.fill_record(r))
        for r in BotFill.objects.filter(bot=bot).order_by("-at", "-trade_id")[:API_FILLS]
    }
    summary = dict(snapshot.get("fills") or {})
    for fill in summary.pop("recent", None) or []:
        rows[fill["trade_id"]] = fill
    fills = sorted(rows.values(), key=lambda f: (f["time"], f["trade_id"]), reverse=True)
    return {
        "mode": snapshot.get("mode"),
        "count": len(fills[:API_FILLS]),
        "summary": summary,
        "days": days_of(bot),
        "fills": fills[:API_FILLS],
    }


def days_of(bot: str, days: int = 7) -> list[dict]:
    """Fills, fees and realised PnL per UTC day of the stored hours, newest first."""
    since = timezone.now() - dt.timedelta(days=days)
    totals: dict[dt.date, PnlHour] = {}
    for row in PnlHourRow.objects.filter(bot=bot, hour__gte=since):
        day = totals.setdefault(row.hour.date(), PnlHour(0))
        day.fills += row.fills
        day.fees += row.fees.normalize()
        day.realized_pnl += row.realized_pnl.normalize()
    return [
        {"day": d.isoformat(), "fills": t.fills, "fees": plain_or_none(t.fees),
         "realized_pnl": plain_or_none(t.realized_pnl)}
        for d, t in sorted(totals.items(), reverse=True)
    ]  # fmt: skip
