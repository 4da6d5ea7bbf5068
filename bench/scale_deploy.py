"""The scale benchmark's deployments (bench/scale.py): the simulator, one funded account and
one BotConfig row per bot, then the shape's processes (one `runbot`, or a daphne web tier and
one engine worker per bot on Redis + PostgreSQL), the wait until every bot quotes and the clean
stop that must leave no order behind."""

from __future__ import annotations

import contextlib
import json
import math
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import soak_procs as procs
from bench.localproc import HOST, free_port
from bench.requote_modes import SIM_ARGS as REQUOTE_SIM_ARGS
from bench.scale_probe import API_TOKEN

ROOT = procs.ROOT
SYMBOLS = ("BTC-USD", "ETH-USD", "XAU-USD", "XAG-USD")
# The requote benchmark's volatile market: the mid moves ~3 bps a second, so every bot
# requotes about once a second, like a busy live hour. StandX's 10 WebSocket connections per
# IP are lifted: every bot here has its own account (one connection each) and they all come
# from 127.0.0.1, where a real fleet would spread over accounts and hosts (operations guide,
# "Sizing a deployment"); the per-IP request limit stays.
# The requote bench's volatile market, with the per-IP WebSocket limits lifted (every bot has
# its own account here, all from 127.0.0.1).
SIM_ARGS = (*REQUOTE_SIM_ARGS, "--max-ws-per-ip", "0", "--max-new-ws-per-minute", "0")
STRATEGY = {
    "spread_bps": "8",
    "bid_notional": "100",
    "ask_notional": "100",
    "refresh_interval": "0.5",
    "requote_threshold_bps": "3",
    "proximity_guard_bps": "1",
    "max_notional": "5000",
    "max_consecutive_failures": 5,
    "stale_order_seconds": "30",
    "max_spread_deviation_bps": "50",
    "uptime_target_minutes": 30,
    "uptime_band_bps": "10",
    "requote_mode": "make_before_break",
    "run_state": "running",
}
ROWS_CODE = (
    "import json, os\nfrom trading.models import BotConfig\n"
    "for name, values in json.loads(os.environ['SCALE_ROWS']).items():\n"
    "    BotConfig.objects.update_or_create(name=name, defaults=values)\n"
)
IP_BUDGET_PER_S = 50.0  # StandX's requests per second per IP


def bot_names(n: int) -> list[str]:
    return [f"bot{i:02d}" for i in range(1, n + 1)]


@dataclass
class Deployment:
    api: str  # the simulator
    web_port: int
    accounts: dict[str, dict]  # bot -> {"token", "symbol"}
    sim: procs.Proc
    bots: list[procs.Proc] = field(default_factory=list)  # measured: bots and web tier
    infra_pids: list[int] = field(default_factory=list)  # Redis, PostgreSQL

    def ws(self, path: str) -> str:
        return f"ws://{HOST}:{self.web_port}{path}"


def start_sim(
    work: Path, pset: procs.ProcSet, seed: int, sim_args: tuple[str, ...]
) -> tuple[procs.Proc, str]:
    port = free_port()
    sim = pset.start(
        "runsim",
        [*procs.sim_argv(port, seed, work / "sim-state.json", sim_args)],
        {**procs.base_env(work), "LOG_LEVEL": "warning"},
        work / "runsim.log",
    )
    api = f"http://{HOST}:{port}"
    procs.wait_http(f"{api}/api/query_symbol_info?symbol=BTC-USD", sim, 30)
    return sim, api


def bot_env(work: Path, api: str, accounts: dict[str, dict]) -> dict:
    """One simulator account per bot, named acctNN and mapped by BOT_ACCOUNTS."""
    env = {
        **procs.base_env(work),
        "LOG_LEVEL": "warning",
        "API_TOKEN": API_TOKEN,
        "STANDX_API_BASE": api,
        "STANDX_WS_URL": api.replace("http", "ws") + "/ws-stream/v1",
        "STANDX_WS_API_URL": api.replace("http", "ws") + "/ws-api/v1",
    }
    names = {bot: "acct" + bot[3:] for bot in accounts}
    env["STANDX_ACCOUNTS"] = ",".join(names.values())
    env["BOT_ACCOUNTS"] = ",".join(f"{bot}:{acct}" for bot, acct in names.items())
    for bot, acct in names.items():
        env[f"STANDX_{acct.upper()}_JWT_TOKEN"] = accounts[bot]["token"]
        env[f"STANDX_{acct.upper()}_ED25519_PRIVATE_KEY"] = accounts[bot]["key"]
    return env


