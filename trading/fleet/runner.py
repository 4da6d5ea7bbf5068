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
import socket
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from mmsite.logs import bot_context
from mmsite.web import (
    bind_web_socket,
    dashboard_link,
    make_web_server,
    route_uvicorn_logs,
    stop_web,
)
from trading import bus, store
from trading.alerts.notify import TITLE
from trading.alerts.service import AlertService, stop_outcome
from trading.engine.engine import Engine
from trading.engine.options import EngineOptions
from trading.fleet.accounts import settings_account_for_bot
from trading.fleet.bots import BotRun, select_bots
from trading.fleet.envsync import note_start_problem, sync_with_environment
from trading.fleet.lease import LeaseKeeper, LeaseUnavailable
from trading.fleet.paper import PAPER, PAPER_TITLE, labelled, open_paper_exchange
from trading.fleet.startup_checks import check_port_free, row_problem
from trading.fleet.terminal import status_line, stop_line, strategy_lines
from trading.fleet.venues import Seat, Venues

log = logging.getLogger("trading.runbot")

WEB_START_SECONDS = 15.0
BOT_WATCH_SECONDS = 5.0
WS_CONNECTIONS_PER_IP = 10  # StandX, docs/standx-protocol.md §4.1 and §6


class Runner:
    def __init__(self, opts: dict, say: Callable[[str], None] = print):
        self.opts = opts
        self.say = labelled(say) if settings.STANDX_MODE == PAPER else say
        self.shutdown = asyncio.Event()
        self.all_ended = asyncio.Event()
        self.runs: list[BotRun] = []
        self.tasks: dict[str, asyncio.Task] = {}  # bot -> its run, once launched
        # Bots whose stored row cannot be quoted (e.g. an unknown symbol): not started, the
        # reason on their row, tried again when the row changes (its updated_at, kept here).
        self.held: dict[str, object] = {}
        self.held_why: dict[str, str] = {}
        self.web_socket: socket.socket | None = None

    async def run(self) -> None:
        async with contextlib.AsyncExitStack() as stack:
            self.stack = stack
            if not self.opts["engine_only"]:  # a busy port is said before anything starts
                self.web_socket = web_socket = bind_web_socket()
                stack.callback(web_socket.close)
            self.venues = Venues(stack, await self.open_sim(stack))
            route_uvicorn_logs()  # after the simulator's uvicorn configured its own
            self.install_signal_handlers()  # after the simulator's uvicorn took its own
            bots = await sync_to_async(select_bots, thread_sensitive=True)(self.opts["bot"])
            self.check_connection_budget(bots)
            for bot in bots:
                await self.add_bot(bot, wait=float(settings.LEASE_WAIT_SECONDS))
                if self.shutdown.is_set():
                    break  # a signal while waiting for the lease
            if self.shutdown.is_set():
                await self.release_leases()
            elif self.runs or self.held:  # a held bot waits (served) for its fix
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
        """The bot's lease, .env changes applied to its row, its account's client and its
        engine; None when a signal came first, when (wait 0) another process holds the
        bot, or when its row cannot be quoted (held back, said on the row)."""
        with bot_context(bot):
            keeper = await self.take_lease(bot, wait)
            if keeper is None:
                return None
            try:
                notes = await sync_to_async(sync_with_environment, thread_sensitive=True)(
                    bot, settings.STANDX_MODE
                )
            except CommandError:
                await keeper.release()
                raise
            for note in notes:  # a trader must notice these: above the info lines
                log.warning(note)
            seat = await self.venues.seat_for(bot)
            config = await store.call(store.load_config, bot)
            problem = await row_problem(config, seat)
            if problem is not None:
                await keeper.release()
                await self.hold_back(bot, config, problem)
                return None
            self.held.pop(bot, None)
            await sync_to_async(note_start_problem, thread_sensitive=True)(bot, None)
            engine = Engine(
                bot, seat.rest, seat.feed, seat.venue.mode, EngineOptions.from_settings()
            )
            run = BotRun(engine, keeper)
            self.runs.append(run)
            self.banner(engine, seat, config)
        return run

    async def hold_back(self, bot: str, config, problem: str) -> None:
        message = (
            f"bot {bot} not started: {problem}. The dashboard and admin still serve: fix it "
            f"on the bot's page or in admin, and runbot starts it within "
            f"{BOT_WATCH_SECONDS:.0f} s."
        )
        log.error(message)
        self.held[bot], self.held_why[bot] = config.updated_at, problem
        await sync_to_async(note_start_problem, thread_sensitive=True)(bot, problem)

    async def release_leases(self) -> None:
        for run in self.runs:
            await run.keeper.release()

    def report(self) -> None:
        """Exit status: orders that may remain on the exchange, a lost lease, a bot that
        ended on an error or was never started is a failure (systemd's
        Restart=on-failure and a person must hear of it)."""
        in_doubt = [f"bot {r.bot}: {r.orders_in_doubt}" for r in self.runs if r.orders_in_doubt]
        problems = (
            [f"bot {r.bot}: {r.lease_lost}" for r in self.runs if r.lease_lost]
            + [
                f"bot {r.bot}: {type(r.error).__name__}: {r.error}"
                for r in self.runs
                if r.error is not None
            ]
            + [f"bot {bot}: not started: {self.held_why[bot]}" for bot in self.held]
        )
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
        """The bundled simulator (sim mode unless --no-sim) or the paper exchange (paper
        mode); None in live mode."""
        paper = settings.STANDX_MODE == PAPER
        if paper and self.opts["no_sim"]:
            raise CommandError(
                "--no-sim is for sim mode: paper mode runs its own paper exchange, "
                "following StandX's public market at STANDX_API_BASE / STANDX_WS_URL"
            )
        if settings.STANDX_MODE == "live" or self.opts["no_sim"]:
            return None
        if settings.SIM_PORT:  # uvicorn would exit the whole loop on a busy port
            check_port_free(settings.SIM_HOST, settings.SIM_PORT)
        if paper:
            return await open_paper_exchange(stack)
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

    def banner(self, engine: Engine, seat: Seat, config) -> None:
        """Where the bot trades and the strategy actually in force (after .env changes)."""
        if len(self.runs) == 1:
            self.say(f"mode: {seat.venue.mode} ({seat.venue.label})")
        symbol = config.symbol if config is not None else "(from config)"
        self.say(
            f"bot: {engine.bot}  symbol: {symbol}  account: {seat.account}  "
            f"orders: {engine.tracker.prefix}*"
        )
        if config is not None:
            self.say(strategy_lines(config.settings()))

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
            web_task = None
            if web is not None:
                web_task = group.create_task(web.serve(sockets=[self.web_socket]), name="web")
                group.create_task(self.announce_dashboard(web, web_task), name="announce")
            helpers = [group.create_task(self.watch_bots(), name="watch-bots")]
            if settings.STATUS_LINE_SECONDS:
                helpers.append(group.create_task(self.print_status(), name="status"))
            alerts = self.start_alerts(group)
            await self.wait_for_stop()
            if alerts is not None:  # first: a clean stop of the engines is no outage
                alerts.stop_watching()
            for helper in helpers:
                helper.cancel()
            for run in self.runs:
                run.stop()
            if self.tasks:
                await asyncio.wait(self.tasks.values())
            self.print_stop_results()
            if alerts is not None:
                await alerts.finish(*stop_outcome(self.runs))
            if web_task is not None:
                await stop_web(web, web_task)

    def start_alerts(self, group: asyncio.TaskGroup) -> AlertService | None:
        """Alerts for this process's bots when ALERT_URLS is set (trading/alerts)."""
        if not settings.ALERT_URL_COUNT:
            return None
        alerts = AlertService(
            self.watched_bots,
            settings.ALERT_URLS,
            float(settings.ALERT_FEED_DOWN_SECONDS),
            title=PAPER_TITLE if settings.STANDX_MODE == PAPER else TITLE,
        )
        hello = f"runbot started: alerts on for {', '.join(sorted(self.tasks)) or 'no bot'}"
        if self.held_why:  # a bot held back (its row cannot be quoted) waits for a person
            hello += "; not started: " + "; ".join(f"{b}: {w}" for b, w in self.held_why.items())
        alerts.start(group, hello)
        return alerts

    def watched_bots(self) -> list[str]:
        """Bots running here, and those that ended on an error or lost their lease to no
        one (their silence is alerted). Not a bot another worker took over (it alerts for
        it) nor one stopped because its row was deleted."""

        def missed(run: BotRun) -> bool:
            lost = run.lease_lost is not None and not run.lease_lost.taken
            return run.error is not None or lost

        return [
            run.bot
            for run in self.runs
            if run.bot in self.tasks and (not self.tasks[run.bot].done() or missed(run))
        ]

    def launch(self, run: BotRun) -> None:
        task = self.group.create_task(run.run(), name=f"bot-{run.bot}")
        task.add_done_callback(self._bot_ended)
        self.tasks[run.bot] = task

    def _bot_ended(self, _task: asyncio.Task) -> None:
        if not self.held and all(task.done() for task in self.tasks.values()):
            self.all_ended.set()

    async def print_status(self) -> None:
        """A line per running bot every STATUS_LINE_SECONDS, from its latest snapshot."""
        while True:
            await asyncio.sleep(float(settings.STATUS_LINE_SECONDS))
            for run in self.runs:
                task = self.tasks.get(run.bot)
                if task is None or task.done():
                    continue
                snapshot = await sync_to_async(bus.latest_snapshot)(run.bot)
                if snapshot is not None:
                    self.say(status_line(snapshot))

    def print_stop_results(self) -> None:
        for run in self.runs:
            line = stop_line(run.bot, run.orders_at_stop, run.engine.shutdown_result)
            if line is not None:
                self.say(line)
            # What the stop did with the position (engine/flatten.py), unless it was flat.
            outcome = run.engine.shutdown_position
            if outcome is not None and outcome.how != "flat":
                self.say(f"bot {run.bot}: {outcome.text}")

    async def watch_bots(self) -> None:
        """A bot added (in admin, say) starts within BOT_WATCH_SECONDS (without --bot); a
        deleted one stops cleanly, cancelling its orders; a held-back one is tried again
        once its row changed. A bot held by another process is tried again at every pass;
        one whose prefix collides is refused once, loudly."""
        refused: set[str] = set()
        while True:
            await asyncio.sleep(BOT_WATCH_SECONDS)
            names = await store.call(store.bot_names)
            if names is None:
                continue
            wanted = names if self.opts["bot"] is None else names & set(self.opts["bot"])
            if self.opts["bot"] is None:
                for run in self.runs:
                    if run.bot not in names and not self.tasks[run.bot].done():
                        log.warning("bot %s was deleted: stopping it", run.bot)
                        run.stop()
            for bot in sorted(wanted - set(self.tasks) - refused):
                if bot in self.held and not await self.changed_since_held(bot):
                    continue
                await self.try_to_add(bot, refused)

    async def changed_since_held(self, bot: str) -> bool:
        updated = await store.call(store.config_updated_at, bot)
        return updated is not None and updated != self.held[bot]

    async def try_to_add(self, bot: str, refused: set[str]) -> None:
        try:
            await sync_to_async(select_bots, thread_sensitive=True)([bot])
            added = await self.add_bot(bot, wait=0)
        except CommandError as exc:
            log.error("bot %s not started: %s", bot, exc)
            refused.add(bot)
            return
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
