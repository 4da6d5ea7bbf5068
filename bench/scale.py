"""Benchmark: N bots on one machine, in the two deployment shapes.

- one:   ONE `runbot --no-sim` process runs all N bots (engine + dashboard, SQLite in a
         private DATA_DIR, in-memory channel layer)
- split: a daphne web tier + one `runbot --engine-only --no-sim --bot B` worker per bot, on
         Redis + PostgreSQL (throw-away servers from bench/services.py)

Both trade against one `manage.py runsim` (volatile market, 50 ms acks), each bot on its own
simulator account, symbols in turn from BTC/ETH/XAU/XAG. Once every bot rests both sides and a
warm-up has passed, a steady window measures: CPU (user+system of the bot and web processes /
window, % of one core; simulator and Redis+PostgreSQL apart), peak RSS, reaction latency from
each bot's /ws/bots/<bot>/ snapshots (last 1000 reactions: max of the p99s, median of the
p50s), the interval between frames of one bot's page (/ws/dashboard/<bot>/) and of each bot's
row on /ws/overview/ (target 1.0 s), two-sided uptime per bot from the simulator's ground
truth (GET /sim/stats, minimum across bots), the 429s the bots logged, and how busy the whole
host was (100 % = every core; the probes run in this process, on the same box).

    python -m bench.scale [--seconds 60] [--warmup 10] [--ns 1,4,16] [--shapes one,split]
    python -m bench.scale --quick          # 15 s windows, N in (1, 4)

Prints a table and writes bench/results/scale.json. The deployments are bench/scale_deploy.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import services
from bench import soak_procs as procs
from bench.scale_deploy import (
    SIM_ARGS,
    STRATEGY,
    SYMBOLS,
    Deployment,
    deploy,
    sim_get,
    stop,
    wait_quoting,
)
from bench.scale_probe import Probe
from bench.scale_report import summarize, table, two_sided_pct

ROOT = procs.ROOT
RESULTS = ROOT / "bench" / "results" / "scale.json"
SHAPES = ("one", "split")
RSS_EVERY_S = 2.0


# ----------------------------------------------------------------------------- measurement


class CpuMeter:
    """CPU seconds of some processes and their children between start() and stop()."""

    def __init__(self, pids: list[int]):
        self.roots = [psutil.Process(pid) for pid in pids]
        self.before = self._times()

    def _tree(self) -> list[psutil.Process]:
        found = []
        for root in self.roots:
            with contextlib.suppress(psutil.Error):
                found += [root, *root.children(recursive=True)]
        return found

    def _times(self) -> dict[int, float]:
        times = {}
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                cpu = proc.cpu_times()
                times[proc.pid] = cpu.user + cpu.system
        return times

    def used(self) -> float:
        return sum(t - self.before.get(pid, 0.0) for pid, t in self._times().items())

    def rss_mb(self) -> float:
        total = 0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total / 2**20


async def rss_peak(meter: CpuMeter, until: float) -> float:
    peak = 0.0
    while time.monotonic() < until:
        peak = max(peak, meter.rss_mb())
        await asyncio.sleep(min(RSS_EVERY_S, max(0.0, until - time.monotonic())))
    return peak


def log_sizes(dep: Deployment) -> dict[Path, int]:
    return {p.log_path: p.log_path.stat().st_size for p in dep.bots if p.log_path.exists()}


def count_429(offsets: dict[Path, int]) -> int:
    """Calls the exchange refused with 429 since `offsets` (each is logged once the client's
    own retries gave up: the first sign that the host's per-IP budget is spent)."""
    count = 0
    for path, offset in offsets.items():
        with open(path, "rb") as log:
            log.seek(offset)
            count += log.read().count(b"status=429")
    return count


async def measure(dep: Deployment, seconds: float) -> dict:
    bots, sims = CpuMeter([p.pid for p in dep.bots]), CpuMeter([dep.sim.pid])
    infra = CpuMeter([pid for pid in dep.infra_pids if pid])
    before = {bot: sim_get(dep, "/sim/stats", bot) for bot in dep.accounts}
    until, probe, logs = time.monotonic() + seconds, Probe(dep.accounts), log_sizes(dep)
    psutil.cpu_percent(None)  # starts the host-wide busy share (anything else running?)
    peak, *_ = await asyncio.gather(rss_peak(bots, until), *probe.streams(dep, until))
    after = {bot: sim_get(dep, "/sim/stats", bot) for bot in dep.accounts}
    return {
        "cpu_seconds": bots.used(),
        "sim_cpu_seconds": sims.used(),
        "infra_cpu_seconds": infra.used(),
        "rss_peak_mb": peak,
        "processes": len(dep.bots),
        "rate_limited": count_429(logs),
        "host_busy_pct": psutil.cpu_percent(None),
        **probe.figures(),
        "two_sided_pct": {
            bot: two_sided_pct(
                before[bot]["symbols"][a["symbol"]], after[bot]["symbols"][a["symbol"]]
            )
            for bot, a in dep.accounts.items()
        },
    }


# ----------------------------------------------------------------------------- main


def run_point(shape: str, n: int, args: argparse.Namespace, servers: dict | None) -> dict:
    pset = procs.ProcSet()
    with tempfile.TemporaryDirectory(prefix=f"scale-{shape}-{n}-") as tmp:
        work = Path(tmp)
        try:
            dep = deploy(shape, n, work, pset, args.seed, servers, args.sim_args)
            wait_quoting(dep, 60 + 5 * n)
            time.sleep(args.warmup)
            raw = asyncio.run(measure(dep, args.seconds))
            raw["orders_left"] = stop(dep)
            raw["log_errors"] = sum(procs.count_tracebacks(p.log_path)[0] for p in dep.bots)
        except BaseException:
            dump_logs(work)
            raise
        finally:
            pset.close()
    return summarize(shape, n, args.seconds, raw)


def dump_logs(work: Path) -> None:
    for log in sorted(work.glob("*.log")):
        print(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)


@contextlib.contextmanager
def split_servers(needed: bool):
    """Redis and PostgreSQL for the split points (one pair; a database and prefix per point)."""
    with contextlib.ExitStack() as stack:
        if not needed:
            yield None
            return
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-services-")))
        redis = services.start_redis(tmp)
        stack.callback(redis.stop)
        pg = services.start_postgres(tmp)
        stack.callback(pg.stop)
        yield {"redis": redis, "postgres": pg, "pids": [redis.process.pid, pg.postmaster_pid()]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="steady window per point")
    parser.add_argument("--warmup", type=float, default=10.0, help="after every bot quotes")
    parser.add_argument("--ns", default=None, help="bot counts, e.g. 1,4,16")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--quick", action="store_true", help="15 s windows, N in (1, 4)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--volatility-bps",
        default=SIM_ARGS[1],
        help="the simulated mid's step (a calmer market requotes less)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 15.0, 5.0
    args.ns = [int(x) for x in (args.ns or ("1,4" if args.quick else "1,4,16")).split(",")]
    args.shapes = [s for s in args.shapes.split(",") if s]
    args.sim_args = ("--volatility-bps", args.volatility_bps, *SIM_ARGS[2:])
    if not set(args.shapes) <= set(SHAPES) or not all(1 <= n <= 99 for n in args.ns):
        parser.error(f"--shapes from {SHAPES}, --ns between 1 and 99")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    points = []
    with split_servers("split" in args.shapes) as servers:
        for shape in args.shapes:
            for n in args.ns:
                points.append(run_point(shape, n, args, servers))
                print(f"scale: {shape} N={n} done", flush=True)
    result = {
        "seconds": args.seconds,
        "warmup": args.warmup,
        "sim_args": list(args.sim_args),
        "strategy": STRATEGY,
        "symbols": list(SYMBOLS),
        "python": platform.python_version(),
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        },
        "points": points,
    }
    print("\nscale: N bots, one process vs split (CPU % of one core)\n" + table(points))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  -> {args.output}")
    return result


if __name__ == "__main__":
    main()
