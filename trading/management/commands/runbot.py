"""`python manage.py runbot`: the engine, the dashboard and (in sim mode) the simulator in one
process on one asyncio loop.

Each step is small and separately testable: check the database, resolve where the exchange is
(and the credentials), build the client and the engine, serve, and stop cleanly on SIGINT,
SIGTERM or the end of --duration (the engine cancels every order of ours and verifies it).
Secrets are never printed or logged.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from trading import store
from trading.engine import Engine, EngineOptions
from trading.standx.rest import StandXRest
from trading.standx.signing import KeyFormatError, RequestSigner

log = logging.getLogger("trading.runbot")

SHUTDOWN_GRACE_SECONDS = 30.0     # the engine's own clean stop is bounded well inside this
WEB_STOP_SECONDS = 5.0


@dataclass(frozen=True)
class Venue:
    """Where the engine trades and with which credentials (never printed)."""
    mode: str
    api_base: str
    ws_url: str
    token: object
    private_key: object
    label: str


class Command(BaseCommand):
    help = "Run the market-making engine with its dashboard (and the simulator in sim mode)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                            help="run this long, then stop cleanly (cancel all our orders)")
        parser.add_argument("--engine-only", action="store_true",
                            help="do not serve the dashboard (split deployment)")
        parser.add_argument("--no-sim", action="store_true",
                            help="in sim mode, use STANDX_API_BASE/STANDX_WS_URL instead of "
                                 "starting the bundled simulator")
        parser.add_argument("--bot", default="default", help="name of the BotConfig row")

    def handle(self, *args, **opts) -> None:
        if opts["duration"] is not None and opts["duration"] <= 0:
            raise CommandError("--duration must be a positive number of seconds")
        check_database()
        try:
            asyncio.run(Runner(self, opts).run())
        except KeyboardInterrupt:      # a second Ctrl-C during the clean stop
            self.stderr.write("interrupted during shutdown")
            sys.exit(1)
        except ExceptionGroup as group:      # a task of the TaskGroup failed for good
            error = first_error(group)
            if isinstance(error, CommandError):
                raise error from None
            log.error("runbot failed", exc_info=error)
            raise CommandError(f"runbot failed: {type(error).__name__}: {error}") from None


def first_error(group: BaseException) -> BaseException:
    while isinstance(group, BaseExceptionGroup) and group.exceptions:
        group = group.exceptions[0]
    return group


def check_database() -> None:
    try:
        pending = store.unapplied_migrations()
    except DatabaseError as exc:
        raise CommandError(f"cannot open the database: {exc}") from None
    if pending:
        raise CommandError(
            f"the database is not migrated ({len(pending)} migrations pending, e.g. "
            f"{pending[0]}); run `python manage.py migrate` (or `make run`, which does it)")


class Runner:
    def __init__(self, command: BaseCommand, opts: dict):
        self.command, self.opts = command, opts
        self.shutdown = asyncio.Event()

    def say(self, text: str) -> None:
        self.command.stdout.write(text)
        self.command.stdout.flush()

    async def run(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            venue, sim = await self.open_venue(stack)
            self.install_signal_handlers()    # after the simulator's uvicorn took its own
            rest = StandXRest(venue.api_base, token=venue.token,
                              signer=make_signer(venue.private_key),
                              timeout=float(settings.HTTP_TIMEOUT_SECONDS))
            stack.push_async_callback(rest.aclose)
            engine = Engine(self.opts["bot"], rest, venue.ws_url, venue.token, venue.mode,
                            EngineOptions.from_settings())
            web = None if self.opts["engine_only"] else make_web_server()
            await self.banner(venue, engine, web)
            await self.serve(engine, web)
        self.say("runbot stopped cleanly")

    async def open_venue(self, stack: contextlib.AsyncExitStack):
        if settings.STANDX_MODE == "live":
            return live_venue(), None
        if self.opts["no_sim"]:
            return await external_sim_venue(), None
        from trading.sim.runner import SimServer
        sim = SimServer(host=settings.SIM_HOST, port=settings.SIM_PORT, seed=settings.SIM_SEED)
        await sim.start()
        stack.push_async_callback(sim.stop)
        account = sim.create_account()
        return Venue("sim", sim.api_base, sim.ws_stream_url, account.token,
                     account.private_key, f"bundled simulator on {sim.api_base}"), sim

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.on_signal, sig)

    def on_signal(self, sig: int) -> None:
        if self.shutdown.is_set():
            log.warning("%s again: still stopping cleanly", signal.Signals(sig).name)
            return
        log.info("%s: stopping cleanly", signal.Signals(sig).name)
        self.shutdown.set()

    async def banner(self, venue: Venue, engine: Engine, web) -> None:
        self.say(f"mode: {venue.mode} ({venue.label})")
        config = await store.call(store.load_config, engine.bot)
        symbol = config.symbol if config is not None else "(from config)"
        self.say(f"bot: {engine.bot}  symbol: {symbol}")
        if web is not None:
            self.say(f"dashboard: {await dashboard_link()}")
        else:
            self.say("dashboard: not served (--engine-only)")

    async def serve(self, engine: Engine, web) -> None:
        async with asyncio.TaskGroup() as group:
            engine_task = group.create_task(engine.run(), name="engine")
            web_task = group.create_task(web.serve(), name="web") if web else None
            await self.wait_for_stop(engine_task)
            engine.request_shutdown()
            try:
                async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
                    await asyncio.shield(engine_task)
            except TimeoutError:
                log.error("engine did not stop within %.0fs; abandoning it", SHUTDOWN_GRACE_SECONDS)
                engine_task.cancel()
            if web_task is not None:
                await stop_web(web, web_task)

    async def wait_for_stop(self, engine_task: asyncio.Task) -> None:
        waiters = [asyncio.ensure_future(self.shutdown.wait())]
        if self.opts["duration"]:
            waiters.append(asyncio.ensure_future(asyncio.sleep(self.opts["duration"])))
        done, pending = await asyncio.wait([*waiters, engine_task],
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            if task is not engine_task:
                task.cancel()


async def stop_web(web, web_task: asyncio.Task) -> None:
    web.should_exit = True
    try:
        async with asyncio.timeout(WEB_STOP_SECONDS):
            await asyncio.shield(web_task)
    except TimeoutError:
        web.force_exit = True
        web_task.cancel()


def make_signer(private_key: object) -> RequestSigner:
    try:
        return RequestSigner(private_key)
    except (KeyFormatError, ValueError) as exc:
        raise CommandError(f"STANDX_ED25519_PRIVATE_KEY is not usable: {exc}") from None


def live_venue() -> Venue:
    return Venue("live", settings.STANDX_API_BASE, settings.STANDX_WS_URL,
                 settings.STANDX_JWT_TOKEN, settings.STANDX_ED25519_PRIVATE_KEY,
                 f"StandX at {settings.STANDX_API_BASE}")


async def external_sim_venue() -> Venue:
    """A simulator started elsewhere (e.g. `manage.py runsim`): credentials from the
    environment, or a fresh funded account from its POST /sim/accounts."""
    token = os.environ.get("STANDX_JWT_TOKEN") or settings.STANDX_JWT_TOKEN
    key = os.environ.get("STANDX_ED25519_PRIVATE_KEY") or settings.STANDX_ED25519_PRIVATE_KEY
    label = f"external simulator at {settings.STANDX_API_BASE}"
    if token and key:
        return Venue("sim", settings.STANDX_API_BASE, settings.STANDX_WS_URL, token, key, label)
    try:
        async with httpx.AsyncClient(base_url=settings.STANDX_API_BASE,
                                     timeout=float(settings.HTTP_TIMEOUT_SECONDS)) as http:
            response = await http.post("/sim/accounts", content=b"{}",
                                       headers={"Content-Type": "application/json"})
            response.raise_for_status()
            account = response.json()
        return Venue("sim", settings.STANDX_API_BASE, settings.STANDX_WS_URL,
                     account["token"], account["ed25519_private_key"],
                     label + " (new account)")
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise CommandError(f"could not create an account on the simulator at "
                           f"{settings.STANDX_API_BASE}: {type(exc).__name__}") from None


def make_web_server():
    import uvicorn

    class DashboardServer(uvicorn.Server):
        """runbot owns SIGINT/SIGTERM: uvicorn would re-raise them after its own shutdown
        and end the process before the engine's clean stop has finished."""

        @contextlib.contextmanager
        def capture_signals(self):
            yield

    from mmsite.asgi import application
    config = uvicorn.Config(application, host=settings.WEB_HOST, port=settings.WEB_PORT,
                            lifespan="off", log_level="warning")
    return DashboardServer(config)


async def dashboard_link() -> str:
    host = settings.WEB_HOST
    shown = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown}:{settings.WEB_PORT}/"
    try:
        from dashboard.auth import issue_login_link
    except ImportError:
        return base_url
    try:
        # It writes a one-time token to the database: run it off the event loop.
        return await sync_to_async(issue_login_link, thread_sensitive=True)(base_url)
    except Exception as exc:       # the dashboard still works with a normal login
        log.warning("could not issue a login link: %s", type(exc).__name__)
        return base_url
