"""The embedded dashboard server of `runbot`: its listening socket (taken before anything
else starts, so a busy port is one clear sentence, not a traceback after the engines are up),
the uvicorn server on it, its clean stop, and the one-time login link."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import CommandError

from dashboard.auth import issue_login_link

log = logging.getLogger("trading.runbot")

WEB_STOP_SECONDS = 5.0


def bind_web_socket() -> socket.socket:
    """WEB_HOST:WEB_PORT bound now, or a CommandError naming the variable and the fix."""
    host, port = settings.WEB_HOST.strip("[]"), settings.WEB_PORT
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CommandError(bind_problem(settings.WEB_HOST, port, exc)) from None
    except UnicodeError:  # a host name the resolver cannot even encode
        sock.close()
        raise CommandError(f"WEB_HOST={settings.WEB_HOST!r} is not a host name") from None
    return sock


def bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"WEB_PORT {port} on {host} is already in use (another runbot, or another "
            "program). Stop that program, or set WEB_PORT to a free port in .env (e.g. "
            f"WEB_PORT={port + 1 if port < 65535 else 8001}); `runbot --engine-only` runs "
            "without the dashboard."
        )
    if exc.errno == errno.EACCES:
        return (
            f"WEB_PORT {port} on {host} cannot be opened: permission denied (ports below "
            "1024 need root). Set WEB_PORT to 1024 or above in .env (8000 is the default)."
        )
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return (
            f"WEB_HOST {host} is not an address of this machine ({exc.strerror}). Set "
            "WEB_HOST=127.0.0.1 in .env, or an address this machine has."
        )
    return (
        f"the dashboard cannot listen on {host}:{port} ({exc.strerror}); check WEB_HOST "
        "and WEB_PORT in .env."
    )


def make_web_server():
    import uvicorn

    class DashboardServer(uvicorn.Server):
        """runbot owns SIGINT/SIGTERM: uvicorn would re-raise them after its own shutdown
        and end the process before the engine's clean stop has finished."""

        @contextlib.contextmanager
        def capture_signals(self):
            yield

    from mmsite.asgi import application

    config = uvicorn.Config(
        application,
        host=settings.WEB_HOST,
        port=settings.WEB_PORT,
        lifespan="off",
        log_level="warning",
        log_config=None,  # our handler: every line in LOG_FORMAT, with its bot field
    )
    return DashboardServer(config)


def route_uvicorn_logs() -> None:
    """uvicorn's loggers through ours: a uvicorn.Config with its default log_config (the
    bundled simulator's) gives them their own handler and format, which would put plain
    lines into a JSON log."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


async def stop_web(web, web_task: asyncio.Task) -> None:
    web.should_exit = True
    try:
        async with asyncio.timeout(WEB_STOP_SECONDS):
            await asyncio.shield(web_task)
    except TimeoutError:
        web.force_exit = True
        web_task.cancel()


async def dashboard_link() -> str:
    host = settings.WEB_HOST
    shown = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown}:{settings.WEB_PORT}/"
    try:
        # It writes a one-time token to the database: run it off the event loop.
        return await sync_to_async(issue_login_link, thread_sensitive=True)(base_url)
    except Exception as exc:  # noqa: BLE001  the dashboard still works with a normal login
        log.warning("could not issue a login link: %s", type(exc).__name__)
        return base_url
