"""Benchmark (issue 13): what each quoting setup earns under the Uptime Program and Maker
Points, against what it spends, on three seeded markets with 50 ms acks (calm, volatile,
harsh: trading/sim/scenarios.py).

For each scenario ONE `manage.py runsim --scenario NAME` (one seed) and ONE child process in
which every row's bot is an Engine on its own simulator account, all running at once: every
row sees the same market path, so the rows compare fairly. A row is a dict of BotConfig
values over the defaults (settings.BOT_DEFAULTS). The simulator's per-IP limits are lifted
so rows never throttle each other (each bot's own client still paces itself under StandX's
per-IP budget, and the per-account limit stays). Every figure is the simulator's ground
truth (GET /sim/stats), never the bot's own view.

    python -m bench.reward [--seconds 120] [--quick] [--seed 7] [--scenarios calm,harsh]
                           [--rows band,band-flatten] [--market FILE ...]

--market FILE adds a row set on a recording (manage.py recordmarket; `runsim --replay FILE`,
50 ms acks): the same rows on a real market's books, marks and trades, the run as long as
the recording allows (`--scenarios ""` runs the recordings alone). Prints a table per market
and writes bench/results/reward.json ("scenarios", and "recordings" by file name).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench import reward_ledger
from bench import soak_procs as procs
from bench.localproc import HOST, free_port
from bench.order_log import order_figures
from bench.reward_report import (
    ROW_LABELS,
    TARGETS,
    columns,
    print_scenario,
    recording_measure,
    scenario_measure,
    with_targets,
)
from trading.sim.scenarios import SCENARIOS

ROOT = procs.ROOT
RESULTS = ROOT / "bench" / "results" / "reward.json"
SYMBOL = "BTC-USD"
# Each row: BotConfig values over the defaults. quote_strategy "spread" is today's
# behaviour, so a BotConfig without the field runs the spread rows unchanged; the band row
# needs the field and is skipped (with a note) until the model has it.
ROWS: dict[str, dict] = {
    "spread5": {"quote_strategy": "spread", "spread_bps": "5"},
    "spread5-tight": {
        "quote_strategy": "spread",
        "spread_bps": "5",
        "requote_threshold_bps": "1.5",
    },
    "spread8": {"quote_strategy": "spread", "spread_bps": "8"},
    "spread8-tight": {"quote_strategy": "spread", "spread_bps": "8", "requote_threshold_bps": "2"},
    "band": {"quote_strategy": "band"},
    # Inventory control (issue 16): skew of the adding side, and flattening at the stop.
    "spread5-skew": {"quote_strategy": "spread", "spread_bps": "5", "inventory_skew_bps": "3"},
    "spread5-flatten": {
        "quote_strategy": "spread",
        "spread_bps": "5",
        "flatten_after_fill": "on",
        "flatten_on_stop": "on",
    },
    "band-skew": {"quote_strategy": "band", "inventory_skew_bps": "3"},
    "band-flatten": {"quote_strategy": "band", "flatten_after_fill": "on", "flatten_on_stop": "on"},
}
# Values a BotConfig without the field behaves as: such a row runs without the field.
IMPLIED_WITHOUT_FIELD = {"quote_strategy": "spread"}
SIM_LIMITS = ("--ip-requests-per-s", "0", "--max-ws-per-ip", "0", "--max-new-ws-per-minute", "0")
CHILD_GRACE_S = 150.0
# A replay starts with runsim; the rows' engines quote this much later (accounts, migrate,
# the child's start), so a run on a recording is this much shorter than the recording.
REPLAY_STARTUP_S = 30.0


# ---------------------------------------------------------------- parent: orchestration


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    seconds = 20.0 if args.quick else args.seconds
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not (names or args.market):
        raise SystemExit(f"unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}")
    rows = [r.strip() for r in args.rows.split(",") if r.strip()] if args.rows else list(ROWS)
    if not rows or any(r not in ROWS for r in rows):
        raise SystemExit(f"unknown rows in {args.rows!r}; choose from {', '.join(ROWS)}")
    recordings = [Path(m) for m in args.market]
    missing = [str(m) for m in recordings if not m.is_file()]
    if missing:
        raise SystemExit(f"--market: no such file {', '.join(missing)}")
    results = {
        "seconds": seconds,
        "seed": args.seed,
        "ack_latency_ms": 50,
        "symbol": SYMBOL,
        "rows": {name: {"label": ROW_LABELS[name], "values": ROWS[name]} for name in rows},
        "targets": TARGETS,
        "scenarios": {},
    }
    for name in names:
        scenario = run_scenario(name, seconds, args.seed, rows)
        results["scenarios"][name] = scenario
        print_scenario(name, scenario, seconds)
    if recordings:
        results["recordings"] = {}
    for recording in recordings:
        measured = recording_measure(recording)
        length = min(seconds, max(10.0, measured["duration_s"] - REPLAY_STARTUP_S))
        outcome = run_recording(recording, length, args.seed, rows)
        results["recordings"][recording.name] = {"seconds": length, **outcome}
        print_scenario(recording.name, outcome, length)
    output = Path(args.output) if args.output else RESULTS
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {output}")
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="run time per scenario")
    parser.add_argument("--quick", action="store_true", help="20 s per scenario")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="comma-separated, from " + ", ".join(SCENARIOS),
    )
    parser.add_argument(
        "--rows", help="comma-separated rows to run (default all): " + ", ".join(ROWS)
    )
    parser.add_argument(
        "--market",
        action="append",
        default=[],
        metavar="FILE",
        help="a recording to run the rows on as well (repeatable)",
    )
    parser.add_argument("--output", help="JSON path (default bench/results/reward.json)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_scenario(name: str, seconds: float, seed: int, rows: list[str]) -> dict:
    outcome = run_market(("--scenario", name, *SIM_LIMITS), seconds, seed, rows)
    return {"market": scenario_measure(name, seed), **with_targets(name, outcome)}


def run_recording(recording: Path, seconds: float, seed: int, rows: list[str]) -> dict:
    """The rows on a recording, looped (a run longer than it would otherwise fall silent)."""
    replay = ("--replay", str(recording.resolve()), "--replay-loop")
    outcome = run_market((*replay, "--ack-latency-ms", "50", *SIM_LIMITS), seconds, seed, rows)
    return {"market": recording_measure(recording), **with_targets(None, outcome)}


def run_market(sim_args: tuple[str, ...], seconds: float, seed: int, rows: list[str]) -> dict:
    """The simulator with this market, an account per row, the rows' child; ground truth."""
    with tempfile.TemporaryDirectory(prefix="bench-reward-") as tmp:
        work = Path(tmp)
        env = {**procs.base_env(work), "LOG_LEVEL": "warning"}
        pset = procs.ProcSet()
        try:
            port = free_port()
            sim = pset.start(
                "runsim",
                procs.sim_argv(port, seed, work / "sim-state.json", sim_args),
                env,
                work / "runsim.log",
            )
            api = f"http://{HOST}:{port}"
            procs.wait_http(f"{api}/api/health", sim, 30)
            accounts = {row: procs.create_account(api) for row in rows}
            procs.migrate(env)
            return run_rows_child(env, api, accounts, seconds)
        finally:
            pset.close()


