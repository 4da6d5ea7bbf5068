"""ASGI wrappers in front of the WebSocket routes (see mmsite/asgi.py).

The Origin check exists against cross-site WebSocket hijacking: a page on another site
opening our socket with the browser's session cookie. A bearer token is not ambient
authority (a browser never attaches an Authorization header to a WebSocket handshake: its
WebSocket API cannot set one), so a handshake carrying one comes from a script, whose
Origin (or none) proves nothing and matters to nobody. Such a handshake skips the Origin
check, and its cookies are dropped, so the token alone decides: a wrong token is refused
even when a valid session cookie rides along.
"""

from __future__ import annotations

from channels.security.websocket import AllowedHostsOriginValidator

from dashboard.auth import bearer_from_headers


class OriginCheckForSessions:
    def __init__(self, app):
        self.app = app
        self.origin_checked = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        if bearer_from_headers(scope["headers"]) is None:
            return await self.origin_checked(scope, receive, send)
        headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"cookie"]
        return await self.app({**scope, "headers": headers}, receive, send)
