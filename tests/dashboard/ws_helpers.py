"""Connecting test WebSocket clients to the consumers, as a user or as nobody."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

PANEL_IDS = (
    "panel-status",
    "panel-strategy",
    "panel-tier",
    "panel-size",
    "panel-lifetimes",
    "panel-market",
    "panel-account",
    "panel-fills",
    "panel-uptime",
    "panel-orders",
    "panel-events",
)


def communicator(
    consumer, path: str, user=None, headers=None, bot: str | None = None
) -> WebsocketCommunicator:
    """`bot` is what the URL router would pass for /ws/dashboard/<bot>/ or /ws/bots/<bot>/."""
    comm = WebsocketCommunicator(consumer.as_asgi(), path, headers=headers or [])
    # The keys AuthMiddleware and the URL router would add (the stubs' test scope lacks them).
    comm.scope["user"] = user or AnonymousUser()  # type: ignore[typeddict-unknown-key]
    if bot is not None:
        comm.scope["url_route"] = {  # type: ignore[typeddict-unknown-key]
            "args": (),
            "kwargs": {"bot": bot},
        }
    return comm
