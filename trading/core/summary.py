"""PURE: the overview's row for one bot, from a full snapshot (an engine's or one built from
the database): small, so the all-bots page costs little however many bots run."""

from __future__ import annotations

from typing import Any

SUMMARY_KEYS = ("bot", "state", "state_reason", "mode", "symbol", "position", "updated_at")


def summarize(snapshot: dict[str, Any]) -> dict[str, Any]:
    quotes = snapshot.get("quotes") or {}
    uptime = snapshot.get("uptime") or {}
    return {
        **{k: snapshot.get(k) for k in SUMMARY_KEYS},
        "engine": snapshot.get("engine", True),
        "feed": (snapshot.get("feed") or {}).get("market"),
        "bid": (quotes.get("bid") or {}).get("price"),
        "ask": (quotes.get("ask") or {}).get("price"),
        "orders": len(snapshot.get("orders") or []),
        "uptime": {
            k: uptime.get(k)
            for k in (
                "hour",
                "two_sided_seconds",
                "in_band_seconds",
                "elapsed_seconds",
                "target_minutes",
            )
        },
        "failures": snapshot.get("failures"),
        "latency": snapshot.get("latency"),
        "strategy": {k: (snapshot.get("strategy") or {}).get(k) for k in ("name", "can_earn")},
        "tier": _tier_summary(snapshot.get("tier") or {}),
    }


def _tier_summary(tier: dict[str, Any]) -> dict[str, Any]:
    return {
        "in_band_minutes": tier.get("in_band_minutes"),
        "minutes_left": tier.get("minutes_left"),
        "statuses": {t.get("name"): t.get("status") for t in tier.get("tiers") or []},
    }
