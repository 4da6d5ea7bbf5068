"""Failed authentication, limited per client address: after FAILURE_LIMIT failures within
WINDOW_SECONDS, that address is answered 429 (Retry-After) until the oldest of them leaves
the window, before its credentials are even checked (else a right guess would still be told
apart from a wrong one at full speed). Successes are never counted; other addresses are not
affected. Covers the API's bearer token, the WebSocket token, the login forms (dashboard and
admin) and the one-time login link.

Why not a library: django-axes guards username/password logins only (not bearer tokens nor
WebSocket handshakes) and writes a row per failure to the very database whose outage must not
lock operators out; django-ratelimit counts requests rather than failures, needs an
HttpRequest (a WebSocket has a scope) and asks for a shared cache with atomic increments.
This is a sliding window of timestamps in Django's cache: the process's local memory (no
CACHES setting), so each web process counts its own clients. Behind a reverse proxy every
client has the proxy's address: they would share one budget (no forwarded header is trusted:
a client could forge it).
"""

from __future__ import annotations

import math
import threading
import time

from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.shortcuts import render

FAILURE_LIMIT = 10
WINDOW_SECONDS = 60.0
THROTTLED_VIEWS = frozenset({"login", "admin:login", "login-link"})
_lock = threading.Lock()  # one read-modify-write at a time (views run in threads)


def client_of_request(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def client_of_scope(scope) -> str:
    return (scope.get("client") or ("unknown",))[0] or "unknown"


def _key(client: str) -> str:
    return f"auth-failures:{client}"


def _recent(client: str, now: float) -> list[float]:
    return [t for t in cache.get(_key(client), []) if t > now - WINDOW_SECONDS]


def retry_after(client: str, now: float | None = None) -> int | None:
    """Whole seconds until `client` may try again; None when it may now."""
    now = time.time() if now is None else now
    failures = _recent(client, now)
    if len(failures) < FAILURE_LIMIT:
        return None
    return max(1, math.ceil(failures[-FAILURE_LIMIT] + WINDOW_SECONDS - now))


def record_failure(client: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with _lock:
        failures = _recent(client, now) + [now]
        cache.set(_key(client), failures[-FAILURE_LIMIT:], timeout=math.ceil(WINDOW_SECONDS))


def message(wait: int) -> str:
    return f"too many failed logins from this address; try again in {wait} s"


class TooManyFailures(Exception):
    def __init__(self, wait: int):
        super().__init__(message(wait))
        self.wait = wait


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    if request is not None:
        record_failure(client_of_request(request))


class LoginThrottleMiddleware:
    """The login forms and the login link answer 429 to an address over its budget."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in THROTTLED_VIEWS:
            return None
        if match.view_name != "login-link" and request.method != "POST":
            return None
        wait = retry_after(client_of_request(request))
        if wait is None:
            return None
        response = render(
            request,
            "refused.html",
            {"title": "Too many attempts", "message": message(wait)},
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
