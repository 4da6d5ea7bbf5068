"""Benchmark: make_before_break vs cancel_first on the same seeded, volatile simulated market
with 50 ms ack latency.

Each mode runs in its own process (clean CPU and peak-RSS figures) against its own
`manage.py runsim` process started with the same seed. Uptime comes from the simulator's
ground truth (GET /sim/stats); requotes, dark intervals and reaction latency from the engine.

    python -m bench.requote_modes [--seconds 180] [--quick] [--seed 7]

Prints a table and writes bench/results/requote_modes.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.localproc import migrate, stop_process

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "requote_modes.json"
MODES = ("make_before_break", "cancel_first")
SYMBOL = "BTC-USD"
SIM_ARGS = (
    "--volatility-bps",
    "1.0",
    "--step-interval",
    "0.1",
    "--push-interval",
    "0.1",
    "--ack-latency-ms",
    "50",
)
BENCH_CONFIG = {
    "symbol": SYMBOL,
    "spread_bps": "6",
    "bid_notional": "100",
    "ask_notional": "100",
    "refresh_interval": "0.2",
    "requote_threshold_bps": "3",
    "proximity_guard_bps": "1",
    "max_notional": "100000",
    "max_consecutive_failures": 20,
    "stale_order_seconds": "60",
    "max_spread_deviation_bps": "50",
    "uptime_target_minutes": 30,
    "uptime_band_bps": "10",
}
TARGETS = {"two_sided_pct": 99.9, "reaction_p99_ms": 5.0, "peak_rss_mb": 150.0}


# ---------------------------------------------------------------- parent: orchestration


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    seconds = 20.0 if args.quick else args.seconds
    results = {
        "seconds": seconds,
        "seed": args.seed,
        "ack_latency_ms": 50,
        "modes": {mode: run_mode(mode, seconds, args.seed) for mode in MODES},
    }
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="run time per mode")
    parser.add_argument("--quick", action="store_true", help="20 s per mode")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_mode(mode: str, seconds: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-") as data_dir:
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "LOG_LEVEL": "warning",
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
        }
        env.pop("SQLITE_PATH", None)
        sim = start_sim(env, seed)
        try:
            api_base, account = read_sim_banner(sim)
            migrate(env)
            child_env = {
                **env,
                "BENCH_TOKEN": account["token"],
                "BENCH_KEY": account["ed25519_private_key"],
            }
            return measure_in_child(mode, seconds, api_base, child_env)
        finally:
            stop_process(sim)


def start_sim(env: dict, seed: int) -> subprocess.Popen:
    """`runsim` on a port of its choosing; it prints its URL and a funded account."""
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runsim",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--print-account",
            *SIM_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def measure_in_child(mode: str, seconds: float, api_base: str, env: dict) -> dict:
    """One mode measured in a fresh process (its own CPU and peak RSS): the child's last
    stdout line is its result."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.requote_modes",
            "--child",
            mode,
            "--seconds",
            str(seconds),
            "--api-base",
            api_base,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def read_sim_banner(sim: subprocess.Popen) -> tuple[str, dict]:
    """runsim prints its URL, then the account JSON; read both (bounded)."""
    if sim.stdout is None:
        raise ValueError("runsim must be started with stdout=PIPE")
    deadline = time.monotonic() + 30
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = sim.stdout.readline()
        if not line:
            raise RuntimeError("runsim exited: " + "".join(lines))
        lines.append(line)
        text = "".join(lines)
        match = re.search(r"on (http://127\.0\.0\.1:\d+)", text)
        if match and text.rstrip().endswith("}"):
            return match.group(1), json.loads(text[text.index("{") :])
    raise TimeoutError("runsim did not start")