def prepare(env: dict, accounts: dict[str, dict]) -> None:
    """Migrate, then one BotConfig row per bot (symbols in turn) before anything starts."""
    procs.migrate(env)
    rows = {bot: {**STRATEGY, "symbol": a["symbol"]} for bot, a in accounts.items()}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", ROWS_CODE],
        cwd=ROOT,
        env={**env, "SCALE_ROWS": json.dumps(rows)},
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
    )


def deploy(
    shape: str,
    n: int,
    work: Path,
    pset: procs.ProcSet,
    seed: int,
    servers: dict | None,
    sim_args: tuple[str, ...] = SIM_ARGS,
) -> Deployment:
    """The simulator, a funded account and a row per bot, then the shape's processes;
    returns once the web tier answers (the bots may still be starting)."""
    sim, api = start_sim(work, pset, seed, sim_args)
    accounts = open_accounts(api, n)
    dep = Deployment(api, free_port(), accounts, sim)
    env = {**bot_env(work, api, accounts), "WEB_PORT": str(dep.web_port)}
    if shape == "split":
        if servers is None:
            raise ValueError("the split shape needs the Redis and PostgreSQL servers")
        env.update(split_env(n, servers))
        dep.infra_pids = servers["pids"]
    prepare(env, accounts)
    if shape == "one":
        dep.bots.append(pset.start("runbot", [*procs.bot_argv()], env, work / "runbot.log"))
    else:
        dep.bots += start_split(dep, env, work, pset)
    procs.wait_http(f"http://{HOST}:{dep.web_port}/accounts/login/", dep.bots[0], 120)
    return dep


def open_accounts(api: str, n: int) -> dict[str, dict]:
    """A funded simulator account per bot, the symbols in turn."""
    accounts = {}
    for i, bot in enumerate(bot_names(n)):
        created = procs.create_account(api)
        accounts[bot] = {
            "token": created["token"],
            "key": created["ed25519_private_key"],
            "symbol": SYMBOLS[i % len(SYMBOLS)],
        }
    return accounts


def start_split(dep: Deployment, env: dict, work: Path, pset: procs.ProcSet) -> list[procs.Proc]:
    """The daphne web tier first (the deployment waits for it), then an engine worker per bot."""
    web = pset.start(
        "daphne",
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            HOST,
            "-p",
            str(dep.web_port),
            "mmsite.asgi:application",
        ],
        env,
        work / "daphne.log",
    )
    workers = [
        pset.start(
            bot, [*procs.bot_argv(), "--engine-only", "--bot", bot], env, work / f"{bot}.log"
        )
        for bot in dep.accounts
    ]
    return [web, *workers]


def split_env(n: int, servers: dict) -> dict:
    # The exchange counts requests per IP: N workers on one host each get 1/N of it, as the
    # operations guide tells operators (one process pools the whole budget by itself).
    return {
        "DATABASE_URL": servers["postgres"].create_database(f"scale_{n}"),
        "CHANNEL_LAYER": "redis",
        "REDIS_URL": servers["redis"].url,
        "REDIS_PREFIX": f"scale{n}",
        "IP_REQUESTS_PER_SECOND": ip_share(n),
    }


def ip_share(workers: int) -> str:
    return f"{max(1.0, math.floor(IP_BUDGET_PER_S / workers * 100) / 100):.2f}"


def sim_get(dep: Deployment, path: str, bot: str) -> dict:
    response = httpx.get(
        f"{dep.api}{path}",
        timeout=5.0,
        headers={"Authorization": f"Bearer {dep.accounts[bot]['token']}"},
    )
    response.raise_for_status()
    return response.json()


def quoting(dep: Deployment, bot: str) -> bool:
    orders = sim_get(dep, "/sim/orders", bot)["orders"]
    return {o["side"] for o in orders if o["status"] == "open"} == {"buy", "sell"}


def wait_quoting(dep: Deployment, timeout: float) -> None:
    """Until every bot rests both sides on the simulator (its ground truth), bounded."""
    waiting, deadline = set(dep.accounts), time.monotonic() + timeout
    while waiting:
        dead = [p for p in dep.bots if not p.alive()]
        if dead:
            raise RuntimeError(f"{dead[0].name} exited; see {dead[0].log_path}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not quoting after {timeout:.0f}s: {sorted(waiting)}")
        waiting = {bot for bot in waiting if not quoting(dep, bot)}
        time.sleep(0.5)


def stop(dep: Deployment) -> int:
    """SIGTERM every bot process at once (each cancels its orders), then count what the
    simulator still holds for our accounts: a clean stop leaves zero."""
    for proc in dep.bots:
        proc.signal_group(signal.SIGTERM)
    for proc in dep.bots:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(45)
        proc.stop(timeout=5)  # only a process still alive is signalled (and killed)
    return sum(len(sim_get(dep, "/sim/orders", bot)["orders"]) for bot in dep.accounts)
