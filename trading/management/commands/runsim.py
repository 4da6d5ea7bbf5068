"""`python manage.py runsim`: the StandX-compatible simulator as a standalone loopback server."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from trading.marketdata.replay import Replay
from trading.sim.faults import FaultConfig, faults_from_json
from trading.sim.reference import ReferenceConfig
from trading.sim.runner import SimServer, require_loopback
from trading.sim.scenarios import SCENARIOS, scenario
from trading.sim.symbols import SYMBOLS

SCENARIO_HELP = "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS.values())

# runsim's flags as (flag, argparse options), by role, in --help order.
SERVER_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    ("--host", dict(default="127.0.0.1", help="loopback address only")),
    ("--port", dict(type=int, default=8100, help="TCP port to listen on (default 8100)")),
    (
        "--seed",
        dict(
            type=int,
            default=42,
            help="seed of the price process, faults and order ids: a seed replays a market",
        ),
    ),
    (
        "--log-requests",
        dict(
            default="",
            metavar="FILE",
            help="append one JSON line per HTTP request and per non-market WebSocket frame "
            "(time, account, method and path or channel, status, rejection reason) to FILE",
        ),
    ),
)
# The price process: a scenario preset and the flags that override it (None = unset).
MARKET_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--scenario",
        dict(
            choices=tuple(SCENARIOS),
            default=None,
            help="a named market (see above); default: the built-in "
            "market (0.5 bps a step every 0.2 s, 20 ms acks)",
        ),
    ),
    (
        "--volatility-bps",
        dict(
            type=float, default=None, help="std dev of the mid per price step, in bps (default 0.5)"
        ),
    ),
    (
        "--jump-probability",
        dict(type=float, default=None, help="chance of a jump per price step (default 0.002)"),
    ),
    ("--jump-bps", dict(type=float, default=None, help="size of a jump, in bps (default 15)")),
    (
        "--mark-lag",
        dict(
            type=float,
            default=None,
            help="share of the mid-mark gap the mark closes per step, in "
            "(0, 1] (default 0.3; 0.1 at 0.1 s steps lags ~1 s)",
        ),
    ),
    (
        "--mark-noise-bps",
        dict(type=float, default=None, help="the mark's own noise per step, in bps (default 0.2)"),
    ),
    (
        "--step-interval",
        dict(type=float, default=None, help="seconds between price steps (default 0.2)"),
    ),
    (
        "--push-interval",
        dict(
            type=float, default=None, help="seconds between depth_book/price pushes (default 0.2)"
        ),
    ),
)
# A recorded market instead of the walk (trading/marketdata: manage.py recordmarket).
REPLAY_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--replay",
        dict(
            default="",
            metavar="FILE",
            help="play a recording (manage.py recordmarket) as the market: its books, marks "
            "and trades instead of the random walk; its symbol only, with its tick, lot and "
            "fees; resting orders fill when its trades or books reach them past their queue",
        ),
    ),
    ("--speed", dict(type=float, default=None, help="replay this many times faster (default 1)")),
    (
        "--replay-loop",
        dict(
            action="store_true",
            help="start the recording over when it ends (default: "
            "the market keeps its last state and falls silent)",
        ),
    ),
)
# Market options a scenario presets; a flag given on the command line wins over it.
MARKET_FLAGS = tuple(
    flag[2:].replace("-", "_") for flag, _ in MARKET_ARGUMENTS if flag != "--scenario"
)
# A reference venue leading the market (Binance bookTicker, Hyperliquid allMids; issue 23).
REFERENCE_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--reference",
        dict(
            action="store_true",
            help="serve a reference venue whose price leads this market: Binance's "
            "/ws/<symbol>@bookTicker and Hyperliquid's allMids on /hyperliquid/ws "
            "(defaults: the measured lead, median 2.6 s, p25 1.8 s; StandX follows 61 %% "
            "of its moves); composes with any --scenario",
        ),
    ),
    (
        "--reference-lag-s",
        dict(type=float, default=None, help="median lead over StandX's mark, s (default 2.6)"),
    ),
    (
        "--reference-lag-p25-s",
        dict(
            type=float,
            default=None,
            help="25th percentile of the lead, s (default 1.8; equal to the median: a fixed lead)",
        ),
    ),
    (
        "--reference-coverage",
        dict(
            type=float,
            default=None,
            help="share of the reference's movement StandX follows, in (0, 1] (default 0.61)",
        ),
    ),
    (
        "--reference-basis-bps",
        dict(type=float, default=None, help="the reference's level over StandX's, bps (default 0)"),
    ),
)
REFERENCE_FLAGS = {
    "reference_lag_s": "lag_s",
    "reference_lag_p25_s": "lag_p25_s",
    "reference_coverage": "coverage",
    "reference_basis_bps": "basis_bps",
}
# The exchange's limits and how it samples uptime for the rewards.
EXCHANGE_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--max-open-orders",
        dict(type=int, default=100, help="live orders per account before new ones get 400"),
    ),
    (
        "--ip-requests-per-s",
        dict(
            type=int,
            default=50,
            help="REST requests per second per client IP (0 = no limit, "
            "for benches of many accounts on one host)",
        ),
    ),
    (
        "--uptime-snapshots-per-hour",
        dict(
            type=int,
            default=60,
            help="random moments per UTC hour the counted size is sampled "
            "at for the hour's X70/X50 (GET /api/maker/uptime)",
        ),
    ),
    (
        "--max-ws-per-ip",
        dict(
            type=int,
            default=10,
            help="concurrent WebSocket connections per client IP (0 = no limit)",
        ),
    ),
    (
        "--max-new-ws-per-minute",
        dict(
            type=int,
            default=30,
            help="new WebSocket connections per client IP in any 60 s (0 = no limit)",
        ),
    ),
    (
        "--band-bps",
        dict(
            default="10",
            help="distance from the mark, in bps, an order must be within to count as in band "
            "in /sim/stats and /api/maker/uptime (default 10, the Uptime Program's)",
        ),
    ),
    (
        "--max-leverage",
        dict(
            action="append",
            default=[],
            metavar="SYMBOL=N",
            help="max leverage of SYMBOL (repeatable; default 20 for every symbol, as in "
            "StandX's docs for BTC-USD; one live sample said 40): change_leverage and "
            "new_order's leverage above it get 400",
        ),
    ),
    (
        "--reward-schedule",
        dict(
            default="sip5a",
            metavar="NAME_OR_PATH",
            help="the reward schedule /sim/stats and /api/maker/uptime score Maker Hours by: "
            "sip5a (default), uptime-original, or a .toml file of the same form",
        ),
    ),
    (
        "--maker-fee-bps",
        dict(
            default=None,
            help="fee on maker fills, bps of the value (default 1; a replay: the recording's)",
        ),
    ),
    (
        "--taker-fee-bps",
        dict(
            default=None,
            help="fee on taker fills, bps of the value (default 4; a replay: the recording's)",
        ),
    ),
)
# Latency and faults (bench/soak.py changes them at run time through POST /sim/faults).
FAULT_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--ack-latency-ms",
        dict(
            type=float,
            default=None,
            help="order new/cancel to state change (default 20; 50 in every scenario)",
        ),
    ),
    (
        "--ack-jitter-ms",
        dict(type=float, default=0.0, help="random extra ack latency, up to this many ms"),
    ),
    (
        "--md-latency-ms",
        dict(type=float, default=0.0, help="delay of market-data pushes, in ms (default 0)"),
    ),
    (
        "--md-jitter-ms",
        dict(type=float, default=0.0, help="random extra market-data delay, up to this many ms"),
    ),
    (
        "--http-5xx-share",
        dict(type=float, default=0.0, help="share of /api requests answered 500, in [0, 1]"),
    ),
    (
        "--hang-share",
        dict(
            type=float,
            default=0.0,
            help="share of /api requests that hang, then get 504, in [0, 1]",
        ),
    ),
    (
        "--ws-drop-every-s",
        dict(
            type=float,
            default=0.0,
            help="close every WebSocket connection this often, in s (0 = never)",
        ),
    ),
    (
        "--stall",
        dict(
            action="append",
            default=[],
            metavar="SYMBOL",
            help="stall the market feed of SYMBOL (repeatable)",
        ),
    ),
    (
        "--alo-reject-share",
        dict(
            type=float,
            default=0.0,
            help="share of ALO orders rejected as if they crossed, in [0, 1]",
        ),
    ),
    (
        "--no-order-channel-rejects",
        dict(
            action="store_false",
            dest="order_channel_rejects",
            help="report a rejected order (post-only would cross) only on the ws-api "
            "session linked by x-session-id, not as an order-channel update",
        ),
    ),
    (
        "--cancel-gone",
        dict(
            choices=("reject", "silent"),
            default="reject",
            help="the answer to a cancel of an order no longer open: 400 at once "
            "(reject, default) or success with nothing after it (silent)",
        ),
    ),
    ("--faults-json", dict(default="", help="extra faults as JSON, e.g. '{\"burst_429\": 5}'")),
)
ACCOUNT_ARGUMENTS: tuple[tuple[str, dict], ...] = (
    (
        "--print-account",
        dict(action="store_true", help="create a funded account and print its credentials"),
    ),
    (
        "--balance",
        dict(
            default="100000",
            help="DUSD balance of every new account (--print-account, POST /sim/accounts, "
            "a wallet's first login)",
        ),
    ),
    (
        "--state-file",
        dict(
            default="",
            metavar="PATH",
            help="keep accounts, the JWT secret and prices in PATH across "
            "restarts (not open orders; see trading/sim/state.py)",
        ),
    ),
)

ARGUMENTS = (
    SERVER_ARGUMENTS
    + MARKET_ARGUMENTS
    + REPLAY_ARGUMENTS
    + REFERENCE_ARGUMENTS
    + EXCHANGE_ARGUMENTS
    + FAULT_ARGUMENTS
    + ACCOUNT_ARGUMENTS
)


class Command(BaseCommand):
    help = (
        "Run the StandX-compatible exchange simulator on a loopback address. "
        "--scenario presets the market (every scenario acks orders in 50 ms): "
        + SCENARIO_HELP
        + ". Flags given explicitly override the preset. "
        "GET /sim/stats (Bearer token) is the account's ground truth per symbol: "
        "two-sided and in-band seconds, the counted size (min of the in-band sides, "
        "2 BTC cap), order lifetimes and cancels under 3 s, fills, hourly rows with "
        "X70/X50, its requests by path and its rejections by reason "
        "(docs/architecture.md, Simulator)."
    )

    def add_arguments(self, parser) -> None:
        for flag, options in ARGUMENTS:
            parser.add_argument(flag, **options)

    def handle(self, *args, **opts) -> None:
        try:
            require_loopback(opts["host"])
            server = SimServer(
                host=opts["host"],
                port=opts["port"],
                faults=self._faults(opts),
                log_level="info",
                feed=replay(opts),
                **server_options(opts),
            )
        except (ValueError, ArithmeticError, OSError) as err:  # RecordingError is a ValueError
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
            "order_channel_rejects",
            "cancel_gone",
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
        if server.exchange.feed is not None:
            source = server.exchange.feed.describe()
            self.stdout.write(
                f"replaying {source.get('file')} ({source.get('symbol')}, "
                f"{source.get('duration_s', 0):.0f} s at {source.get('speed')}x"
                f"{', looped' if source.get('loop') else ''})"
            )
        if server.config.log_requests:
            self.stdout.write(f"logging requests to {server.config.log_requests}")
        if server.config.reference is not None:
            self.stdout.write(
                "reference venue: binance "
                f"{server.reference_ws_url('binance')}/ws/<symbol>@bookTicker, "
                f"hyperliquid {server.reference_ws_url('hyperliquid')}"
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
        "maker_fee": fee(opts["maker_fee_bps"], None if opts.get("replay") else "1"),
        "taker_fee": fee(opts["taker_fee_bps"], None if opts.get("replay") else "4"),
        "max_ws_per_ip": opts["max_ws_per_ip"],
        "max_new_ws_per_minute": opts["max_new_ws_per_minute"],
        "ip_requests_per_s": opts["ip_requests_per_s"],
        "uptime_snapshots_per_hour": opts["uptime_snapshots_per_hour"],
        "reward_schedule": opts["reward_schedule"],
        "initial_balance": Decimal(opts["balance"]),
        "state_file": opts["state_file"],
        "log_requests": opts["log_requests"],
        "max_leverage": max_leverage(opts["max_leverage"]),
        "reference": reference_config(opts),
    }


def fee(bps: str | None, default_bps: str | None) -> Decimal | None:
    """A fee flag in bps as a share of the value; None (unset, a replay): the recording's."""
    value = bps if bps is not None else default_bps
    return None if value is None else Decimal(value) / 10000


