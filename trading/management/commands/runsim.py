"""`python manage.py runsim`: the StandX-compatible simulator as a standalone loopback server."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from trading.sim.faults import FaultConfig, faults_from_json
from trading.sim.runner import SimServer, require_loopback
from trading.sim.scenarios import SCENARIOS, scenario
from trading.sim.symbols import SYMBOLS

# Market options a scenario presets; a flag given on the command line wins over it.
MARKET_FLAGS = (
    "volatility_bps",
    "jump_probability",
    "jump_bps",
    "mark_lag",
    "mark_noise_bps",
    "step_interval",
    "push_interval",
)
SCENARIO_HELP = "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS.values())


class Command(BaseCommand):
    help = (
        "Run the StandX-compatible exchange simulator on a loopback address. "
        "--scenario presets the market (every scenario acks orders in 50 ms): "
        + SCENARIO_HELP
        + ". Flags given explicitly override the preset. "
        "GET /sim/stats (Bearer token) is the account's ground truth per symbol: "
        "two-sided and in-band seconds, the counted size (min of the in-band sides, "
        "2 BTC cap), order lifetimes and cancels under 3 s, fills, hourly rows with "
        "X70/X50, and its requests by path (docs/architecture.md, Simulator)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--seed", type=int, default=42)
        add_market_arguments(parser)
        parser.add_argument("--max-open-orders", type=int, default=100)
        parser.add_argument(
            "--ip-requests-per-s",
            type=int,
            default=50,
            help="REST requests per second per client IP (0 = no limit, "
            "for benches of many accounts on one host)",
        )
        parser.add_argument(
            "--uptime-snapshots-per-hour",
            type=int,
            default=60,
            help="random moments per UTC hour the counted size is sampled "
            "at for the hour's X70/X50 (GET /api/maker/uptime)",
        )
        parser.add_argument(
            "--max-ws-per-ip",
            type=int,
            default=10,
            help="concurrent WebSocket connections per client IP (0 = no limit)",
        )
        parser.add_argument(
            "--max-new-ws-per-minute",
            type=int,
            default=30,
            help="new WebSocket connections per client IP in any 60 s (0 = no limit)",
        )
        parser.add_argument("--band-bps", default="10")
        parser.add_argument(
            "--ack-latency-ms",
            type=float,
            default=None,
            help="order new/cancel to state change (default 20; 50 in every scenario)",
        )
        parser.add_argument("--ack-jitter-ms", type=float, default=0.0)
        parser.add_argument("--md-latency-ms", type=float, default=0.0)
        parser.add_argument("--md-jitter-ms", type=float, default=0.0)
        parser.add_argument("--http-5xx-share", type=float, default=0.0)
        parser.add_argument("--hang-share", type=float, default=0.0)
        parser.add_argument("--ws-drop-every-s", type=float, default=0.0)
        parser.add_argument(
            "--stall",
            action="append",
            default=[],
            metavar="SYMBOL",
            help="stall the market feed of SYMBOL (repeatable)",
        )
        parser.add_argument("--alo-reject-share", type=float, default=0.0)
        parser.add_argument(
            "--faults-json", default="", help="extra faults as JSON, e.g. '{\"burst_429\": 5}'"
        )
        parser.add_argument(
            "--print-account",
            action="store_true",
            help="create a funded account and print its credentials",
        )
        parser.add_argument("--balance", default="100000")
        parser.add_argument(
            "--state-file",
            default="",
            metavar="PATH",
            help="keep accounts, the JWT secret and prices in PATH across "
            "restarts (not open orders; see trading/sim/state.py)",
        )

    def handle(self, *args, **opts) -> None:
        try:
            require_loopback(opts["host"])
            server = SimServer(
                host=opts["host"],
                port=opts["port"],
                faults=self._faults(opts),
                log_level="info",
                **server_options(opts),
            )
        except (ValueError, ArithmeticError) as err:
            raise CommandError(str(err)) from None
        asyncio.run(self._serve(server, opts["print_account"]))

    def _faults(self, opts: dict) -> FaultConfig:
        names = (
            "ack_latency_ms",
            "ack_jitter_ms",
            "md_latency_ms",
            "md_jitter_ms",
            "http_5xx_share",
            "hang_share",
            "ws_drop_every_s",
            "alo_reject_share",
        )
        data = {name: opts[name] for name in names if opts[name] is not None}
        if opts["scenario"] and opts["ack_latency_ms"] is None:
            data["ack_latency_ms"] = scenario(opts["scenario"]).ack_latency_ms
        data["stalled_symbols"] = list(opts["stall"])
        faults = faults_from_json(data, FaultConfig(), tuple(SYMBOLS))
        if opts["faults_json"]:
            try:
                extra = json.loads(opts["faults_json"])
            except ValueError:
                raise ValueError("--faults-json is not valid JSON") from None
            faults = faults_from_json(extra, faults, tuple(SYMBOLS))
        return faults

    async def _serve(self, server: SimServer, print_account: bool) -> None:
        await server.start()
        self.stdout.write(
            f"StandX simulator on {server.api_base} "
            f"(ws: {server.ws_stream_url}, {server.ws_api_url})"
        )
        if print_account:
            acct = server.create_account()
            self.stdout.write(
                json.dumps(
                    {
                        "token": acct.token,
                        "ed25519_private_key": acct.private_key,
                        "address": acct.address,
                        "user": acct.user,
                    },
                    indent=2,
                )
            )
        self.stdout.flush()
        await server.serve_forever()  # uvicorn turns SIGINT/SIGTERM into a clean exit


def server_options(opts: dict) -> dict:
    """SimServer options from runsim's flags: the scenario's market (if any) under the flags
    given explicitly; anything unset keeps SimConfig's default."""
    market = dict(scenario(opts["scenario"]).market) if opts.get("scenario") else {}
    market.update({name: opts[name] for name in MARKET_FLAGS if opts.get(name) is not None})
    return {
        **market,
        "seed": opts["seed"],
        "max_open_orders": opts["max_open_orders"],
        "band_bps": Decimal(opts["band_bps"]),
        "max_ws_per_ip": opts["max_ws_per_ip"],
        "max_new_ws_per_minute": opts["max_new_ws_per_minute"],
        "ip_requests_per_s": opts["ip_requests_per_s"],
        "uptime_snapshots_per_hour": opts["uptime_snapshots_per_hour"],
        "initial_balance": Decimal(opts["balance"]),
        "state_file": opts["state_file"],
    }