def run_rows_child(env: dict, api: str, accounts: dict[str, dict], seconds: float) -> dict:
    plan = {
        row: {
            "values": ROWS[row],
            "token": accounts[row]["token"],
            "key": accounts[row]["ed25519_private_key"],
        }
        for row in accounts
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.reward",
            "--child",
            "--seconds",
            str(seconds),
            "--api-base",
            api,
        ],
        cwd=ROOT,
        env={**env, "REWARD_ROWS": json.dumps(plan)},
        check=False,
        capture_output=True,
        text=True,
        timeout=seconds + CHILD_GRACE_S,
    )
    if out.returncode != 0:
        raise RuntimeError(f"reward child failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- child: every row at once


def run_child(args: argparse.Namespace) -> dict:
    import django

    django.setup()
    plan = json.loads(os.environ["REWARD_ROWS"])
    result = asyncio.run(measure_rows(plan, args.seconds, args.api_base))
    print(json.dumps(result))
    return result


def row_values(values: dict, fields: set[str]) -> tuple[dict, list[str]]:
    """The row's values the model can hold, and the fields it lacks (a row that needs one
    cannot run yet); a value the model behaves as without the field is simply dropped."""
    kept, missing = {}, []
    for name, value in values.items():
        if name in fields:
            kept[name] = value
        elif IMPLIED_WITHOUT_FIELD.get(name) != value:
            missing.append(name)
    return kept, missing


async def measure_rows(plan: dict, seconds: float, api_base: str) -> dict:
    from django.conf import settings

    from trading import store
    from trading.models import BotConfig

    fields = {f.name for f in BotConfig._meta.get_fields()}
    runnable, skipped = {}, {}
    for row, spec in plan.items():
        values, missing = row_values(spec["values"], fields)
        if missing:
            skipped[row] = f"BotConfig has no field {', '.join(missing)} yet"
            continue
        config = {**settings.BOT_DEFAULTS, "symbol": SYMBOL, **values, "run_state": "running"}
        await store.call(
            lambda r=row, c=config: BotConfig.objects.update_or_create(name=r, defaults=c)
        )
        runnable[row] = {**spec, "max_notional": str(config["max_notional"])}
    rows = await run_engines(runnable, seconds, api_base)
    rows.update({row: {"skipped": note} for row, note in skipped.items()})
    return {"rows": rows, "env_overrides": env_overrides(settings.BOT_DEFAULTS)}


async def run_engines(plan: dict, seconds: float, api_base: str) -> dict:
    """Every row's engine at once for `seconds`; the ground truth of each, read before any
    engine stops (the clean stop's cancels are not part of what is measured); the money
    from each account's ledger after the stop (a flattening at the stop is paid for)."""
    import httpx

    engines, clients = build_engines(plan, api_base)
    tokens = {row: spec["token"] for row, spec in plan.items()}
    async with httpx.AsyncClient(base_url=api_base, timeout=5.0) as http:
        start_balances = await reward_ledger.balances(http, tokens)
    started = time.time()  # the simulator's clock is the wall clock (SimConfig.clock)
    tasks = {row: asyncio.create_task(engine.run(), name=row) for row, engine in engines.items()}
    await asyncio.wait(tasks.values(), timeout=seconds)
    stats = await ground_truth(plan, api_base)
    logs = await order_logs(plan, api_base, stats, started)
    states = {row: engine.state for row, engine in engines.items()}  # before the stop
    for engine in engines.values():
        engine.request_shutdown()
    async with asyncio.timeout(60):
        ended = await asyncio.gather(*tasks.values(), return_exceptions=True)
    for rest in clients:
        await rest.aclose()
    async with httpx.AsyncClient(base_url=api_base, timeout=5.0) as http:
        money = {
            row: await reward_ledger.ledger(http, tokens[row], SYMBOL, start_balances[row])
            for row in plan
        }
    return {
        row: {
            **with_money(columns(stats[row], SYMBOL), money[row], stats[row]),
            **logs[row],
            "engine_state": states[row],
            "engine_error": None
            if not isinstance(error, BaseException)
            else f"{type(error).__name__}: {error}",
        }
        for row, error in zip(tasks, ended, strict=True)
    }


def with_money(figures: dict, ledger_row: dict, stats: dict) -> dict:
    truth = stats["symbols"][SYMBOL]
    return {
        **figures,
        **reward_ledger.money_columns(
            ledger_row, truth["in_band_seconds"], truth["observed_seconds"]
        ),
    }


def build_engines(plan: dict, api_base: str) -> tuple[dict, list]:
    """An Engine per row on the row's own account, and the REST clients to close after."""
    from trading.engine.engine import Engine, EngineOptions
    from trading.engine.feeds import SharedFeed
    from trading.standx.rest import StandXRest
    from trading.standx.signing import RequestSigner

    ws_url = api_base.replace("http://", "ws://") + "/ws-stream/v1"
    engines, clients = {}, []
    for row, spec in plan.items():
        rest = StandXRest(
            api_base, token=spec["token"], signer=RequestSigner(spec["key"]), timeout=5.0
        )
        clients.append(rest)
        feed = SharedFeed(ws_url, spec["token"], f"account {row}")
        engines[row] = Engine(row, rest, feed, "sim", EngineOptions.from_settings())
    return engines, clients


async def ground_truth(plan: dict, api_base: str) -> dict:
    """Each row's GET /sim/stats, with its own account's token."""
    import httpx

    async with httpx.AsyncClient(base_url=api_base, timeout=5.0) as http:
        return {
            row: (
                await http.get(
                    "/sim/stats", headers={"Authorization": f"Bearer {plan[row]['token']}"}
                )
            ).json()
            for row in plan
        }


async def order_logs(plan: dict, api_base: str, stats: dict, since: float) -> dict:
    """Each row's order figures (bench/order_log.py) from its order log and fills so far."""
    import httpx

    figures = {}
    async with httpx.AsyncClient(base_url=api_base, timeout=5.0) as http:
        for row, spec in plan.items():
            headers = {"Authorization": f"Bearer {spec['token']}"}
            until = time.time()
            orders = await http.get("/sim/orders", params={"since": since}, headers=headers)
            trades = await http.get(
                "/api/query_trades",
                params={"symbol": SYMBOL, "limit": reward_ledger.TRADES_LIMIT},
                headers=headers,
            )
            figures[row] = order_figures(
                orders.json()["orders"],
                trades.json()["result"],
                stats[row]["requests"]["rejections"],
                Decimal(spec["max_notional"]),
                until,
            )
    return figures


def env_overrides(defaults: dict) -> dict:
    """Strategy settings the environment (or .env) changed: the rows' 'defaults' then are
    not the code's, and the JSON says so."""
    return {
        name.upper(): os.environ[name.upper()] for name in defaults if name.upper() in os.environ
    }


if __name__ == "__main__":
    main()
