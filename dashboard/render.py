"""Snapshot -> panel HTML. The page and the WebSocket push use these same functions, so a
panel looks the same on first load and after every update.

Each panel is one template in templates/dashboard/partials/ whose root element carries a
stable id (panel-<name>); pushed copies add hx-swap-oob="true" so htmx replaces it in place.
The arithmetic the templates should not do (ages, minutes, bar geometry) lives here.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from dashboard import event_words, money, reward_panels
from dashboard.values import decimal_or_none, float_or_none, parse_time, percent_of_hour
from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS, TOKEN_WARN_SECONDS
from trading.core.uptime import disagrees

# Page order: what the bot is and whether it can earn, then this hour's tier budget (the
# headline), then the details.
PANELS = (
    "status",
    "strategy",
    "tier",
    "size",
    "lifetimes",
    "market",
    "account",
    "fills",
    "uptime",
    "orders",
    "events",
)
TOKEN_WARN_BEFORE = dt.timedelta(seconds=TOKEN_WARN_SECONDS)
CHART_HEIGHT = 60  # one SVG unit per minute of the hour
BAR_PITCH, BAR_WIDTH, EXCHANGE_WIDTH = 20, 11, 5  # ours, and StandX's beside it


def render_panels(snapshot: dict, now: dt.datetime | None = None) -> dict[str, str]:
    """{"status": html, ...} for the page's first load."""
    now = now or timezone.now()
    return {name: render_panel(name, snapshot, now) for name in PANELS}


def render_oob(snapshot: dict, now: dt.datetime | None = None) -> str:
    """Every panel as an out-of-band swap, in one WebSocket frame."""
    now = now or timezone.now()
    return "\n".join(render_panel(name, snapshot, now, oob=True) for name in PANELS)


# Rendered HTML per (what, bot): one render per snapshot and second however many clients
# are connected (the layer hands each socket its own copy of the same frame).
_cache: dict[tuple[str, str], tuple[tuple, str]] = {}


def _cached(what: str, data: dict, render_fn) -> str:
    now = timezone.now()
    key = (data.get("updated_at"), int(now.timestamp()))
    slot = (what, data.get("bot") or "")
    cached = _cache.get(slot)
    if cached and cached[0] == key and key[0] is not None:
        return cached[1]
    html = render_fn(data, now)
    _cache[slot] = (key, html)
    return html


def render_oob_cached(snapshot: dict) -> str:
    """render_oob, done once per snapshot and second for every dashboard socket of a bot."""
    return _cached("panels", snapshot, render_oob)


def render_row(summary: dict, now: dt.datetime | None = None, oob: bool = False) -> str:
    """One bot's row of the overview table (root id bot-row-<name>)."""
    context = row_context(summary, now or timezone.now())
    return render_to_string("dashboard/partials/_bot_row.html", {"r": context, "oob": oob})


def render_row_cached(summary: dict, oob: bool = True) -> str:
    return _cached("row-oob" if oob else "row", summary, lambda s, now: render_row(s, now, oob=oob))


def render_rows(summaries: list[dict], oob: bool = False) -> str:
    """The overview's whole table body; pushed as one swap on connect, so a reconnecting
    page also picks up bots added or removed meanwhile."""
    rows = [render_row_cached(s, oob=False) for s in summaries]
    return render_to_string("dashboard/partials/_bot_rows.html", {"rows": rows, "oob": oob})


def render_panel(name: str, snapshot: dict, now: dt.datetime, oob: bool = False) -> str:
    context = CONTEXTS[name](snapshot, now)
    return render_to_string(f"dashboard/partials/_{name}.html", {"p": context, "oob": oob})


# ---------------------------------------------------------------- per-panel contexts


