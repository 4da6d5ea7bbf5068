"""What is wrong with a bot right now, read from its published snapshot (docs/architecture.md,
"Engine snapshot"). PURE: a snapshot dict (or None: no engine published) and `now` (epoch
seconds) in, conditions out; no Django, no I/O, no clock.

`GET /healthz` reports these as they are (critical ones make it 503); the alert watcher
(trading/alerts/watcher.py) adds the time a condition must last and turns its start and its
end into notifications. Nothing here reads a secret: the snapshot carries none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trading.core.thresholds import SNAPSHOT_FRESH_SECONDS, TOKEN_WARN_SECONDS
from trading.core.times import iso_epoch

CRITICAL, WARNING = "critical", "warning"
TIER_GRACE_MINUTES = 10.0  # before this, an hour's pace is noise (one requote is a minute)
AT_RISK = ("at risk", "out of reach")
FEEDS = ("market", "account")
RENEW_HINT = "renew it: python manage.py standx_login, then restart runbot"


@dataclass(frozen=True)
class Condition:
    """One thing wrong with a bot. `key` is stable while the condition lasts (edges are
    found by key); `text` says what and why in plain words, without secrets."""

    key: str
    severity: str
    text: str

    def as_dict(self) -> dict:
        return {"key": self.key, "severity": self.severity, "text": self.text}


epoch = iso_epoch  # snapshot times are ISO text


def snapshot_age(snapshot: dict, now: float) -> float | None:
    updated = epoch(snapshot.get("updated_at"))
    return None if updated is None else max(0.0, now - updated)


def bot_conditions(snapshot: dict | None, now: float) -> list[Condition]:
    """Every condition that holds for the bot now, most severe first."""
    if snapshot is None:
        return [Condition("engine", CRITICAL, "no engine is publishing this bot's state")]
    found = [
        *_engine(snapshot, now),
        *_run_state(snapshot),
        *_feeds(snapshot),
        *_token(snapshot, now),
        *_earning(snapshot),
    ]
    return sorted(found, key=lambda c: c.severity != CRITICAL)


def _engine(snapshot: dict, now: float) -> list[Condition]:
    age = snapshot_age(snapshot, now)
    if age is not None and age <= SNAPSHOT_FRESH_SECONDS:
        return []
    said = "never" if age is None else f"{age:.0f} s ago"
    return [Condition("engine", CRITICAL, f"the engine's last update was {said}")]


def _run_state(snapshot: dict) -> list[Condition]:
    state, reason = snapshot.get("state"), snapshot.get("state_reason") or ""
    cleanup = (snapshot.get("cleanup") or {}).get("message")
    if state == "killed":
        text = "kill switch engaged" + (f": {reason}" if reason else "")
        if cleanup:
            text += f" ({cleanup}: check the exchange)"
        return [Condition("killed", CRITICAL, text)]
    if state != "running" and reason.startswith("authentication failed"):
        return [Condition("auth", CRITICAL, f"quoting stopped: {reason}")]
    return []


def _feeds(snapshot: dict) -> list[Condition]:
    feed = snapshot.get("feed") or {}
    found = []
    for name in FEEDS:
        status = feed.get(name)
        if status != "connected":
            what = "market feed" if name == "market" else "account stream"
            found.append(Condition(f"feed:{name}", CRITICAL, f"{what} {status or 'unknown'}"))
    return found


def _token(snapshot: dict, now: float) -> list[Condition]:
    expires = epoch(snapshot.get("token_expires_at"))
    if expires is None or expires - now > TOKEN_WARN_SECONDS:
        return []
    at = dt.datetime.fromtimestamp(expires, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if expires <= now:
        return [Condition("token", CRITICAL, f"the access token expired at {at}: {RENEW_HINT}")]
    hours = (expires - now) / 3600
    left = f"{hours:.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"
    return [Condition("token", WARNING, f"the access token expires in {left} ({at}): {RENEW_HINT}")]


def target_tier(snapshot: dict) -> dict | None:
    """The lowest reward tier that meets the bot's uptime target (the standard tier's 30
    minutes by default): the one whose loss the trader wants to hear about."""
    tiers = (snapshot.get("tier") or {}).get("tiers") or []
    target = (snapshot.get("uptime") or {}).get("target_minutes") or 0
    meeting = [t for t in tiers if (t.get("minutes") or 0) >= target]
    return min(meeting, key=lambda t: t.get("minutes") or 0, default=None)


def _earning(snapshot: dict) -> list[Condition]:
    """Quotes that cannot earn (a setting, said once) or the hour's target tier at risk.
    The first makes every hour's tier out of reach: one message, not one an hour."""
    strategy = snapshot.get("strategy") or {}
    if strategy.get("can_earn") is False and snapshot.get("state") == "running":
        problem = strategy.get("problem") or "the quotes sit outside the reward band"
        return [Condition("earn", WARNING, f"the quotes earn nothing: {problem}")]
    return _tier(snapshot)


def _tier(snapshot: dict) -> list[Condition]:
    """The hour's target tier at risk or out of reach, while the bot runs (a stopped bot
    earns nothing on purpose) and once the hour's pace means something."""
    tier, budget = target_tier(snapshot), snapshot.get("tier") or {}
    if snapshot.get("state") != "running" or tier is None or tier.get("status") not in AT_RISK:
        return []
    if (budget.get("elapsed_minutes") or 0) < TIER_GRACE_MINUTES:
        return []
    hour = (budget.get("hour") or "")[11:16]
    text = (
        f"{tier.get('name')} tier ({tier.get('minutes')} min in band) {tier.get('status')} for "
        f"the {hour} UTC hour: {budget.get('in_band_minutes')} min in band, "
        f"{tier.get('needed')} min still needed, {budget.get('minutes_left')} min left"
    )
    return [Condition(f"tier:{budget.get('hour')}", WARNING, text)]


def health(snapshot: dict | None, now: float) -> dict:
    """One bot's part of /healthz: ok or degraded (a critical condition), and why."""
    conditions = bot_conditions(snapshot, now)
    problems = [c.text for c in conditions if c.severity == CRITICAL]
    age = None if snapshot is None else snapshot_age(snapshot, now)
    return {
        "status": "degraded" if problems else "ok",
        "problems": problems,
        "warnings": [c.text for c in conditions if c.severity != CRITICAL],
        "state": None if snapshot is None else snapshot.get("state"),
        "snapshot_age_s": None if age is None else round(age, 1),
    }
