"""ASGI wrappers in front of the WebSocket routes (see mmsite/asgi.py).

The Origin check exists against cross-site WebSocket hijacking: a page on another site
opening our socket with the browser's session cookie. "Another site" is another origin:
scheme, host AND port. A page on http://127.0.0.1:9999 (any other local service) is as
foreign as one on the internet, though its host is ours; Channels' AllowedHostsOriginValidator
compares the host with ALLOWED_HOSTS only, so the origin must equal the page's own (the
handshake's scheme and Host header, the host one of ALLOWED_HOSTS) or one of
CSRF_TRUSTED_ORIGINS, as Django's CSRF check does for a POST.

A bearer token is not ambient authority (a browser never attaches an Authorization header to
a WebSocket handshake: its WebSocket API cannot set one), so a handshake carrying one comes
from a script, whose Origin (or none) proves nothing and matters to nobody. Such a handshake
skips the Origin check, and its cookies are dropped, so the token alone decides: a wrong
token is refused even when a valid session cookie rides along.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from dashboard.auth import bearer_from_headers

DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginCheckForSessions:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if bearer_from_headers(scope["headers"]) is None:
            if not same_origin(scope):
                return await WebsocketDenier()(scope, receive, send)
            return await self.app(scope, receive, send)
        headers = [(name, value) for name, value in scope["headers"] if name.lower() != b"cookie"]
        return await self.app({**scope, "headers": headers}, receive, send)


def same_origin(scope) -> bool:
    """The handshake's Origin is the page's own origin, or a trusted one."""
    headers = {name.lower(): value.decode("latin-1") for name, value in scope["headers"]}
    origin, host = _origin(headers.get(b"origin", "")), headers.get(b"host", "")
    domain, _port = split_domain_port(host)
    if origin is None or not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    if origin == _origin(f"{scheme}://{host}"):
        return True
    return any(_trusted(origin, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS)


def _origin(text: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the scheme's default port made explicit; None if unusable."""
    try:
        parts = urlsplit(text.strip().lower())
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is not a number, or out of range
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def _trusted(origin: tuple[str, str, int], pattern: str) -> bool:
    """CSRF_TRUSTED_ORIGINS' rule: scheme and port exact, `https://*.example.com` for a
    domain and its subdomains."""
    wildcard = "://*." in pattern
    trusted = _origin(pattern.replace("://*.", "://", 1))
    if trusted is None:
        return False
    scheme, host, port = trusted
    same_host = is_same_domain(origin[1], "." + host) if wildcard else origin[1] == host
    return (origin[0], origin[2]) == (scheme, port) and same_host