def status_context(s: dict, now: dt.datetime) -> dict:
    age = _age(s.get("updated_at"), now)
    expires = parse_time(s.get("token_expires_at"))
    failures = s.get("failures") or {}
    return {
        "state": s.get("state") or "unknown",
        "reason": s.get("state_reason") or "",
        "mode": s.get("mode"),
        "symbol": s.get("symbol"),
        "bot": s.get("bot"),
        "in_doubt": (s.get("cleanup") or {}).get("message"),
        "breaker": [side for side, b in (s.get("breaker") or {}).items() if b.get("holding")],
        "feed": s.get("feed") or {},
        **_age_fields(age),
        "failures": failures.get("consecutive", 0),
        "max_failures": failures.get("max"),
        "position": (s.get("position") or {}).get("qty"),
        "inventory": s.get("inventory") or {},
        "token_expires_at": expires,
        "token_warning": bool(expires and expires - now < TOKEN_WARN_BEFORE),
        "token_expired": bool(expires and expires <= now),
    }


def market_context(s: dict, now: dt.datetime) -> dict:
    market = s.get("market") or {}
    quotes = s.get("quotes") or {}
    bid, ask = decimal_or_none(market.get("best_bid")), decimal_or_none(market.get("best_ask"))
    mid = decimal_or_none(market.get("mid"))
    touch_bps = (ask - bid) / mid * 10000 if bid and ask and mid else None
    return {
        "market": market,
        "touch_bps": touch_bps,
        "symbol": s.get("symbol"),
        "bid": quotes.get("bid"),
        "ask": quotes.get("ask"),
        "band_bps": (s.get("config") or {}).get("uptime_band_bps"),
    }


def orders_context(s: dict, now: dt.datetime) -> dict:
    orders = sorted(
        s.get("orders") or [],
        key=lambda o: (o.get("side") != "sell", -(decimal_or_none(o.get("price")) or 0)),
    )
    return {"orders": orders}


def uptime_context(s: dict, now: dt.datetime) -> dict:
    up = s.get("uptime") or {}
    minutes = hour_minutes(up)
    return {
        **minutes,
        # Minutes still possible this hour: can the target still be reached?
        "reachable": minutes["in_band"] + max(0.0, 60 - minutes["elapsed"]) >= minutes["target"],
        "requotes": up.get("requotes", 0),
        "bid_dark_s": float(up.get("bid_dark_ms") or 0) / 1000,
        "ask_dark_s": float(up.get("ask_dark_ms") or 0) / 1000,
        "chart": history_chart(s.get("history") or [], minutes["target"], now),
        "exchange": reward_panels.exchange_context(s),
    }


def events_context(s: dict, now: dt.datetime) -> dict:
    events = []
    for e in (s.get("events") or [])[:30]:
        text = event_words.plain_message(e.get("kind"), e.get("message"))
        events.append({**e, "at": parse_time(e.get("at")), "text": text})
    return {"events": events}


def row_context(s: dict, now: dt.datetime) -> dict:
    """An overview row, from a summary (trading.core.summary.summarize)."""
    age = _age(s.get("updated_at"), now)
    failures = s.get("failures") or {}
    return {
        "bot": s.get("bot"),
        "state": s.get("state") or "unknown",
        "reason": s.get("state_reason") or "",
        "mode": s.get("mode"),
        "symbol": s.get("symbol"),
        "feed": s.get("feed"),
        "bid": s.get("bid"),
        "ask": s.get("ask"),
        "orders": s.get("orders") or 0,
        "uptime": hour_minutes(s.get("uptime") or {}),
        "failures": failures.get("consecutive", 0),
        "max_failures": failures.get("max"),
        "p99_ms": (s.get("latency") or {}).get("reaction_p99_ms"),
        "updated_at": s.get("updated_at"),
        **_age_fields(age),
        **reward_panels.row_reward(s),
    }


CONTEXTS = {
    "status": status_context,
    "market": market_context,
    "orders": orders_context,
    "uptime": uptime_context,
    "events": events_context,
    "strategy": reward_panels.strategy_context,
    "tier": reward_panels.tier_context,
    "size": reward_panels.size_context,
    "lifetimes": reward_panels.lifetimes_context,
    "account": money.account_context,
    "fills": money.fills_context,
}