def print_table(results: dict) -> None:
    rows = [
        ("two-sided uptime % (ground truth)", "two_sided_pct", ".3f"),
        ("in-band uptime % (ground truth)", "in_band_pct", ".3f"),
        ("requotes", "requotes", "d"),
        ("dark ms per requote, mean (ground truth)", "dark_ms_per_requote_truth", ".1f"),
        ("dark ms per requote p50 (engine)", "dark_ms_p50", ".1f"),
        ("dark ms per requote p99 (engine)", "dark_ms_p99", ".1f"),
        ("fills", "fills", "d"),
        ("reaction ms p50", "reaction_ms_p50", ".3f"),
        ("reaction ms p99", "reaction_ms_p99", ".3f"),
        ("CPU seconds", "cpu_seconds", ".2f"),
        ("peak RSS MB", "peak_rss_mb", ".1f"),
    ]
    modes = results["modes"]
    print(
        f"\nrequote modes, {results['seconds']:.0f} s each, seed {results['seed']}, "
        f"ack latency {results['ack_latency_ms']} ms"
    )
    print(f"{'metric':44}" + "".join(f"{m:>20}" for m in modes))
    for label, key, fmt in rows:
        print(f"{label:44}" + "".join(f"{format(modes[m][key], fmt):>20}" for m in modes))
    mbb = modes["make_before_break"]
    print(
        f"\ntargets (make_before_break): two-sided >= {TARGETS['two_sided_pct']}%: "
        f"{'met' if mbb['two_sided_pct'] >= TARGETS['two_sided_pct'] else 'MISSED'}; "
        f"reaction p99 < {TARGETS['reaction_p99_ms']} ms: "
        f"{'met' if mbb['reaction_ms_p99'] < TARGETS['reaction_p99_ms'] else 'MISSED'}; "
        f"peak RSS < {TARGETS['peak_rss_mb']} MB: "
        f"{'met' if mbb['peak_rss_mb'] < TARGETS['peak_rss_mb'] else 'MISSED'}"
    )


# ---------------------------------------------------------------- child: one mode


def run_child(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    result = asyncio.run(measure(args.child, args.seconds, args.api_base))
    print(json.dumps(result))
    return result


async def measure(mode: str, seconds: float, api_base: str) -> dict:
    import httpx
    import psutil

    from trading import store
    from trading.engine.engine import Engine, EngineOptions
    from trading.engine.feeds import SharedFeed
    from trading.models import BotConfig
    from trading.standx.rest import StandXRest
    from trading.standx.signing import RequestSigner

    token, key = os.environ["BENCH_TOKEN"], os.environ["BENCH_KEY"]
    await store.call(
        lambda: BotConfig.objects.update_or_create(
            name="bench", defaults={**BENCH_CONFIG, "requote_mode": mode, "run_state": "running"}
        )
    )
    rest = StandXRest(api_base, token=token, signer=RequestSigner(key), timeout=5.0)
    ws_url = api_base.replace("http://", "ws://") + "/ws-stream/v1"
    feed = SharedFeed(ws_url, token, "account bench")
    engine = Engine("bench", rest, feed, "sim", EngineOptions.from_settings())
    process = psutil.Process()
    cpu_before = sum(process.cpu_times()[:2])
    task = asyncio.create_task(engine.run())
    await asyncio.sleep(seconds)
    async with httpx.AsyncClient(base_url=api_base, timeout=5.0) as http:
        stats = (await http.get("/sim/stats", headers={"Authorization": f"Bearer {token}"})).json()
    cpu = sum(process.cpu_times()[:2]) - cpu_before
    engine.request_shutdown()
    async with asyncio.timeout(60):
        await task
    await rest.aclose()
    return summarize(engine, stats["symbols"][SYMBOL], cpu)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarize(engine, truth: dict, cpu_seconds: float) -> dict:
    hours = engine.uptime.meter.hours().values()
    requotes = sum(h.requotes for h in hours)
    dark = [ms for side in engine.uptime.dark_ms.values() for ms in side]
    per_requote = dark + [0.0] * max(0, requotes - len(dark))  # requotes that left no gap
    observed = truth["observed_seconds"] or 1.0
    reaction = list(engine.executor.reaction_ms)
    return {
        "two_sided_pct": 100.0 * truth["two_sided_seconds"] / observed,
        "in_band_pct": 100.0 * truth["in_band_seconds"] / observed,
        "observed_seconds": observed,
        "requotes": requotes,
        "dark_ms_per_requote_truth": 1000.0
        * (observed - truth["two_sided_seconds"])
        / max(1, requotes),
        "dark_ms_p50": percentile(per_requote, 0.50),
        "dark_ms_p99": percentile(per_requote, 0.99),
        "fills": truth["fills"],
        "reaction_ms_p50": percentile(reaction, 0.50),
        "reaction_ms_p99": percentile(reaction, 0.99),
        "reaction_samples": len(reaction),
        "reaction_ms_mean": statistics.fmean(reaction) if reaction else 0.0,
        "cpu_seconds": cpu_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "failures": engine.failures.total,
    }


if __name__ == "__main__":
    main()
