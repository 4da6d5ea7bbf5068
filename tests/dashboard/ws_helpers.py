"""Connecting test WebSocket clients to the consumers, as a user or as nobody."""
from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

PANEL_IDS = ("panel-status", "panel-market", "panel-orders", "panel-uptime", "panel-events")


def communicator(consumer, path: str, user=None, headers=None) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(consumer.as_asgi(), path, headers=headers or [])
    comm.scope["user"] = user or AnonymousUser()
    return comm
