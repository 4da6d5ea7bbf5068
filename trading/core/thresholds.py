"""PURE: how long things stay good, each said once for the engine, the bus, the alerts, the
pages and the commands that act on it."""

from __future__ import annotations

# Engines publish a snapshot every second; one older than this means the engine stopped
# publishing: the bus lets it expire ("no engine connected"), the page greys it and says so,
# the alerts call the engine silent.
SNAPSHOT_FRESH_SECONDS = 5
# A day's notice before the access token expires (renewing takes a person): the engine's
# events, the page's banner, the alert and checkaccount warn from then on.
TOKEN_WARN_SECONDS = 24 * 3600
