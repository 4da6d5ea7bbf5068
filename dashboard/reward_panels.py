"""Snapshot -> context for the panels about what StandX pays (issue 13): the strategy line and
its "cannot earn" flag, the hour's tier budget, the size that counts, order lifetimes.

The engine publishes these figures (the snapshot contract in docs/architecture.md); this
module only shapes them for the templates. A figure the snapshot does not carry (an older
engine, no mark yet, a database snapshot) is shown as unknown, never guessed here.
"""

from __future__ import annotations

import datetime as dt

from dashboard.values import float_or_none, parse_time, percent_of_hour

# Tier status -> badge colour. "on track" is good news but not yet money: ok, not secured.
STATUS_LEVEL = {"secured": "ok", "on track": "ok", "at risk": "warn", "out of reach": "bad"}
# SIP-5A penalises flicker-cancels and Maker Points skip orders younger than the minimum
# rest: a tenth of our cancels hitting such orders is worth a trader's look.
YOUNG_SHARE_WARN = 0.10


def strategy_context(s: dict, now: dt.datetime) -> dict:
    strategy = s.get("strategy") or {}
    config = s.get("config") or {}
    bot = s.get("bot") or "default"
    can_earn = strategy.get("can_earn")
    return {
        "known": bool(strategy),
        "name": strategy.get("name") or config.get("quote_strategy"),
        "description": strategy.get("description"),
        "can_earn": can_earn,
        # Only an explicit False raises the flag: unknown is not the same as cannot.
        "cannot_earn": can_earn is False,
        "problem": strategy.get("problem") or "",
        "band_bps": strategy.get("band_bps") or config.get("uptime_band_bps"),
        "target_bps": strategy.get("target_bps"),
        "margin_bps": strategy.get("margin_bps"),
        "volatility_bps": strategy.get("volatility_bps"),
        "ack_latency_ms": strategy.get("ack_latency_ms"),
        "mark_mid_gap_bps": strategy.get("mark_mid_gap_bps"),
        "holding": bool(strategy.get("holding")),
        "max_requests": config.get("band_max_requests_per_minute"),
        "bot": bot,
    }


def tier_context(s: dict, now: dt.datetime) -> dict:
    """The hour's budget per tier, in the order the engine lists them (standard, boosted)."""
    tier = s.get("tier") or {}
    in_band = float_or_none(tier.get("in_band_minutes"))
    next_hour = tier.get("next_hour") or ""
    tiers = [_tier_row(t, next_hour) for t in tier.get("tiers") or []]
    return {
        "known": bool(tiers),
        "hour": parse_time(tier.get("hour")),
        "next_hour": next_hour,
        "in_band": in_band,
        "elapsed": float_or_none(tier.get("elapsed_minutes")),
        "left": float_or_none(tier.get("minutes_left")),
        "tiers": tiers,
        "in_band_pct": percent_of_hour(in_band or 0),
        "elapsed_pct": percent_of_hour(float_or_none(tier.get("elapsed_minutes")) or 0),
    }


def _tier_row(t: dict, next_hour: str) -> dict:
    status = t.get("status") or "unknown"
    label = f"out of reach until {next_hour}" if status == "out of reach" and next_hour else status
    minutes = float_or_none(t.get("minutes")) or 0
    return {
        "name": t.get("name") or "",
        "minutes": t.get("minutes"),
        "needed": float_or_none(t.get("needed")),
        "status": status,
        "label": label,
        "slug": status.replace(" ", "-"),
        "level": STATUS_LEVEL.get(status, "muted"),
        "target_pct": percent_of_hour(minutes),
    }


def size_context(s: dict, now: dt.datetime) -> dict:
    size = s.get("counted_size") or {}
    return {
        "known": bool(size),
        "now": size.get("now_usd"),
        "hour_mean": size.get("hour_mean_usd"),
        "x70": size.get("x70_usd"),
        "x50": size.get("x50_usd"),
        "samples": size.get("samples") or 0,
        "unequal": size.get("unequal") or "",
    }


def lifetimes_context(s: dict, now: dt.datetime) -> dict:
    life = s.get("lifetimes") or {}
    share = float_or_none(life.get("young_share"))
    return {
        "known": bool(life),
        "cancels": life.get("cancels") or 0,
        "young_cancels": life.get("young_cancels") or 0,
        "young_pct": None if share is None else share * 100,
        "young_warn": share is not None and share >= YOUNG_SHARE_WARN,
        "min_rest_s": float_or_none(life.get("min_rest_s")),
        "median_life_s": float_or_none(life.get("median_life_s")),
        "requests_per_minute": float_or_none(life.get("requests_per_minute")),
    }


def row_reward(summary: dict) -> dict:
    """The overview row's strategy, "cannot earn" marker and tier statuses, from a summary
    (trading.core.summary.summarize: "strategy": {name, can_earn}, "tier": {...})."""
    strategy = summary.get("strategy") or {}
    tier = summary.get("tier") or {}
    statuses = tier.get("statuses") or {}
    return {
        "strategy": strategy.get("name"),
        "cannot_earn": strategy.get("can_earn") is False,
        "tier_statuses": [
            {
                "name": name,
                "status": status,
                "slug": status.replace(" ", "-"),
                "level": STATUS_LEVEL.get(status, "muted"),
            }
            for name, status in statuses.items()
        ],
        "tier_in_band": float_or_none(tier.get("in_band_minutes")),
        "tier_left": float_or_none(tier.get("minutes_left")),
    }


def exchange_context(s: dict) -> dict:
    """When StandX's own hours were last read, and why not when that failed."""
    exchange = s.get("exchange_uptime") or {}
    return {
        "checked_at": parse_time(exchange.get("checked_at")),
        "error": exchange.get("error") or "",
    }
