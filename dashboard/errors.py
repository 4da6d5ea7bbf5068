"""A database the web tier cannot use (locked by another writer, full, read-only, gone)
answers 503 with Retry-After, quickly: JSON `{"detail": ...}` under /api/, a plain page
elsewhere, instead of Django's HTML 500 after SQLite's 20 s busy timeout.

The web's own SQLite connections wait at most WEB_BUSY_TIMEOUT_SECONDS for a lock, well
inside any HTTP client's timeout. The engine keeps the long wait of settings (its store calls
run outside requests and must ride out a lock): the short one is set only on connections
opened while a request is being served (RequestMarker sets a context variable that Django's
sync views inherit in their thread).
"""

from __future__ import annotations

import contextvars
import logging
import sys

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.db import DatabaseError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error

log = logging.getLogger(__name__)

WEB_BUSY_TIMEOUT_SECONDS = 3
RETRY_AFTER_SECONDS = 5
# The messages worth passing on (SQLite's own words); anything else is named by its type
# only, since a server's error text may carry host or user names.
KNOWN_CAUSES = (
    "database is locked",
    "database table is locked",
    "database or disk is full",
    "attempt to write a readonly database",
    "unable to open database file",
    "disk I/O error",
)

_serving_request: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "serving_request", default=False
)


class RequestMarker:
    """First middleware: marks the context as serving a request (sync and async)."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        token = _serving_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _serving_request.reset(token)

    async def _acall(self, request):
        token = _serving_request.set(True)
        try:
            return await self.get_response(request)
        finally:
            _serving_request.reset(token)


@receiver(connection_created)
def short_busy_timeout_for_requests(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite" and _serving_request.get():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {WEB_BUSY_TIMEOUT_SECONDS * 1000}")


def cause(exc: DatabaseError) -> str:
    text = str(exc)
    known = next((c for c in KNOWN_CAUSES if c in text), None)
    return f"database unavailable: {known or type(exc).__name__}; try again shortly"


def unavailable_json(exc: DatabaseError) -> JsonResponse:
    response = JsonResponse({"detail": cause(exc)}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def unavailable_page(exc: DatabaseError) -> HttpResponse:
    # Rendered without the request: its context processors would read the session and the
    # user from the very database that just failed.
    html = render_to_string("503.html", {"message": cause(exc)})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error_or_unavailable(request, *args, **kwargs):
    """handler500: Django calls it while handling the exception, from a view or from any
    middleware (a session saved on the way out, say), so sys.exc_info() says what failed."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        log.warning("%s %s: %s", request.method, request.path, cause(exc))
        return unavailable_json(exc) if request.path.startswith("/api/") else unavailable_page(exc)
    return server_error(request, *args, **kwargs)