def add_market_arguments(parser) -> None:
    """The price process: a scenario preset and the flags that override it (None = unset)."""
    parser.add_argument(
        "--scenario",
        choices=tuple(SCENARIOS),
        default=None,
        help="a named market (see above); default: the built-in "
        "market (0.5 bps a step every 0.2 s, 20 ms acks)",
    )
    parser.add_argument(
        "--volatility-bps",
        type=float,
        default=None,
        help="std dev of the mid per price step, in bps (default 0.5)",
    )
    parser.add_argument(
        "--jump-probability",
        type=float,
        default=None,
        help="chance of a jump per price step (default 0.002)",
    )
    parser.add_argument(
        "--jump-bps", type=float, default=None, help="size of a jump, in bps (default 15)"
    )
    parser.add_argument(
        "--mark-lag",
        type=float,
        default=None,
        help="share of the mid-mark gap the mark closes per step, in "
        "(0, 1] (default 0.3; 0.1 at 0.1 s steps lags ~1 s)",
    )
    parser.add_argument(
        "--mark-noise-bps",
        type=float,
        default=None,
        help="the mark's own noise per step, in bps (default 0.2)",
    )
    parser.add_argument(
        "--step-interval",
        type=float,
        default=None,
        help="seconds between price steps (default 0.2)",
    )
    parser.add_argument(
        "--push-interval",
        type=float,
        default=None,
        help="seconds between depth_book/price pushes (default 0.2)",
    )
