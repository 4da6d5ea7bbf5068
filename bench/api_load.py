"""Benchmark: many scripts polling GET /api/status while the engine trades.

Starts `manage.py runsim` (a volatile seeded market, so the engine requotes all the time)
and, per phase, a fresh `manage.py runbot --no-sim` against it (its own DATA_DIR, a free
port, API_TOKEN set). A phase is a number of concurrent clients, each one an httpx async
client with the bearer token that asks /api/status again as soon as it has its answer,
for S seconds. Phase 0 (no clients) is the baseline.

Reported per phase: requests/s, latency p50/p95/p99/max, failed requests, runbot's CPU,
and the engine's reaction p50/p99 (market message in -> order out) as the bot's own
/api/status reports it after the phase. Each phase runs in a new runbot process, so the
engine's latency window holds that phase's reactions only.

    python -m bench.api_load [--seconds 20] [--clients 50 200] [--quick]

Prints a table and writes bench/results/api_load.json. The clients run on the same machine
(--client-processes), so on a small box they compete with the server for CPU, as a
real neighbour would; runbot's own CPU share is in the table to tell the two apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import psutil

from bench.localproc import HOST, free_port, migrate, stop_process
from bench.requote_modes import percentile, read_sim_banner
from bench.requote_modes import start_sim as start_runsim

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "api_load.json"
WARMUP_SECONDS = 3.0
REQUEST_TIMEOUT = 10.0
# Tight quotes on a volatile market: the engine reacts (places) several times a second.
STRATEGY_ENV = {
    "SPREAD_BPS": "6",
    "BID_NOTIONAL": "100",
    "ASK_NOTIONAL": "100",
    "REFRESH_INTERVAL": "0.2",
    "REQUOTE_THRESHOLD_BPS": "3",
    "PROXIMITY_GUARD_BPS": "1",
    "MAX_NOTIONAL": "100000",
    "MAX_CONSECUTIVE_FAILURES": "20",
    "MAX_SPREAD_DEVIATION_BPS": "50",
}


def start_sim(env: dict) -> tuple[subprocess.Popen, str, dict]:
    sim = start_runsim(env, seed=7)
    try:
        api_base, account = read_sim_banner(sim)
    except BaseException:
        stop_process(sim)
        raise
    return sim, api_base, account


def runbot_env(base: dict, data_dir: Path, api_base: str, account: dict, token: str) -> dict:
    return {
        **base,
        **STRATEGY_ENV,
        "DATA_DIR": str(data_dir),
        "WEB_PORT": str(free_port()),
        "API_TOKEN": token,
        "STANDX_MODE": "sim",
        "STANDX_API_BASE": api_base,
        "STANDX_WS_URL": api_base.replace("http://", "ws://") + "/ws-stream/v1",
        "STANDX_JWT_TOKEN": account["token"],
        "STANDX_ED25519_PRIVATE_KEY": account["ed25519_private_key"],
    }


def start_runbot(env: dict, data_dir: Path) -> subprocess.Popen:
    log_path = data_dir / "runbot.log"
    with open(log_path, "w") as log:  # a file: a full pipe would block runbot
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runbot", "--no-sim"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if re.search(r"^dashboard: http", log_path.read_text(), re.MULTILINE):
            return proc
        time.sleep(0.1)
    stop_process(proc)
    raise SystemExit("runbot did not start its dashboard:\n" + log_path.read_text()[-3000:])


async def client(http: httpx.AsyncClient, until: float, latencies: list, failures: list) -> None:
    while time.monotonic() < until:
        sent = time.perf_counter()
        try:
            response = await http.get("/api/status")
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
            continue
        if response.status_code == 200:
            latencies.append(time.perf_counter() - sent)
        else:
            failures.append(response.status_code)


async def hammer(base_url: str, token: str, clients: int, seconds: float) -> tuple[list, list]:
    """`clients` concurrent pollers (one connection each) for `seconds`."""
    latencies: list[float] = []
    failures: list = []
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [
        httpx.AsyncClient(
            base_url=base_url, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT
        )
        for _ in range(clients)
    ]
    until = time.monotonic() + seconds
    try:
        await asyncio.gather(*(client(h, until, latencies, failures) for h in https))
    finally:
        await asyncio.gather(*(h.aclose() for h in https))
    return latencies, failures


def _hammer_here(args: tuple) -> tuple[list, list]:
    return asyncio.run(hammer(*args))


def hammer_from(processes: int, base_url: str, token: str, clients: int, seconds: float):
    """The clients split over a few processes: one Python process cannot drive 200 of them
    at the server's pace (its own CPU would be what the latencies measure)."""
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        parts = list(pool.map(_hammer_here, [(base_url, token, n, seconds) for n in shares if n]))
    return [x for lat, _ in parts for x in lat], [x for _, fail in parts for x in fail]


