"""WebSocket consumers, thin on purpose: authenticate, join the group, forward.

/ws/dashboard/[<bot>/]  HTML for a bot's page: every frame is the five panels as htmx OOB swaps.
/ws/overview/           HTML for the all-bots page: the table body on connect, then one bot's
                        row (OOB) per summary.
/ws, /ws/bots/<bot>/    JSON state (the snapshot dict) for scripts, once per engine snapshot (1 Hz).

The paths without a bot name mean "default". Each accepts a staff session (cookie, checked by
AuthMiddlewareStack) or the API token as `Authorization: Bearer ...`; the Origin header is
checked in mmsite.asgi. An unknown bot is refused before the handshake, like a stranger.
Clients cannot steer the bots over these sockets: control goes through POST views with CSRF.
"""
from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dashboard import render
from dashboard.auth import api_token_matches, bearer_from_headers, is_operator
from dashboard.state import DEFAULT_BOT, bot_exists, current_snapshot, overview_rows
from trading import bus

log = logging.getLogger(__name__)

# The only messages a dashboard client may send: "ping" asks for a fresh full frame.
ALLOWED_ACTIONS = frozenset({"ping"})


def authenticated(scope) -> bool:
    return is_operator(scope.get("user")) or api_token_matches(bearer_from_headers(scope["headers"]))


class _SnapshotConsumer(AsyncWebsocketConsumer):
    """One bot's snapshots: the bot named in the URL, or "default"."""
    group = None

    async def connect(self) -> None:
        self.bot = self.scope.get("url_route", {}).get("kwargs", {}).get("bot", DEFAULT_BOT)
        if not authenticated(self.scope) or not await database_sync_to_async(bot_exists)(self.bot):
            await self.close()          # before accept(): the handshake is refused (403)
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
        action = _action(text_data)
        if action not in ALLOWED_ACTIONS:
            log.debug("ignored dashboard message %r", action)
            return
        await self.forward(await database_sync_to_async(current_snapshot)(self.bot))


class StateConsumer(_SnapshotConsumer):
    async def forward(self, snapshot: dict) -> None:
        await self.send(text_data=json.dumps(snapshot, default=str))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        return  # read-only stream


class OverviewConsumer(AsyncWebsocketConsumer):
    """Every bot's row. A summary of a bot the page has no row for yet is dropped by htmx
    (no target); the page's next connect (a reload or a reconnect) brings its row."""

    async def connect(self) -> None:
        if not authenticated(self.scope):
            await self.close()
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
    """htmx's ws-send posts the form as JSON; plain clients may send {"action": ...}."""
    try:
        message = json.loads(text_data or "")
    except ValueError:
        return None
    return message.get("action") if isinstance(message, dict) else None
