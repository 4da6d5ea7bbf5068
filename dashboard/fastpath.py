"""GET /api/status (and /orders, /uptime) for scripts, answered without Django when an
engine in this process publishes the bot's snapshots (one `runbot`): the same body the API
view returns (the same functions, dashboard.state.SNAPSHOT_READS), serialized once per
snapshot (once a second) and sent as bytes.

Why: through Django every request costs a thread of its own (sync views and signal handlers
run through asgiref in a per-request thread) and about 2 ms of the event loop the engine
trades on; 200 pollers made reads take seconds and stretched the engine's reactions. This
answers in tens of microseconds, on the loop, with no database work.

It handles only what it can answer exactly like the API; anything else goes to Django
unchanged: another method or path, a disallowed Host, no bearer token, a wrong one (Django
answers 401, or 429 past the address's failure budget, and counts it), a session cookie
instead of a token, or no snapshot published here (the split web tier, no engine). A right
token is answered here whatever failures its address had (dashboard/throttle.py).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from ninja.responses import NinjaJSONEncoder

from dashboard.auth import api_token_matches, bearer_from_headers
from dashboard.state import DEFAULT_BOT, SNAPSHOT_READS
from trading import bus

READ_PATH = re.compile(r"/api/(?:bots/(?P<bot>[-a-zA-Z0-9_]+)/)?(?P<read>status|orders|uptime)")
# What Django's middleware adds to the API's answer (SecurityMiddleware, XFrameOptions; and
# X-Trading-Mode, dashboard/context.py, added per answer).
HEADERS = [
    (b"content-type", b"application/json; charset=utf-8"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class StatusFastPath:
    def __init__(self, app):
        self.app = app
        # (bot, read) -> (the snapshot's JSON text, the answer's body)
        self._bodies: dict[tuple[str, str], tuple[str, bytes]] = {}

    async def __call__(self, scope, receive, send):
        body = self.answer(scope) if scope["type"] == "http" else None
        if body is None:
            return await self.app(scope, receive, send)
        headers = [*HEADERS, (b"x-trading-mode", settings.STANDX_MODE.encode())]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def answer(self, scope) -> bytes | None:
        """The body, or None when Django must answer."""
        match = READ_PATH.fullmatch(scope["path"]) if scope["method"] == "GET" else None
        if match is None or not _allowed_host(scope["headers"]):
            return None
        token = bearer_from_headers(scope["headers"])
        if token is None or not api_token_matches(token):
            return None  # Django answers 401 (or 429) and counts the failure
        bot = match["bot"] or DEFAULT_BOT
        text = bus.snapshot_text(bot) if bus.snapshots_are_local() else None
        if text is None:
            return None
        key = (bot, match["read"])
        cached = self._bodies.get(key)
        if cached is None or cached[0] != text:  # a new snapshot: once a second
            body = SNAPSHOT_READS[match["read"]](json.loads(text))
            cached = (text, json.dumps(body, cls=NinjaJSONEncoder).encode())
            self._bodies[key] = cached
        return cached[1]


def _allowed_host(headers) -> bool:
    host = next((value.decode("latin-1") for name, value in headers if name == b"host"), "")
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