def history_chart(history: list[dict], target: int, now: dt.datetime | None = None) -> dict:
    """Bar geometry for the 24-hour SVG: minutes in band (front) over two-sided (behind),
    and StandX's own in-band minutes beside ours where it reported the hour."""
    now = now or timezone.now()
    bars = [_bar(i, row, target, now) for i, row in enumerate(history[-24:])]
    return {
        "bars": bars,
        "width": 24 * BAR_PITCH,
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "exchange_width": EXCHANGE_WIDTH,
        "target_y": CHART_HEIGHT - min(60, target),
        "exchange_hours": sum(b["exchange"] is not None for b in bars),
        "disagreements": sum(b["disagree"] for b in bars),
    }


def _bar(i: int, row: dict, target: int, now: dt.datetime) -> dict:
    in_band = min(60.0, float(row.get("in_band_seconds") or 0) / 60)
    two_sided = min(60.0, float(row.get("two_sided_seconds") or 0) / 60)
    hour = parse_time(row.get("hour"))
    exchange_s = float_or_none(row.get("exchange_in_band_seconds"))
    exchange = None if exchange_s is None else min(60.0, exchange_s / 60)
    ours_s = float(row.get("in_band_seconds") or 0)
    gap = None if exchange_s is None else exchange_s - ours_s
    return {
        "x": i * BAR_PITCH,
        "hour": hour,
        "label": hour and i % 6 == 0,
        "in_band": in_band,
        "two_sided": two_sided,
        "in_band_y": CHART_HEIGHT - in_band,
        "two_sided_y": CHART_HEIGHT - two_sided,
        "met": in_band >= target > 0,
        "exchange": exchange,
        "exchange_x": i * BAR_PITCH + BAR_WIDTH,
        "exchange_y": None if exchange is None else CHART_HEIGHT - exchange,
        "gap_minutes": None if gap is None else gap / 60,
        **_money_marks(row),
        # The engine's rule for flagging an hour (a finished one, more than a few minutes).
        "disagree": hour is not None
        and exchange_s is not None
        and disagrees(hour.timestamp(), exchange_s, ours_s, now.timestamp()),
    }


def _money_marks(row: dict) -> dict:
    """What the hour cost beside what it earned: its fills and cost per in-band hour, drawn
    as a dot under the bar (red: the hour cost money, green: it earned or broke even)."""
    fills = int(row.get("fills") or 0)
    cost = decimal_or_none(row.get("cost_per_in_band_hour"))
    return {
        "fills": fills,
        "cost": cost,
        "cost_level": None if cost is None else ("bad" if cost > 0 else "ok"),
    }


# ---------------------------------------------------------------- value helpers


def hour_minutes(up: dict) -> dict:
    """This hour's uptime in minutes, and as percentages of the hour for the bars."""
    target = int(up.get("target_minutes") or 0)
    two_sided = float(up.get("two_sided_seconds") or 0) / 60
    in_band = float(up.get("in_band_seconds") or 0) / 60
    return {
        "target": target,
        "two_sided": two_sided,
        "in_band": in_band,
        "elapsed": float(up.get("elapsed_seconds") or 0) / 60,
        "two_sided_pct": percent_of_hour(two_sided),
        "in_band_pct": percent_of_hour(in_band),
        "target_pct": percent_of_hour(target),
        "met": in_band >= target,
    }


def _age_fields(age: float | None) -> dict:
    """The snapshot's age at render; the page counts it on (data-age-s) until the next
    frame, so a bot whose engine went quiet looks stale without any server push."""
    return {
        "age_s": age,
        "age_attr": None if age is None else f"{max(age, 0.0):.1f}",
        "stale": age is None or age > SNAPSHOT_FRESH_SECONDS,
    }


def _age(updated_at, now: dt.datetime) -> float | None:
    updated = parse_time(updated_at)
    return (now - updated).total_seconds() if updated else None
