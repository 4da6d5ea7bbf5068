"""Warns, in the event log and the logs, while the access token is about to expire.

A JWT from standx.com lasts 7 days (or less); when it expires every private call gets a
401 and quoting stops. The warning repeats every TOKEN_WARN_EVERY_SECONDS from
token_warn_seconds before the expiry, so a trader sees it on the dashboard in time.
"""

from __future__ import annotations

import logging

from trading.engine.eventlog import EventLog

log = logging.getLogger(__name__)

TOKEN_WARN_EVERY_SECONDS = 600.0


class TokenWatch:
    def __init__(self, events: EventLog, warn_seconds: float):
        self.events, self.warn_seconds = events, warn_seconds
        self._last_warning = 0.0

    def check(self, expires_at: float | None, now: float) -> None:
        if expires_at is None or now - self._last_warning < TOKEN_WARN_EVERY_SECONDS:
            return
        remaining = expires_at - now
        if remaining <= self.warn_seconds:
            self._last_warning = now
            text = (
                f"access token expires in {remaining / 60:.0f} min: renew STANDX_JWT_TOKEN"
                if remaining > 0
                else "access token has expired: renew STANDX_JWT_TOKEN"
            )
            log.warning("%s", text)
            self.events.add("info", text)
