"""The runner behind `runbot`: the engines of the chosen bots, the dashboard and (in sim
mode) the simulator on one asyncio loop.

Each step is small and separately testable: choose the bots (trading.fleet.bots), resolve
each account's venue and client once (trading.fleet.venues), take each bot's lease, build
the engines, serve, and stop cleanly on SIGINT, SIGTERM or the end of --duration (each
engine cancels every order of its own and verifies it). Secrets are never printed or logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from dashboard.auth import issue_login_link
from trading import store
from trading.core.strategy import BAND, spread_problem
from trading.engine.engine import Engine
from trading.engine.options import EngineOptions
from trading.fleet.accounts import settings_account_for_bot
from trading.fleet.bots import BotRun, select_bots
from trading.fleet.lease import LeaseKeeper, LeaseUnavailable
from trading.fleet.venues import Seat, Venues

log = logging.getLogger("trading.runbot")

WEB_STOP_SECONDS = 5.0
WEB_START_SECONDS = 15.0
BOT_WATCH_SECONDS = 5.0
WS_CONNECTIONS_PER_IP = 10  # StandX, protocol sections 4.1 and 6


class Runner:
    def __init__(self, opts: dict, say: Callable[[str], None] = print):
        self.opts, self.say = opts, say
        self.shutdown = asyncio.Event()
        self.all_ended = asyncio.Event()
        self.runs: list[BotRun] = []
        self.tasks: dict[str, asyncio.Task] = {}  # bot -> its run, once launched

    async def run(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            self.stack = stack
            self.venues = Venues(stack, await self.open_sim(stack))
            self.install_signal_handlers()  # after the simulator's uvicorn took its own
            bots = await sync_to_async(select_bots, thread_sensitive=True)(self.opts["bot"])
            self.check_connection_budget(bots)
            for bot in bots:
                if await self.add_bot(bot, wait=float(settings.LEASE_WAIT_SECONDS)) is None:
                    break  # a signal while waiting for the lease
            if self.shutdown.is_set():
                await self.release_leases()
            elif self.runs:
                await self.serve(None if self.opts["engine_only"] else make_web_server())
        self.report()

    def check_connection_budget(self, bots: list[str]) -> None:
        """Each account's bots share one exchange connection, and StandX allows
        WS_CONNECTIONS_PER_IP: say so before the exchange refuses the rest."""
        accounts = {settings_account_for_bot(bot).name for bot in bots}
        if len(accounts) > WS_CONNECTIONS_PER_IP:
            message = (
                f"warning: {len(bots)} bots on {len(accounts)} accounts need "
                f"{len(accounts)} exchange connections; StandX allows "
                f"{WS_CONNECTIONS_PER_IP} per IP, so some bots will not get market data "
                "(put several bots on one account, or run the rest from another host)"
            )
            log.warning(message)
            self.say(message)

    async def add_bot(self, bot: str, wait: float) -> BotRun | None:
        """The bot's lease, its account's client and its engine; None when a signal came
        first, or (wait 0) when another process holds the bot."""
        keeper = await self.take_lease(bot, wait)
        if keeper is None:
            return None
        seat = await self.venues.seat_for(bot)
        engine = Engine(bot, seat.rest, seat.feed, seat.venue.mode, EngineOptions.from_settings())
        run = BotRun(engine, keeper)
        self.runs.append(run)
        await self.banner(engine, seat)
        return run

    async def release_leases(self) -> None:
        for run in self.runs:
            await run.keeper.release()

    def report(self) -> None:
        """Exit status: orders that may remain on the exchange, a lost lease or a bot that
        ended on an error is a failure (systemd's Restart=on-failure and a person must
        hear of it)."""
        in_doubt = [f"bot {r.bot}: {r.orders_in_doubt}" for r in self.runs if r.orders_in_doubt]
        problems = [f"bot {r.bot}: {r.lease_lost}" for r in self.runs if r.lease_lost] + [
            f"bot {r.bot}: {type(r.error).__name__}: {r.error}"
            for r in self.runs
            if r.error is not None
        ]
        if in_doubt:
            raise CommandError(
                "orders may remain on the exchange: "
                + "; ".join(in_doubt)
                + "; check the exchange"
                + ("" if not problems else "; also stopped: " + "; ".join(problems))
            )
        if problems:
            raise CommandError("stopped: " + "; ".join(problems))
        self.say("runbot stopped cleanly")

    async def open_sim(self, stack: contextlib.AsyncExitStack):
        """The bundled simulator, in sim mode unless --no-sim; None otherwise."""
        if settings.STANDX_MODE == "live" or self.opts["no_sim"]:
            return None
        from trading.sim.runner import SimServer

        sim = SimServer(host=settings.SIM_HOST, port=settings.SIM_PORT, seed=settings.SIM_SEED)
        await sim.start()
        stack.push_async_callback(sim.stop)
        return sim

    async def take_lease(self, bot: str, wait: float) -> LeaseKeeper | None:
        """The bot's lease before anything is quoted, so no other process quotes it too;
        waits (bounded, interruptible by a signal) while another one holds it. None when a
        signal came first, or when the bot stays held and wait is 0 (the bot watcher's
        try). On SQLite the keeper is patient (see LeaseKeeper)."""
        keeper = LeaseKeeper(
            bot, ttl=float(settings.LEASE_TTL_SECONDS), patient=connection.vendor == "sqlite"
        )
        self.stack.push_async_callback(keeper.aclose)
        taking = asyncio.ensure_future(keeper.acquire(wait))
        stopping = asyncio.ensure_future(self.shutdown.wait())
        await asyncio.wait([taking, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not taking.done():
            taking.cancel()
            return None
        try:
            lease = taking.result()
        except LeaseUnavailable as exc:
            if not wait:
                return None
            raise CommandError(
                f"{exc}; is another runbot running bot {bot!r}? (LEASE_WAIT_SECONDS)"
            ) from None
        if self.opts["engine_only"]:  # a split operator watches who holds what
            self.say(
                f"lease: bot {lease.bot} held by this worker ({lease.holder}, "
                f"generation {lease.generation})"
            )
        return keeper

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

    async def banner(self, engine: Engine, seat: Seat) -> None:
        if len(self.runs) == 1:
            self.say(f"mode: {seat.venue.mode} ({seat.venue.label})")
        config = await store.call(store.load_config, engine.bot)
        symbol = config.symbol if config is not None else "(from config)"
        self.say(
            f"bot: {engine.bot}  symbol: {symbol}  account: {seat.account}  "
            f"orders: {engine.tracker.prefix}*"
        )
        if config is not None:
            self.say(strategy_line(config.strategy_values()))

    async def announce_dashboard(self, web, web_task: asyncio.Task) -> None:
        """Print the login link once the server listens: a link that refuses connections
        is no welcome (and a script or browser following it at once would fail)."""
        try:
            async with asyncio.timeout(WEB_START_SECONDS):
                while not web.started:
                    if web_task.done():
                        return  # the server failed; the TaskGroup says why
                    await asyncio.sleep(0.02)
        except TimeoutError:
            log.warning("the dashboard did not start within %.0fs", WEB_START_SECONDS)
            return
        self.say(f"dashboard: {await dashboard_link()}")

    async def serve(self, web) -> None:
        if web is None:
            self.say("dashboard: not served (--engine-only)")
        async with asyncio.TaskGroup() as group:
            self.group = group
            for run in self.runs:
                self.launch(run)
            web_task = group.create_task(web.serve(), name="web") if web else None
            if web_task is not None:
                group.create_task(self.announce_dashboard(web, web_task), name="announce")
            # Without --bot, "every configured bot" includes those added while running.
            watcher = (
                group.create_task(self.watch_bots(), name="watch-bots")
                if self.opts["bot"] is None
                else None
            )
            await self.wait_for_stop()
            if watcher is not None:
                watcher.cancel()
            for run in self.runs:
                run.stop()
            await asyncio.wait(self.tasks.values())
            if web_task is not None:
                await stop_web(web, web_task)

    def launch(self, run: BotRun) -> None:
        task = self.group.create_task(run.run(), name=f"bot-{run.bot}")
        task.add_done_callback(self._bot_ended)
        self.tasks[run.bot] = task

    def _bot_ended(self, _task: asyncio.Task) -> None:
        if all(task.done() for task in self.tasks.values()):
            self.all_ended.set()

    async def watch_bots(self) -> None:
        """A bot added (in admin, say) starts within BOT_WATCH_SECONDS; a deleted one stops
        cleanly, cancelling its orders. A bot held by another process is tried again at
        every pass; one whose prefix collides is refused once, loudly."""
        refused: set[str] = set()
        while True:
            await asyncio.sleep(BOT_WATCH_SECONDS)
            names = await store.call(store.bot_names)
            if names is None:
                continue
            for run in self.runs:
                if run.bot not in names and not self.tasks[run.bot].done():
                    log.warning("bot %s was deleted: stopping it", run.bot)
                    run.stop()
            for bot in sorted(names - set(self.tasks) - refused):
                try:
                    await sync_to_async(select_bots, thread_sensitive=True)([bot])
                except CommandError as exc:
                    log.error("bot %s not started: %s", bot, exc)
                    refused.add(bot)
                    continue
                added = await self.add_bot(bot, wait=0)
                if added is not None:
                    self.launch(added)

    async def wait_for_stop(self) -> None:
        """Until a signal, the end of --duration, or every bot has ended by itself (a bot
        that ends alone, e.g. on a lost lease, leaves the others running)."""
        waiters: list[asyncio.Future[object]] = [
            asyncio.ensure_future(self.shutdown.wait()),
            asyncio.ensure_future(self.all_ended.wait()),
        ]
        if self.opts["duration"]:
            waiters.append(asyncio.ensure_future(asyncio.sleep(self.opts["duration"])))
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()


def strategy_line(values: dict) -> str:
    """What the bot will quote, and whether StandX pays for it: a trader reads this first."""
    band = values["uptime_band_bps"].normalize()
    if values.get("quote_strategy") == BAND:
        margin = values["band_margin_bps"]
        return (
            f"  strategy: band — both sides inside {band:f} bps of the mark (margin "
            f"{'auto' if not margin else f'{margin.normalize():f} bps'}, min rest "
            f"{values['band_min_rest_seconds'].normalize():f}s)"
        )
    line = (
        f"  strategy: spread — {values['spread_bps'].normalize():f} bps each side of the "
        f"mid, requote beyond {values['requote_threshold_bps'].normalize():f} bps"
    )
    problem = spread_problem(values)
    return line if problem is None else f"{line}\n  CANNOT EARN: {problem}"


async def stop_web(web, web_task: asyncio.Task) -> None:
    web.should_exit = True
    try:
        async with asyncio.timeout(WEB_STOP_SECONDS):
            await asyncio.shield(web_task)
    except TimeoutError:
        web.force_exit = True
        web_task.cancel()


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
    )
    return DashboardServer(config)


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
