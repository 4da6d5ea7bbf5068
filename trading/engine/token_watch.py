"""Warns, in the event log and the logs, while the access token is about to expire.

A JWT from standx.com lasts 7 days (or less); when it expires every private call gets a
401 and quoting stops. From token_warn_seconds before the expiry (a day: renewing takes a
wallet signature and a restart, and a trader may be asleep) the warning repeats every hour,
and every TOKEN_WARN_EVERY_SECONDS in the last hour. The dashboard's banner and the alert
(trading/alerts) read the expiry from the snapshot.
"""

from __future__ import annotations

import logging

from trading.engine.eventlog import EventLog

log = logging.getLogger(__name__)

TOKEN_WARN_EVERY_SECONDS = 600.0
TOKEN_WARN_EARLY_EVERY_SECONDS = 3600.0  # while more than an hour is left
RENEW = "renew it with python manage.py standx_login and restart runbot"


class TokenWatch:
    def __init__(self, events: EventLog, warn_seconds: float):
        self.events, self.warn_seconds = events, warn_seconds
        self._last_warning: float | None = None

    def check(self, expires_at: float | None, now: float) -> None:
        if expires_at is None:
            return
        remaining = expires_at - now
        every = TOKEN_WARN_EARLY_EVERY_SECONDS if remaining > 3600 else TOKEN_WARN_EVERY_SECONDS
        if remaining > self.warn_seconds or (
            self._last_warning is not None and now - self._last_warning < every
        ):
            return
        self._last_warning = now
        left = f"{remaining / 3600:.0f} h" if remaining > 3600 else f"{remaining / 60:.0f} min"
        text = (
            f"access token expires in {left}: {RENEW}"
            if remaining > 0
            else f"access token has expired: {RENEW}"
        )
        log.warning("%s", text)
        self.events.add("info", text)
