"""WebSocket consumers, thin on purpose: authenticate, join the group, forward.

/ws/dashboard/[<bot>/]  HTML for a bot's page: every frame is the five panels as htmx OOB swaps.
/ws/overview/           HTML for the all-bots page: the table body on connect, then one bot's
                        row (OOB) per summary.
/ws, /ws/bots/<bot>/    JSON state (the snapshot dict) for scripts, once per engine snapshot (1 Hz).

The paths without a bot name mean "default". Each accepts a staff session (cookie, checked by
AuthMiddlewareStack) or the API token as `Authorization: Bearer ...`; the Origin header is
checked in mmsite.asgi. An unknown bot is refused before the handshake, like a stranger; a
wrong token from an address over its failure budget is accepted and closed at once with
4429 (dashboard/throttle.py), so a script can tell "wait" from "refused".
Clients cannot steer the bots over these sockets: control goes through POST views with CSRF.
Incoming messages are capped (MAX_MESSAGE_CHARS) and parsed defensively: too big closes with
1009, binary with 1003, text that is not a JSON object with 1008.
"""

from __future__ import annotations

import json
import logging

from asgiref.typing import WebSocketReceiveEvent
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dashboard import render, throttle
from dashboard.auth import api_token_matches, bearer_from_headers, is_operator
from dashboard.state import DEFAULT_BOT, bot_exists, current_snapshot, overview_rows
from trading import bus
from trading.core import bounded_json

log = logging.getLogger(__name__)

# The only messages a dashboard client may send: "ping" asks for a fresh full frame.
ALLOWED_ACTIONS = frozenset({"ping"})
# htmx's ws-send of the ping form is about 200 bytes; nothing a client may say needs more.
MAX_MESSAGE_CHARS = 4096
CLOSE_UNSUPPORTED_DATA = 1003  # RFC 6455 close codes
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TOO_BIG = 1009
REFUSE_HANDSHAKE = 403  # close before accept(): the server answers the handshake 403


class BadMessage(ValueError):
    """Text that is not a JSON object (or nests too deep to parse)."""


def refusal(scope) -> int | None:
    """None for a staff session or the right API token. Else how to refuse: REFUSE_HANDSHAKE,
    or throttle.CLOSE_THROTTLED for a wrong token from an address over its failure budget
    (counted like every failure; a right token always passes)."""
    if is_operator(scope.get("user")):
        return None
    token = bearer_from_headers(scope["headers"])
    if token is None:
        return REFUSE_HANDSHAKE
    if api_token_matches(token):
        return None
    throttled = throttle.failed(throttle.client_of_scope(scope)) is not None
    return throttle.CLOSE_THROTTLED if throttled else REFUSE_HANDSHAKE


class _GuardedConsumer(AsyncWebsocketConsumer):
    """Refuses what no client of ours sends before any consumer looks at it: binary frames
    and text over MAX_MESSAGE_CHARS."""

    async def admitted(self) -> bool:
        """Whether the client may connect; a refused one is closed here."""
        code = refusal(self.scope)
        if code == throttle.CLOSE_THROTTLED:
            # Accepted only to say why: a refused handshake is a bare 403 to every client.
            await self.accept()
            await self.close(code=code, reason="too many failed tokens from this address")
        elif code is not None:
            await self.close()  # before accept(): the handshake is refused (403)
        return code is None

    async def websocket_receive(self, message: WebSocketReceiveEvent) -> None:
        text = message.get("text")
        if text is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
        elif len(text) > MAX_MESSAGE_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
        else:
            await super().websocket_receive(message)


class _SnapshotConsumer(_GuardedConsumer):
    """One bot's snapshots: the bot named in the URL, or "default"."""

    group = None

    async def connect(self) -> None:
        self.bot = self.scope.get("url_route", {}).get("kwargs", {}).get("bot", DEFAULT_BOT)
        if not await self.admitted():
            return
        if not await database_sync_to_async(bot_exists)(self.bot):
            await self.close()  # before accept(): the handshake is refused (403)
            return
        self.group = bus.bot_group(self.bot)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.forward(await database_sync_to_async(current_snapshot)(self.bot))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def bot_snapshot(self, event: dict) -> None:
        await self.forward(event["snapshot"])

    async def forward(self, snapshot: dict) -> None:
        raise NotImplementedError


class DashboardConsumer(_SnapshotConsumer):
    async def forward(self, snapshot: dict) -> None:
        await self.send(text_data=render.render_oob_cached(snapshot))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            action = _action(text_data)
        except BadMessage:
            await self.close(code=CLOSE_POLICY_VIOLATION)
            return
        if action not in ALLOWED_ACTIONS:
            log.debug("ignored dashboard message %r", action)
            return
        await self.forward(await database_sync_to_async(current_snapshot)(self.bot))


class StateConsumer(_SnapshotConsumer):
    async def forward(self, snapshot: dict) -> None:
        await self.send(text_data=json.dumps(snapshot, default=str))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        return  # read-only stream


class OverviewConsumer(_GuardedConsumer):
    """Every bot's row. A summary of a bot the page has no row for yet is dropped by htmx
    (no target); the page's next connect (a reload or a reconnect) brings its row."""

    async def connect(self) -> None:
        if not await self.admitted():
            return
        await self.channel_layer.group_add(bus.OVERVIEW_GROUP, self.channel_name)
        await self.accept()
        rows = await database_sync_to_async(overview_rows)()
        await self.send(text_data=render.render_rows(rows, oob=True))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(bus.OVERVIEW_GROUP, self.channel_name)

    async def bot_summary(self, event: dict) -> None:
        await self.send(text_data=render.render_row_cached(event["summary"]))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        return  # nothing to steer here: the row buttons are POSTs


def _action(text_data: str | None) -> str | None:
    """htmx's ws-send posts the form as JSON; plain clients may send {"action": ...}.
    Deep nesting is refused before parsing (trading/core/bounded_json.py): garbage, not a
    crash."""
    try:
        message = bounded_json.loads(text_data or "")
    except ValueError:
        raise BadMessage("not JSON") from None
    if not isinstance(message, dict):
        raise BadMessage("not a JSON object")
    action = message.get("action")
    return action if isinstance(action, str) else None
