from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.urls import path, re_path

from dashboard.consumers import DashboardConsumer, OverviewConsumer, StateConsumer

if TYPE_CHECKING:
    from channels.routing import URLRouter, _ExtendedURLPattern

# django.urls.path is typed for Django views (django-stubs); Channels routes its ASGI
# consumers through it, as its documentation does, and URLRouter's stub wants the result
# typed as its own patterns.
# mypy: disable-error-code="arg-type, list-item"


async def unknown_path(scope, receive, send) -> None:
    """Any other WebSocket path: a 404 where the server can answer a handshake with one
    (uvicorn), a refused handshake (403) elsewhere; never a 500 and a traceback (Channels'
    router raises on a path it has no route for)."""
    await receive()  # websocket.connect
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close"})
        return
    body = json.dumps({"detail": f"no WebSocket at {scope['path']}"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "websocket.http.response.start", "status": 404, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": body})


websocket_urlpatterns: list[_ExtendedURLPattern | URLRouter] = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),  # bot "default"
    path("ws/dashboard/<slug:bot>/", DashboardConsumer.as_asgi()),
    path("ws/overview/", OverviewConsumer.as_asgi()),
    path("ws/bots/<slug:bot>/", StateConsumer.as_asgi()),
    re_path(r"^ws/?$", StateConsumer.as_asgi()),  # the original README's JSON stream
    re_path(r"", unknown_path),  # last: everything else
]
