"""Failed authentication, slowed per client address: once an address has FAILURE_LIMIT
failures within WINDOW_SECONDS, each further failure from it is answered 429 (Retry-After)
instead of 401 or the login form, until the oldest of them leaves the window. Only failures
are counted and only failures are slowed: the credentials are checked first, and a right
one always passes, so an operator's scripts and logins keep working from an address that
also sent wrong tokens (a stale token in one script must not lock out the others, the login
page or the kill button). Other addresses are not affected. Covers the API's bearer token,
/metrics, the WebSocket token (a throttled socket is closed with CLOSE_THROTTLED), the login
forms (dashboard and admin) and the one-time login link.

What stops guessing is the secrets' size (an API token of at least API_TOKEN's minimum
length, 256-bit login links, passwords through Django's slow hasher); the budget keeps a
guesser slow and visible, never at the operator's expense.

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
# An application close code (4000-4999): RFC 6455's 1008 would not tell a script to wait.
CLOSE_THROTTLED = 4429
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


def failed(client: str, now: float | None = None) -> int | None:
    """Count a failure of `client`: the wait to answer with (429) when it was already over
    its budget, else None (answer as usual: 401, the form again)."""
    now = time.time() if now is None else now
    wait = retry_after(client, now)
    record_failure(client, now)
    return wait


def message(wait: int) -> str:
    return f"too many failed logins from this address; try again in {wait} s"


class TooManyFailures(Exception):
    def __init__(self, wait: int):
        super().__init__(message(wait))
        self.wait = wait


@receiver(user_login_failed)
def count_failed_login(sender, credentials, request=None, **kwargs) -> None:
    if request is not None:
        request_failed(request)


def request_failed(request) -> None:
    """A login (form or link) of this request failed: counted, and answered 429 by the
    middleware when its address was over its budget."""
    request.throttle_wait = failed(client_of_request(request))


class LoginThrottleMiddleware:
    """A failed login from an address over its budget is answered 429 instead of the form.
    It runs after the view: the credentials decide first, and a right one logs in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        wait = getattr(request, "throttle_wait", None)
        if wait is None:
            return response
        refused = render(
            request,
            "refused.html",
            {"title": "Too many attempts", "message": message(wait)},
            status=429,
        )
        refused["Retry-After"] = str(wait)
        return refused
