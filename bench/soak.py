"""Chaos soak: the real bot (`manage.py runbot --no-sim`) against the real simulator
(`manage.py runsim`), both as subprocesses on 127.0.0.1, with every fault the simulator
offers mixed from a seed, for --minutes (--quick: 2 minutes, the CI variant).

It proves, with numbers from outside the bot (the simulator's ground truth, the bot's API,
its SQLite file and its log), that the bot keeps quoting, never loses track of an order and
never loses uptime history. Hard targets (non-zero exit when missed): no orphan order during
the run or after the clean stop, no traceback in the bot's log, no uptime row lost across a
SIGKILL (and no more than the persistence interval of seconds), the bot and its account
survive every restart. Then two judged phases on a quiet exchange (bench/soak_phases.py): a
requote storm killed mid-way, and a SIGTERM while the simulator is frozen (SIGSTOP); the kill
must leave nothing, the frozen stop must exit non-zero saying orders may remain, and the next
start must cancel them.

    python -m bench.soak [--minutes 10] [--quick] [--seed 1] [--grace 5] [--keep]
                         [--market FILE]

--market FILE soaks on a recording (manage.py recordmarket; runsim --replay, looped) instead
of the random walk: the storm phase then churns on the recording's own moves (a recorded
market cannot be made more volatile), and the simulator restart starts it over.

Prints a table and writes bench/results/soak.json. The fault plan is bench/soak_faults.py, the
result record bench/soak_result.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import signal
import tempfile
import time
from pathlib import Path

import httpx

from bench import soak_faults as faults
from bench import soak_procs as procs
from bench import soak_result
from bench.soak_phases import Phases
from bench.soak_report import evaluate, print_report
from bench.soak_watch import Watch

ROOT = procs.ROOT
RESULTS = ROOT / "bench" / "results" / "soak.json"
PREFIX = "mmbot-"
PERSIST_TOLERANCE_S = 10.0  # the engine persists uptime every 5 s; 10 s is the promise
VOLATILITY_BPS = 1.0
SIM_ARGS = (
    "--volatility-bps",
    str(VOLATILITY_BPS),
    "--step-interval",
    "0.1",
    "--push-interval",
    "0.1",
)
BOT_STRATEGY = {
    "SPREAD_BPS": "6",
    "REQUOTE_THRESHOLD_BPS": "3",
    "BID_NOTIONAL": "100",
    "ASK_NOTIONAL": "100",
    "REFRESH_INTERVAL": "0.5",
    "SYMBOL": "BTC-USD",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="2 minutes (the CI variant)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--grace",
        type=float,
        default=5.0,
        help="seconds a bot/exchange order mismatch may last (acks in flight)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, db)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--market", type=Path, default=None, help="a recording to soak on instead of the walk"
    )
    args = parser.parse_args(argv)
    if args.market is not None and not args.market.is_file():
        parser.error(f"--market {args.market}: no such file")
    if args.quick:
        args.minutes = 2.0
    if args.minutes <= 0 or args.minutes * 60 < 60:
        parser.error("--minutes must be at least 1")
    return args


class Soak:
    """One run: owns the processes, the watch and the record of every fault."""

    def __init__(self, args: argparse.Namespace, work: Path, pset: procs.ProcSet):
        self.args, self.work, self.pset = args, work, pset
        self.duration = args.minutes * 60
        self.sim_port, self.web_port = procs.free_port(), procs.free_port()
        self.sim_base = f"http://{procs.HOST}:{self.sim_port}"
        self.api_token = secrets.token_urlsafe(24)
        self.env = procs.base_env(work / "data")
        self.drops = faults.DropIntervals(args.seed)
        self.ws_drop_every = self.drops.next()
        self.background: dict | None = None  # None: faults.BACKGROUND (the phases: quiet)
        self.strategy, self.volatility_bps = BOT_STRATEGY, VOLATILITY_BPS
        self.events: list[dict] = []  # every one-shot fault with its start/end
        self.history: dict = {}
        self._sim: procs.Proc | None = None
        self._bot: procs.Proc | None = None
        self._watch: Watch | None = None  # made once the bot is up (it needs the account)
        self.bot_logs: list[Path] = []

    # Each is set by its start and never unset: reading one earlier is a bug in the order of
    # the soak's steps, said so rather than as an AttributeError on None.

    @property
    def sim(self) -> procs.Proc:
        if self._sim is None:
            raise RuntimeError("soak: the simulator was used before start_sim()")
        return self._sim

    @property
    def bot(self) -> procs.Proc:
        if self._bot is None:
            raise RuntimeError("soak: the bot was used before start_bot()")
        return self._bot

    @property
    def watch(self) -> Watch:
        if self._watch is None:
            raise RuntimeError("soak: the watch was used before run() made it")
        return self._watch

    # ------------------------------------------------------------------ processes

    def start_sim(self) -> float:
        market = SIM_ARGS if self.args.market is None else replay_args(self.args.market)
        argv = procs.sim_argv(self.sim_port, self.args.seed, self.work / "sim-state.json", market)
        self._sim = self.pset.start("runsim", argv, self.env, self.work / "runsim.log")
        return procs.wait_http(f"{self.sim_base}/api/health", self._sim, 30)

    def start_bot(self, account: dict | None = None) -> float:
        if account is not None:  # credentials only in the child's environment, never printed
            self.env.update(
                {
                    "STANDX_JWT_TOKEN": account["token"],
                    "STANDX_ED25519_PRIVATE_KEY": account["ed25519_private_key"],
                }
            )
        env = {
            **self.env,
            **BOT_STRATEGY,
            "STANDX_API_BASE": self.sim_base,
            "STANDX_WS_URL": f"ws://{procs.HOST}:{self.sim_port}/ws-stream/v1",
            "WEB_HOST": procs.HOST,
            "WEB_PORT": str(self.web_port),
            "API_TOKEN": self.api_token,
            "CL_ORD_PREFIX": PREFIX,
            "LOG_LEVEL": "info",
        }
        log = self.work / f"runbot-{len(self.bot_logs) + 1}.log"
        self.bot_logs.append(log)
        self._bot = self.pset.start("runbot", procs.bot_argv(), env, log)
        if self._watch is not None:
            self._watch.bot_started(self._bot.pid)
        headers = {"Authorization": f"Bearer {self.api_token}"}
        return procs.wait_http(
            f"http://{procs.HOST}:{self.web_port}/api/status", self._bot, 60, headers
        )

    async def set_faults(self, **changes) -> None:
        """Background faults plus `changes`. burst_429 is always sent (0 by default): any
        POST re-arms the configured burst, and only a burst event should start one."""
        background = (
            self.background
            if self.background is not None
            else {**faults.BACKGROUND, "ws_drop_every_s": self.ws_drop_every}
        )
        body = {**background, "burst_429": 0, **changes}
        r = await self.watch.http.post(f"{self.sim_base}/sim/faults", json=body)
        r.raise_for_status()

    async def on_drop(self) -> None:
        self.ws_drop_every = self.drops.next()
        await self.set_faults()

    # ------------------------------------------------------------------ the run

    async def run(self) -> dict:
        started = time.monotonic()
        await asyncio.to_thread(self.start_sim)
        account = await asyncio.to_thread(procs.create_account, self.sim_base)
        await asyncio.to_thread(procs.migrate, self.env)
        bot_up_s = await asyncio.to_thread(self.start_bot, account)
        self._watch = Watch(
            self.sim_base,
            account["token"],
            f"http://{procs.HOST}:{self.web_port}",
            self.api_token,
            PREFIX,
            self.args.grace,
        )
        self.watch.bot_started(self.bot.pid)
        self.watch.sim_up = self.watch.bot_up = True
        truth = asyncio.create_task(self.watch.truth_loop())
        loops = [truth] + [
            asyncio.create_task(c()) for c in (self.watch.orphan_loop, self.watch.resource_loop)
        ]
        try:
            first_quote_s = await self.wait_two_sided(60)
            self.watch.on_drop = self.on_drop
            await self.set_faults()
            await self.run_plan()
            # The timed run's uptime figures end here; the phases judge by their own.
            await self.watch.poll_truth()
            truth.cancel()
            totals = self.watch.totals()
            print("  phases: storm then kill; stop with the exchange frozen", flush=True)
            phases = await Phases(self).run()
            return await self.finish(started, bot_up_s, first_quote_s, totals, phases)
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
            await self.watch.aclose()

    async def wait_two_sided(self, timeout: float) -> float:
        start = time.monotonic()
        while not (self.watch.samples and self.watch.samples[-1][1]):
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"the bot did not quote both sides within {timeout:.0f}s")
            await asyncio.sleep(0.2)
        return time.monotonic() - start

    async def run_plan(self) -> None:
        t0 = time.monotonic()
        for event in faults.plan(self.args.seed, self.duration):
            await asyncio.sleep(max(0.0, t0 + event.at - time.monotonic()))
            print(
                f"  t+{event.at:6.1f}s  {event.kind}"
                + (f" ({event.size} requests)" if event.size else ""),
                flush=True,
            )
            handler = getattr(self, f"do_{event.kind}")
            start = time.time()
            end = await handler(event)
            self.events.append(
                {"kind": event.kind, "at": event.at, "start": start, "end": end, "size": event.size}
            )
        await asyncio.sleep(max(0.0, t0 + self.duration - time.monotonic()))
        if self.history.get("task") is not None:
            await asyncio.wait_for(self.history.pop("task"), 60)

    # ------------------------------------------------------------------ one-shot faults

    async def do_burst_429(self, event: faults.Event) -> float:
        await self.set_faults(burst_429=event.size)
        return time.time()

    async def do_stall(self, event: faults.Event) -> float:
        await self.set_faults(stalled_symbols=["BTC-USD"])
        await asyncio.sleep(faults.STALL_SECONDS)
        await self.set_faults(stalled_symbols=[])
        return time.time()

    async def do_sim_restart(self, event: faults.Event) -> float:
        """SIGTERM the simulator, start it again on the same port with the same state file:
        the bot's token and key must still work (its open orders are gone: see state.py)."""
        w = self.watch
        await w.poll_truth()  # the last figures of this simulator process
        w.sim_up = False
        await asyncio.to_thread(self.sim.stop, 20)
        await asyncio.to_thread(self.start_sim)
        w.new_segment()
        r = await w.http.get(
            f"{self.sim_base}/sim/stats",
            headers={"Authorization": f"Bearer {self.env['STANDX_JWT_TOKEN']}"},
        )
        self.history["account_survived_sim_restart"] = r.status_code == 200
        w.reset_mismatches()
        w.sim_up = True
        await self.set_faults()
        return time.time()

    async def do_bot_kill(self, event: faults.Event) -> float:
        """SIGKILL the bot (no clean stop), restart it, and check its uptime history."""
        w, db = self.watch, self.work / "data" / "db.sqlite3"
        live = (await w.bot_get("/api/uptime")).get("current") or {}
        before = await asyncio.to_thread(procs.uptime_rows, db)
        w.bot_up = False
        await asyncio.to_thread(self.bot.kill)
        at_kill = await asyncio.to_thread(procs.uptime_rows, db)
        # Like ExecStartPre in docs/operations.md: a restart migrates first (the code may
        # have gained a migration since the soak started).
        await asyncio.to_thread(procs.migrate, self.env)
        end = time.time()  # requote time counts from the restart: Django start included
        self.history["restart_s"] = round(await asyncio.to_thread(self.start_bot), 2)
        w.reset_mismatches()
        w.bot_up = True
        self.history["task"] = asyncio.create_task(self.check_history(live, before, at_kill))
        return end

    async def check_history(self, live: dict, before: dict, at_kill: dict) -> None:
        """After two persistence intervals of the new process, nothing saved before the
        kill may be missing or smaller; the crash may cost at most PERSIST_TOLERANCE_S."""
        await asyncio.sleep(2 * PERSIST_TOLERANCE_S + 2)
        after = await asyncio.to_thread(procs.uptime_rows, self.work / "data" / "db.sqlite3")
        lost = [h for h, s in before.items() if after.get(h, -1.0) < s - 1e-6]
        hour_row = max(at_kill, default=None)
        crash_loss = max(
            0.0,
            float(live.get("two_sided_seconds") or 0.0)
            - (at_kill.get(hour_row, 0.0) if hour_row else 0.0),
        )
        self.history.update(
            {
                "rows_before_kill": len(before),
                "rows_after_restart": len(after),
                "rows_lost": len(lost),
                "lost_hours": lost,
                "seconds_lost_at_kill": round(crash_loss, 3),
            }
        )

    # ------------------------------------------------------------------ the end

    async def finish(
        self, started: float, bot_up_s: float, first_quote_s: float, totals: dict, phases: dict
    ) -> dict:
        w = self.watch
        w.bot_up = False
        code = await asyncio.to_thread(self.bot.stop, 40)
        end_orders = w.ours(await w.sim_get("/sim/orders"))
        return {
            "seed": self.args.seed,
            "minutes": self.args.minutes,
            "market": "walk" if self.args.market is None else str(self.args.market),
            "grace_s": self.args.grace,
            "wall_seconds": round(time.monotonic() - started, 1),
            "bot_start_s": round(bot_up_s, 2),
            "first_two_sided_s": round(first_quote_s, 2),
            "uptime": totals,
            "faults": soak_result.fault_counts(self.events, totals["injected"]),
            "requote_s": soak_result.requote_times(w, self.events),
            "dark_s_by_cause": soak_result.dark_by_cause(w, self.events),
            "orphans": soak_result.orphans(w, end_orders),
            "tracebacks": self.tracebacks(),
            "phases": phases,
            "history": {k: v for k, v in self.history.items() if k != "task"},
            "bot": soak_result.bot_figures(w, code),
        }

    def tracebacks(self) -> dict:
        """Traceback and unhandled-error lines over every bot process' log (restarts too)."""
        count = 0
        samples: list[str] = []
        for log in self.bot_logs:
            n, found = procs.count_tracebacks(log)
            count, samples = count + n, samples + found
        return {"count": count, "samples": samples[:10]}


def replay_args(recording: Path) -> tuple[str, ...]:
    """runsim's market on a recording, looped so a soak outlasts a short one."""
    return ("--replay", str(recording.resolve()), "--replay-loop")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    pset = procs.ProcSet()
    # SIGINT and SIGTERM (Ctrl-C, a CI timeout) unwind, so the finally below kills every
    # child. Installed explicitly: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"soak: {args.minutes:g} min, seed {args.seed}, work dir {work}", flush=True)
    try:
        result = asyncio.run(Soak(args, work, pset).run())
    except (RuntimeError, TimeoutError, httpx.HTTPError, OSError) as exc:
        print(f"\nSOAK FAILED before the end: {type(exc).__name__}: {exc}")
        print(f"logs kept in {work}")
        return 2
    except KeyboardInterrupt:
        print(f"\nsoak interrupted: simulator and bot stopped; logs kept in {work}")
        return 130
    finally:
        pset.close()
    failed = evaluate(result, PERSIST_TOLERANCE_S)
    print_report(result, failed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten to {args.output}")
    if failed or args.keep:
        print(f"logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