def engine_latency(base_url: str, token: str) -> dict:
    response = httpx.get(
        base_url + "/api/status", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    response.raise_for_status()
    return response.json().get("latency") or {}


def run_phase(
    env: dict, data_dir: Path, token: str, clients: int, seconds: float, client_processes: int
) -> dict:
    proc = start_runbot(env, data_dir)
    base_url = f"http://{HOST}:{env['WEB_PORT']}"
    try:
        server = psutil.Process(proc.pid)
        time.sleep(WARMUP_SECONDS)
        cpu_before, started = server.cpu_times(), time.monotonic()
        if clients:
            latencies, failures = hammer_from(client_processes, base_url, token, clients, seconds)
        else:
            latencies, failures = [], []
            time.sleep(seconds)
        wall = time.monotonic() - started
        cpu_after = server.cpu_times()
        reaction = engine_latency(base_url, token)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            stop_process(proc)
    used = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return summarize(clients, wall, latencies, failures, reaction, 100.0 * used / wall)


def summarize(clients, wall, latencies, failures, reaction, cpu_percent) -> dict:
    ms = [1000.0 * s for s in latencies]
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests_ok": len(ms),
        "requests_failed": len(failures),
        "failure_kinds": sorted({str(f) for f in failures}),
        "requests_per_s": round(len(ms) / wall, 1),
        "latency_ms_p50": round(percentile(ms, 0.50), 1) if ms else None,
        "latency_ms_p95": round(percentile(ms, 0.95), 1) if ms else None,
        "latency_ms_p99": round(percentile(ms, 0.99), 1) if ms else None,
        "latency_ms_max": round(max(ms), 1) if ms else None,
        "reaction_ms_p50": reaction.get("reaction_p50_ms"),
        "reaction_ms_p99": reaction.get("reaction_p99_ms"),
        "reaction_samples": reaction.get("samples"),
        "runbot_cpu_percent": round(cpu_percent, 1),
    }


def print_table(results: dict) -> None:
    columns = [
        ("clients", "clients", "d"),
        ("req/s", "requests_per_s", ".1f"),
        ("p50 ms", "latency_ms_p50", ".1f"),
        ("p95 ms", "latency_ms_p95", ".1f"),
        ("p99 ms", "latency_ms_p99", ".1f"),
        ("max ms", "latency_ms_max", ".1f"),
        ("failed", "requests_failed", "d"),
        ("react p50", "reaction_ms_p50", ".2f"),
        ("react p99", "reaction_ms_p99", ".2f"),
        ("reacts", "reaction_samples", "d"),
        ("CPU %", "runbot_cpu_percent", ".0f"),
    ]
    print(
        f"\napi_load: GET /api/status, {results['seconds']:g} s per phase, clients in "
        f"{results['client_processes']} process(es) ({results['cpu_count']} cores; reaction = "
        "engine, market message -> order out; CPU % = runbot's, of one core)"
    )
    print("".join(f"{name:>11}" for name, _, _ in columns))
    for phase in results["phases"]:
        print(
            "".join(
                f"{'-' if phase[key] is None else format(phase[key], fmt):>11}"
                for _, key, fmt in columns
            )
        )
    print(f"  -> {RESULTS.relative_to(ROOT)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--quick", action="store_true", help="8 s per phase")
    parser.add_argument(
        "--client-processes",
        type=int,
        default=1,
        help="processes the clients are spread over (1: the figures of "
        "docs/operations.md; 2 loads the server harder and starves the "
        "engine of CPU on a 2-core box)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    seconds = 8.0 if args.quick else args.seconds
    token = secrets.token_urlsafe(24)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_"))}
    base_env.update({"LOG_LEVEL": "warning", "DJANGO_SETTINGS_MODULE": "mmsite.settings"})
    with tempfile.TemporaryDirectory(prefix="api_load-") as tmp:
        data_dir = Path(tmp)
        sim, api_base, account = start_sim({**base_env, "DATA_DIR": tmp})
        try:
            env = runbot_env(base_env, data_dir, api_base, account, token)
            migrate(env)
            phases = [
                run_phase(env, data_dir, token, n, seconds, args.client_processes)
                for n in [0, *args.clients]
            ]
        finally:
            stop_process(sim)
    results = {
        "seconds": seconds,
        "cpu_count": psutil.cpu_count(),
        "client_processes": args.client_processes,
        "phases": phases,
    }
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
