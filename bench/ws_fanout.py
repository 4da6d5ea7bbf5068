"""Benchmark: many dashboards watching one bot.

Starts `manage.py runbot` (sim mode, bundled simulator, its own DATA_DIR and a free port),
logs in through the printed one-time link, then connects N dashboard WebSockets
(/ws/dashboard/, session cookie + Origin like a browser) for S seconds. The engine publishes
a snapshot once a second and every client should get each one as a frame of five OOB panels.

Reports the runbot process's CPU (engine + simulator + web, on its own and with the clients),
frames delivered against the ideal N x S, frame sizes and the interval between a client's
frames (p50/p99/max: 1 s is perfect; a slow fan-out stretches it).

    python -m bench.ws_fanout [--seconds 60] [--clients 50]

Prints a table and writes bench/results/ws_fanout.json. The clients run on the same machine
(another process), so on a small box they compete with the server for CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import psutil
import websockets
from websockets.typing import Origin

from bench.localproc import free_port

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ws_fanout.json"
BASELINE_SECONDS = 5.0


def start_runbot(data_dir: Path, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "WEB_PORT": str(port), "LOG_LEVEL": "warning"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    # A file, not a pipe: a full pipe would block runbot. The child keeps its own copy.
    with open(data_dir / "runbot.log", "w") as log:
        proc = subprocess.Popen(
            [*manage, "runbot"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        match = re.search(
            r"dashboard: (http://\S+/accounts/link/\S+)", (data_dir / "runbot.log").read_text()
        )
        if match:
            return proc, match.group(1)
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("runbot did not print a login link:\n" + (data_dir / "runbot.log").read_text())


def session_cookie(link: str) -> str:
    response = httpx.get(link, follow_redirects=False, timeout=10)
    if response.status_code != 302 or "sessionid" not in response.cookies:
        raise SystemExit(f"login link refused: HTTP {response.status_code}")
    return response.cookies["sessionid"]


async def client(
    url: str, origin: Origin, cookie: str, until: float, arrivals: list[float], sizes: list[int]
) -> None:
    async with websockets.connect(
        url,
        origin=origin,
        max_size=None,
        open_timeout=10,
        additional_headers={"Cookie": f"sessionid={cookie}"},
    ) as ws:
        while (left := until - time.monotonic()) > 0:
            try:
                frame = await asyncio.wait_for(ws.recv(), timeout=left)
            except TimeoutError:
                break
            arrivals.append(time.monotonic())
            sizes.append(len(frame))


async def run_clients(
    port: int, cookie: str, clients: int, seconds: float
) -> tuple[list[list[float]], list[int]]:
    url, origin = f"ws://127.0.0.1:{port}/ws/dashboard/", Origin(f"http://127.0.0.1:{port}")
    until = time.monotonic() + seconds
    arrivals: list[list[float]] = [[] for _ in range(clients)]
    sizes: list[int] = []
    await asyncio.gather(
        *(client(url, origin, cookie, until, arrivals[i], sizes) for i in range(clients))
    )
    return arrivals, sizes


def cpu_percent(proc: psutil.Process, work: Callable[[], T]) -> tuple[float, T]:
    """CPU of runbot (all threads) while `work` runs, as % of one core."""
    before, start = proc.cpu_times(), time.monotonic()
    result = work()
    after, wall = proc.cpu_times(), time.monotonic() - start
    used = (after.user - before.user) + (after.system - before.system)
    return round(used / wall * 100, 1), result


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def summarize(args, baseline_cpu: float, cpu: float, arrivals: list, sizes: list) -> dict:
    # The first frame is the connect-time full snapshot; intervals start after it.
    intervals = [b - a for frames in arrivals for a, b in itertools.pairwise(frames[1:])]
    frames = sum(len(f) for f in arrivals)
    return {
        "clients": args.clients,
        "seconds": args.seconds,
        "server_cpu_percent_idle": baseline_cpu,
        "server_cpu_percent": cpu,
        # One frame on connect plus one per second after it: N x S (give or take one frame
        # per client, by where the window falls against the engine's 1 Hz tick).
        "frames_delivered": frames,
        "frames_ideal": args.clients * int(args.seconds),
        "clients_with_frames": sum(1 for f in arrivals if f),
        "frame_bytes_mean": round(statistics.fmean(sizes)) if sizes else 0,
        "interval_p50_s": round(percentile(intervals, 50), 3),
        "interval_p99_s": round(percentile(intervals, 99), 3),
        "interval_max_s": round(max(intervals), 3) if intervals else None,
        "cpu_count": psutil.cpu_count(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args(argv)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ws_fanout-") as data_dir:
        proc, link = start_runbot(Path(data_dir), port)
        try:
            server = psutil.Process(proc.pid)
            cookie = session_cookie(link)
            time.sleep(2)  # let the engine settle and quote
            idle, _ = cpu_percent(server, lambda: time.sleep(BASELINE_SECONDS))
            cpu, (arrivals, sizes) = cpu_percent(
                server, lambda: asyncio.run(run_clients(port, cookie, args.clients, args.seconds))
            )
        finally:
            proc.terminate()
            proc.wait(60)
    result = summarize(args, idle, cpu, arrivals, sizes)
    report(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result


def report(r: dict) -> None:
    rows = [
        ("clients x seconds", f"{r['clients']} x {r['seconds']:g}"),
        ("server CPU, no clients", f"{r['server_cpu_percent_idle']} % of a core"),
        (
            "server CPU, with clients",
            f"{r['server_cpu_percent']} % of a core ({r['cpu_count']} cores)",
        ),
        ("frames delivered / ideal", f"{r['frames_delivered']} / {r['frames_ideal']}"),
        ("clients that got frames", f"{r['clients_with_frames']}"),
        ("mean frame size", f"{r['frame_bytes_mean']} bytes"),
        (
            "interval p50 / p99 / max",
            f"{r['interval_p50_s']} / {r['interval_p99_s']} / {r['interval_max_s']} s",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    print("ws_fanout: dashboard WebSocket fan-out")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(f"  -> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