def replay(opts: dict) -> Replay | None:
    """--replay FILE [--speed X] [--replay-loop] as the market source; the walk's flags,
    a scenario and a reference venue do not go with it."""
    if not opts.get("replay"):
        if opts.get("speed") is not None or opts.get("replay_loop"):
            raise ValueError("--speed and --replay-loop go with --replay FILE")
        return None
    unset = {"scenario": None, "reference": False}
    walk_only = ("scenario", *MARKET_FLAGS, "reference", *REFERENCE_FLAGS)
    given = [f"--{n.replace('_', '-')}" for n in walk_only if opts.get(n) != unset.get(n)]
    if given:
        raise ValueError(f"--replay plays a recorded market: {', '.join(given)} do not apply")
    speed = opts["speed"] if opts.get("speed") is not None else 1.0
    return Replay(opts["replay"], speed=speed, loop=bool(opts.get("replay_loop")))


def reference_config(opts: dict) -> ReferenceConfig | None:
    """--reference and its flags (a --reference-* flag alone turns the venue on too)."""
    options = {
        name: opts[flag] for flag, name in REFERENCE_FLAGS.items() if opts.get(flag) is not None
    }
    if not opts.get("reference") and not options:
        return None
    if "lag_s" in options and "lag_p25_s" not in options:
        # A median alone keeps the measured spread: p25 / median = 1.8 / 2.6.
        options["lag_p25_s"] = (
            options["lag_s"] * ReferenceConfig().lag_p25_s / ReferenceConfig().lag_s
        )
    return ReferenceConfig.from_options(options)


def max_leverage(values: list[str]) -> dict[str, int]:
    """--max-leverage SYMBOL=N flags as {symbol: N} (SimConfig checks the symbol and N)."""
    limits: dict[str, int] = {}
    for value in values:
        symbol, _, number = value.partition("=")
        try:
            limits[symbol.strip().upper()] = int(number)
        except ValueError:
            raise ValueError(
                f"--max-leverage {value!r}: expected SYMBOL=N, e.g. BTC-USD=40"
            ) from None
    return limits
