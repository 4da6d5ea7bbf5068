"""Fault injection. FaultConfig is what to inject; FaultState applies it (own seeded RNG,
the 429-burst counter) and can be replaced at run time (POST /sim/faults or in-process).

Scope: HTTP faults (5xx share, hang share, 429 burst) apply to /api/* requests only, never
to /sim/* control routes, and are decided before any state is touched."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

_SHARES = ("http_5xx_share", "hang_share", "alo_reject_share")
_BOOLEANS = ("order_channel_rejects",)
CANCEL_GONE_ANSWERS = ("reject", "silent")
LOSABLE_CHANNELS = ("trade",)
_NON_NEGATIVE = (
    "ack_latency_ms",
    "ack_jitter_ms",
    "md_latency_ms",
    "md_jitter_ms",
    "ws_drop_every_s",
    "hang_max_s",
)


@dataclass(frozen=True)
class FaultConfig:
    ack_latency_ms: float = 20.0  # order new/cancel -> state change on the order channel
    ack_jitter_ms: float = 0.0  # uniform extra 0..jitter
    md_latency_ms: float = 0.0  # extra delay of depth_book/price/public_trade pushes
    md_jitter_ms: float = 0.0
    http_5xx_share: float = 0.0  # share of /api requests answered 500
    hang_share: float = 0.0  # share of /api requests that never answer in time
    hang_max_s: float = 30.0  # server-side bound of a hung request (then 504)
    ws_drop_every_s: float = 0.0  # 0 = off; else close every WS connection this often
    stalled_symbols: tuple[str, ...] = ()  # no depth_book/price pushes for these symbols
    alo_reject_share: float = 0.0  # share of non-crossing ALO orders rejected anyway
    burst_429: int = 0  # the next N /api requests get 429
    # Behaviours StandX does not document, switchable so the bot is tested under each
    # (docs/architecture.md, "ALO rejects and cancels of gone orders"):
    # False: a rejected order gets no `order` channel update; only the ws-api session
    # linked by x-session-id hears the reject (the documented path).
    order_channel_rejects: bool = True
    # A cancel of an order that is no longer open (filled, canceled, unknown): "reject"
    # answers 400 at once; "silent" answers success and nothing else follows.
    cancel_gone: str = "reject"
    # Frames of these account channels are never sent (only "trade" so far): what a
    # connection drop loses, so a client's backfill from REST can be tested exactly.
    lost_user_channels: tuple[str, ...] = ()

    def to_json(self) -> dict:
        data = asdict(self)
        data["stalled_symbols"] = list(self.stalled_symbols)
        data["lost_user_channels"] = list(self.lost_user_channels)
        return data


def faults_from_json(
    data: object, base: FaultConfig, known_symbols: tuple[str, ...]
) -> FaultConfig:
    """Merge a partial JSON object into `base`; ValueError with a message on bad input."""
    if not isinstance(data, dict):
        raise ValueError("faults must be a JSON object")
    names = {f.name for f in fields(FaultConfig)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown fault fields: {unknown}")
    changes = {name: _checked(name, value, known_symbols) for name, value in data.items()}
    return replace(base, **changes)


def _checked(name: str, value: object, known_symbols: tuple[str, ...]) -> Any:
    """`value` checked for the field `name` (its type depends on the field)."""
    if name == "stalled_symbols":
        if not isinstance(value, list) or any(s not in known_symbols for s in value):
            raise ValueError(f"stalled_symbols must be a list of known symbols {known_symbols}")
        return tuple(value)
    if name in _BOOLEANS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value
    if name == "cancel_gone":
        if value not in CANCEL_GONE_ANSWERS:
            raise ValueError(f"cancel_gone must be one of {list(CANCEL_GONE_ANSWERS)}")
        return value
    if name == "lost_user_channels":
        if not isinstance(value, list) or any(c not in LOSABLE_CHANNELS for c in value):
            raise ValueError(f"lost_user_channels must be a list of {LOSABLE_CHANNELS}")
        return tuple(value)
    if name == "burst_429":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("burst_429 must be a non-negative integer")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if name in _SHARES and not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")
    if name in _NON_NEGATIVE and value < 0:
        raise ValueError(f"{name} must be >= 0")
    return float(value)


@dataclass
class FaultState:
    config: FaultConfig = field(default_factory=FaultConfig)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    burst_left: int = 0
    # How many faults were really injected, by kind (GET /sim/injected): a soak reports
    # what happened, not what the shares promised.
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.burst_left = self.config.burst_429

    def update(self, config: FaultConfig) -> None:
        self.config = config
        self.burst_left = config.burst_429

    def take_429(self) -> bool:
        if self.burst_left > 0:
            self.burst_left -= 1
            self.injected["http_429"] += 1
            return True
        return False

    def roll(self, share: float, kind: str = "") -> bool:
        hit = share > 0 and self.rng.random() < share
        if hit and kind:
            self.injected[kind] += 1
        return hit

    def ack_delay_s(self) -> float:
        c = self.config
        return (c.ack_latency_ms + self.rng.uniform(0, c.ack_jitter_ms)) / 1000.0

    def md_delay_s(self) -> float:
        c = self.config
        if not (c.md_latency_ms or c.md_jitter_ms):
            return 0.0
        return (c.md_latency_ms + self.rng.uniform(0, c.md_jitter_ms)) / 1000.0

    def stalled(self, symbol: str) -> bool:
        return symbol in self.config.stalled_symbols
