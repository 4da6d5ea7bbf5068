"""WebSocket consumers, thin on purpose: authenticate, join the group, forward.

/ws/dashboard/  HTML for the page: every frame is the five panels as htmx OOB swaps.
/ws             JSON state (the snapshot dict) for scripts, once per engine snapshot (1 Hz).

Both accept a staff session (cookie, checked by AuthMiddlewareStack) or the API token as
`Authorization: Bearer ...`; the Origin header is checked in mmsite.asgi. Clients cannot
steer the bot over these sockets: control goes through POST views with CSRF.
"""
from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from dashboard import render
from dashboard.auth import api_token_matches, bearer_from_headers, is_operator
from dashboard.state import DEFAULT_BOT, current_snapshot
from trading import bus

log = logging.getLogger(__name__)

# The only messages a dashboard client may send: "ping" asks for a fresh full frame.
ALLOWED_ACTIONS = frozenset({"ping"})


def authenticated(scope) -> bool:
    return is_operator(scope.get("user")) or api_token_matches(bearer_from_headers(scope["headers"]))


class _SnapshotConsumer(AsyncWebsocketConsumer):
    bot = DEFAULT_BOT

    async def connect(self) -> None:
        if not authenticated(self.scope):
            await self.close()          # before accept(): the handshake is refused (403)
            return
        await self.channel_layer.group_add(bus.DASHBOARD_GROUP, self.channel_name)
        await self.accept()
        await self.forward(await database_sync_to_async(current_snapshot)(self.bot))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(bus.DASHBOARD_GROUP, self.channel_name)

    async def bot_snapshot(self, event: dict) -> None:
        snapshot = event.get("snapshot") or {}
        if snapshot.get("bot") == self.bot:
            await self.forward(snapshot)

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


def _action(text_data: str | None) -> str | None:
    """htmx's ws-send posts the form as JSON; plain clients may send {"action": ...}."""
    try:
        message = json.loads(text_data or "")
    except ValueError:
        return None
    return message.get("action") if isinstance(message, dict) else None
