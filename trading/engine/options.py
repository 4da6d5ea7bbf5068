"""How one bot's engine is tuned: loop periods, timeouts, the order prefix, the requote
breaker's limits and the reward schedule its Maker Hours are estimated by. Defaults here;
`from_settings` takes what the environment sets (mmsite/settings.py), and tests pass faster
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from trading.core.reward_schedule import RewardSchedule
from trading.core.thresholds import TOKEN_WARN_SECONDS
from trading.schedules import load_schedule


@dataclass(frozen=True)
class EngineOptions:
    feed_stale_seconds: float = 5.0
    reconcile_every: float = 15.0
    persist_every: float = 5.0
    snapshot_every: float = 1.0
    config_poll_every: float = 2.0
    pending_timeout: float = 3.0
    capacity_fallback_seconds: float = 60.0
    token_warn_seconds: float = TOKEN_WARN_SECONDS  # a day's notice (token_watch.py)
    prefix: str = "mmbot-"
    # The requote breaker (trading/core/breaker.py): a safety net, not a setting to tune.
    breaker_max_places: int = 25
    breaker_window_seconds: float = 5.0
    breaker_hold_seconds: float = 30.0
    exchange_uptime_every: float = 300.0  # StandX's own uptime figures, read this often
    account_refresh_every: float = 10.0  # query_positions + query_balance at least this often
    # REWARD_SCHEDULE (docs/standx-protocol.md §7.5); the bundled default unless set.
    reward_schedule: RewardSchedule = field(default_factory=load_schedule)

    @classmethod
    def from_settings(cls, **overrides) -> EngineOptions:
        values = {
            "feed_stale_seconds": float(settings.FEED_STALE_SECONDS),
            "prefix": settings.CL_ORD_PREFIX,
            "reward_schedule": settings.REWARD_SCHEDULE_RULES,
        }
        return cls(**{**values, **overrides})
