"""Options of one simulated exchange (market process, limits, timers). Faults live in faults.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from trading.core.reward_schedule import RewardSchedule
from trading.schedules import DEFAULT_SCHEDULE, load_schedule
from trading.sim.reference import ReferenceConfig
from trading.sim.symbols import MAKER_FEE, SYMBOLS, TAKER_FEE

SEVEN_DAYS = 7 * 24 * 3600.0


@dataclass
class SimConfig:
    seed: int = 42
    symbols: tuple[str, ...] = tuple(SYMBOLS)
    # Price process: per-step Gaussian move (bps), rare jumps, mark lagging the mid.
    volatility_bps: float = 0.5
    jump_probability: float = 0.002
    jump_bps: float = 15.0
    mark_lag: float = 0.3  # share of the mid-mark gap the mark closes each step
    mark_noise_bps: float = 0.2  # the mark's own basis noise per step (std dev, bps)
    step_interval: float = 0.2  # seconds between price-process steps
    push_interval: float = 0.2  # seconds between depth_book/price pushes
    book_levels: int = 5
    spread_ticks: int = 2  # synthetic best bid/ask = mid -/+ this many ticks
    taker_trade_probability: float = 0.2  # per step: a synthetic taker trade at the touch
    # Accounts and limits.
    band_bps: Decimal = Decimal("10")
    initial_balance: Decimal = Decimal("100000")
    # Trading fees as a share of the traded value (StandX's standard: maker 1 bp, taker 4).
    maker_fee: Decimal = MAKER_FEE
    taker_fee: Decimal = TAKER_FEE
    max_open_orders: int = 100
    token_ttl_s: float = SEVEN_DAYS
    timestamp_window_s: float = 60.0  # |x-request-timestamp - now| allowed, else 403
    rate_limit: bool = True
    credits_per_request: int = 45
    credits_refill_per_s: int = 1000
    credits_burst: int = 900
    ip_requests_per_s: int = 50  # 0 = no per-IP limit (benches of many accounts)
    # WebSocket connections per IP, both paths together (docs/standx-protocol.md §4.1, §6).
    # 0 = unlimited. Independent of rate_limit, which covers the REST limits only.
    max_ws_per_ip: int = 10
    max_new_ws_per_minute: int = 30
    # Uptime Program snapshots (docs/standx-protocol.md §7.2): random moments per UTC hour the
    # counted size is sampled at, for the hour's X70/X50 (StandX does not say how many).
    uptime_snapshots_per_hour: int = 60
    # The reward schedule the ground truth's Maker Hours are scored by (docs/standx-protocol.md
    # §7.5): a bundled name, a .toml path, or a schedule already parsed (tests).
    reward_schedule: str | RewardSchedule = DEFAULT_SCHEDULE
    # WebSocket timers.
    ping_interval: float = 10.0
    pong_timeout: float = 300.0
    max_connection_lifetime: float = 24 * 3600.0
    # Accounts, JWT secret and prices survive a restart through this file ("" = off);
    # see state.py for what is kept and what is not.
    state_file: str = ""
    # Per-symbol max leverage, overriding symbols.py (BTC-USD: 20 as in StandX's docs; one
    # live sample said 40). change_leverage and new_order's leverage are refused above it.
    max_leverage: dict[str, int] = field(default_factory=dict)
    # One JSON line per HTTP request and per non-market WebSocket frame ("" = off; traffic.py).
    log_requests: str = ""
    # A reference venue (Binance / Hyperliquid streams) leading this market; None = off.
    reference: ReferenceConfig | None = None
    # Rows of query_symbol_info of a market the simulator follows instead of its walk (a
    # recording or StandX's public streams, feed.py): its symbols' tick, lot and limits.
    symbol_info: dict[str, dict] = field(default_factory=dict)
    # Ground-truth and order timestamps come from this clock (tests inject a fake one).
    clock: Callable[[], float] = field(default=time.time, repr=False)

    @property
    def reward(self) -> RewardSchedule:
        """The reward schedule, loaded (__post_init__ reads a name or path once)."""
        assert isinstance(self.reward_schedule, RewardSchedule)
        return self.reward_schedule

    def __post_init__(self) -> None:
        unknown = [s for s in self.symbols if s not in SYMBOLS]
        if unknown:
            raise ValueError(f"unknown symbols: {unknown}")
        self.band_bps = Decimal(str(self.band_bps))
        self.initial_balance = Decimal(str(self.initial_balance))
        self.maker_fee, self.taker_fee = Decimal(str(self.maker_fee)), Decimal(str(self.taker_fee))
        if not (Decimal("-0.01") <= self.maker_fee <= Decimal("0.01")) or not (
            Decimal("0") <= self.taker_fee <= Decimal("0.01")
        ):
            raise ValueError("maker_fee must be within +/-0.01 and taker_fee within 0..0.01")
        if self.max_open_orders < 1:
            raise ValueError("max_open_orders must be >= 1")
        self._check_price_process()
        self._check_max_leverage()
        strangers = [s for s in self.symbol_info if s not in self.symbols]
        if strangers:
            raise ValueError(f"symbol info for symbols not simulated: {strangers}")
        if self.uptime_snapshots_per_hour < 1:
            raise ValueError("uptime_snapshots_per_hour must be >= 1")
        if isinstance(self.reward_schedule, str):  # a bad file: ScheduleError, a ValueError
            self.reward_schedule = load_schedule(self.reward_schedule)
        for name in ("max_ws_per_ip", "max_new_ws_per_minute", "ip_requests_per_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer (0 = unlimited)")

    def _check_max_leverage(self) -> None:
        for symbol, value in self.max_leverage.items():
            if symbol not in self.symbols:
                raise ValueError(f"max leverage for {symbol!r}: not a simulated symbol")
            default = SYMBOLS[symbol].def_leverage
            if isinstance(value, bool) or not isinstance(value, int) or value < default:
                raise ValueError(
                    f"max leverage for {symbol} must be an integer of at least its "
                    f"default leverage {default}, not {value!r}"
                )

    def _check_price_process(self) -> None:
        for name in ("volatility_bps", "jump_bps", "mark_noise_bps"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if not 0.0 <= self.jump_probability <= 1.0:
            raise ValueError("jump_probability must be between 0 and 1")
        if self.step_interval <= 0 or self.push_interval <= 0:
            raise ValueError("step_interval and push_interval must be > 0 seconds")
        if not 0.0 < self.mark_lag <= 1.0:
            raise ValueError(
                "mark_lag must be in (0, 1]: the share of the mid-mark gap "
                "the mark closes each step"
            )

    @classmethod
    def from_options(cls, **options) -> SimConfig:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise TypeError(f"unknown simulator options: {unknown}")
        return cls(**options)
