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
from trading.accounts import Account, settings_account_for_bot
from trading.engine import Engine, EngineOptions
from trading.lease import LeaseKeeper, LeaseLost, LeaseUnavailable
from trading.standx.rest import StandXRest
from trading.standx.signing import KeyFormatError, RequestSigner

log = logging.getLogger("trading.runbot")

SHUTDOWN_GRACE_SECONDS = 30.0     # the engine's own clean stop is bounded well inside this
WEB_STOP_SECONDS = 5.0
WEB_START_SECONDS = 15.0


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
                            help="do not serve the dashboard (split deployment); hold a lease "
                                 "on the bot so no other worker quotes it at the same time")
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
        self.account = settings_account_for_bot(opts["bot"])
        self.lease_lost: LeaseLost | None = None

    def say(self, text: str) -> None:
        self.command.stdout.write(text)
        self.command.stdout.flush()

    async def run(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            venue, sim = await self.open_venue(stack)
            self.install_signal_handlers()    # after the simulator's uvicorn took its own
            keeper = await self.take_lease(stack) if self.opts["engine_only"] else None
            if self.shutdown.is_set():
                return
            rest = StandXRest(venue.api_base, token=venue.token,
                              signer=make_signer(venue.private_key, self.account),
                              timeout=float(settings.HTTP_TIMEOUT_SECONDS))
            stack.push_async_callback(rest.aclose)
            engine = Engine(self.opts["bot"], rest, venue.ws_url, venue.token, venue.mode,
                            EngineOptions.from_settings())
            web = None if self.opts["engine_only"] else make_web_server()
            await self.banner(venue, engine, web)
            await self.serve(engine, web, keeper)
            if keeper is not None and self.lease_lost is None:
                await keeper.release()
        if self.lease_lost is not None:
            raise CommandError(f"stopped: {self.lease_lost}")
        self.say("runbot stopped cleanly")

    async def take_lease(self, stack: contextlib.AsyncExitStack) -> LeaseKeeper | None:
        """The bot's lease before anything is quoted; waits (bounded, interruptible by a
        signal) while another worker holds it. None when a signal came first."""
        keeper = LeaseKeeper(self.opts["bot"], ttl=float(settings.LEASE_TTL_SECONDS))
        stack.push_async_callback(keeper.aclose)
        taking = asyncio.ensure_future(keeper.acquire(float(settings.LEASE_WAIT_SECONDS)))
        stopping = asyncio.ensure_future(self.shutdown.wait())
        await asyncio.wait([taking, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not taking.done():
            taking.cancel()
            return None
        try:
            lease = taking.result()
        except LeaseUnavailable as exc:
            raise CommandError(f"{exc}; is another `runbot --engine-only --bot "
                               f"{self.opts['bot']}` running? (LEASE_WAIT_SECONDS)") from None
        self.say(f"lease: bot {lease.bot} held by this worker ({lease.holder}, "
                 f"generation {lease.generation})")
        return keeper

    async def open_venue(self, stack: contextlib.AsyncExitStack):
        if settings.STANDX_MODE == "live":
            return live_venue(self.opts["bot"], self.account), None
        if self.opts["no_sim"]:
            return await external_sim_venue(self.account), None
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
        if web is None:
            self.say("dashboard: not served (--engine-only)")

    async def announce_dashboard(self, web, web_task: asyncio.Task) -> None:
        """Print the login link once the server listens: a link that refuses connections
        is no welcome (and a script or browser following it at once would fail)."""
        try:
            async with asyncio.timeout(WEB_START_SECONDS):
                while not web.started:
                    if web_task.done():
                        return                      # the server failed; the TaskGroup says why
                    await asyncio.sleep(0.02)
        except TimeoutError:
            log.warning("the dashboard did not start within %.0fs", WEB_START_SECONDS)
            return
        self.say(f"dashboard: {await dashboard_link()}")

    async def serve(self, engine: Engine, web, keeper: LeaseKeeper | None = None) -> None:
        async with asyncio.TaskGroup() as group:
            engine_task = group.create_task(engine.run(), name="engine")
            web_task = group.create_task(web.serve(), name="web") if web else None
            if web_task is not None:
                group.create_task(self.announce_dashboard(web, web_task), name="announce")
            lease_task = group.create_task(self.hold_lease(keeper), name="lease") if keeper else None
            await self.wait_for_stop(engine_task, lease_task)
            if self.lease_lost is not None and self.lease_lost.taken:
                # Another worker quotes this bot now and owns its orders: a clean stop would
                # cancel them, so leave without touching the exchange.
                engine_task.cancel()
            else:
                await stop_engine(engine, engine_task)
            if lease_task is not None:
                lease_task.cancel()
            if web_task is not None:
                await stop_web(web, web_task)

    async def hold_lease(self, keeper: LeaseKeeper) -> None:
        """Renew until cancelled; a lost lease ends the run (recorded, not raised, so the
        TaskGroup does not cancel the engine before it decides how to stop)."""
        try:
            await keeper.keep()
        except LeaseLost as exc:
            log.error("%s: stopping this worker", exc)
            self.lease_lost = exc

    async def wait_for_stop(self, engine_task: asyncio.Task,
                            lease_task: asyncio.Task | None = None) -> None:
        waiters = [asyncio.ensure_future(self.shutdown.wait())]
        if self.opts["duration"]:
            waiters.append(asyncio.ensure_future(asyncio.sleep(self.opts["duration"])))
        watched = [engine_task] + ([lease_task] if lease_task else [])
        done, pending = await asyncio.wait([*waiters, *watched],
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            if task not in watched:
                task.cancel()


async def stop_engine(engine: Engine, engine_task: asyncio.Task) -> None:
    """The engine's clean stop (cancel all our orders, verified), bounded."""
    engine.request_shutdown()
    try:
        async with asyncio.timeout(SHUTDOWN_GRACE_SECONDS):
            await asyncio.shield(engine_task)
    except TimeoutError:
        log.error("engine did not stop within %.0fs; abandoning it", SHUTDOWN_GRACE_SECONDS)
        engine_task.cancel()


async def stop_web(web, web_task: asyncio.Task) -> None:
    web.should_exit = True
    try:
        async with asyncio.timeout(WEB_STOP_SECONDS):
            await asyncio.shield(web_task)
    except TimeoutError:
        web.force_exit = True
        web_task.cancel()


def make_signer(private_key: object, account: Account | None = None) -> RequestSigner:
    variable = account.variables[1] if account else "STANDX_ED25519_PRIVATE_KEY"
    try:
        return RequestSigner(private_key)
    except (KeyFormatError, ValueError) as exc:
        raise CommandError(f"{variable} is not usable: {exc}") from None


def live_venue(bot: str, account: Account) -> Venue:
    """StandX with the credentials of the bot's account (BOT_ACCOUNTS; 'default' if unlisted)."""
    if not account.has_credentials:
        jwt, key = account.variables
        raise CommandError(f"bot {bot!r} trades on account {account.name!r}, which has no "
                           f"credentials: set {jwt} and {key} (or map the bot to another "
                           f"account in BOT_ACCOUNTS)")
    return Venue("live", settings.STANDX_API_BASE, settings.STANDX_WS_URL,
                 account.token, account.private_key,
                 f"StandX at {settings.STANDX_API_BASE}, account {account.name}")


async def external_sim_venue(account: Account) -> Venue:
    """A simulator started elsewhere (e.g. `manage.py runsim`): the bot's account's
    credentials from the environment, or a fresh funded account from POST /sim/accounts."""
    if account.name == "default":
        token = os.environ.get("STANDX_JWT_TOKEN") or account.token
        key = os.environ.get("STANDX_ED25519_PRIVATE_KEY") or account.private_key
    else:
        token, key = account.token, account.private_key
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
