"""Named market scenarios (`runsim --scenario NAME`) and how to measure a price path.

Each scenario is a set of SimConfig market options plus the ack latency (every scenario acks
in 50 ms). The numbers were set so the MEASURED mark volatility matches the target (see
tests/trading/sim/test_scenarios.py), not from a formula: jumps, the mark's own noise and its
lag all change what a bot sees.

- calm:     about 1 bps/sqrt(s), close to BTC on a normal day (2-3 % a day is 0.7-1 bps/sqrt(s)).
- volatile: the requote and scale benchmarks' market (bench/requote_modes.py SIM_ARGS).
- harsh:    about 5.5 bps/sqrt(s), and the mark trails the mid by about a second.

Volatility per sqrt(s) is the root mean square of the mark's 10-second log changes over
sqrt(10): the diffusive rate. Over shorter horizons the lag smooths the mark, so a 1-second
figure would understate how far the mark wanders while an order rests. The lag is the
mark's time constant: after a step in the mid, the time it takes to close 1 - 1/e (63 %) of
the gap; mark_lag is the share it closes per step, so that time is about
-step_interval / ln(1 - mark_lag).

A reference venue (reference.py: `runsim --scenario NAME --reference`, or
`SimConfig(reference=ReferenceConfig())`) leads any scenario without changing it: StandX's path
is the same moves, later. `reference_paths` measures both sides of a seeded run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trading.sim.config import SimConfig
from trading.sim.market import Market

ACK_LATENCY_MS = 50.0
VOLATILITY_HORIZON_S = 10.0


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    market: dict = field(default_factory=dict)  # SimConfig options
    ack_latency_ms: float = ACK_LATENCY_MS


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "calm",
            "mark ~1 bps/sqrt(s), BTC on a normal day; mark lag ~0.3 s",
            {
                "volatility_bps": 0.3,
                "jump_probability": 0.0005,
                "jump_bps": 5.0,
                "mark_lag": 0.3,
                "mark_noise_bps": 0.1,
                "step_interval": 0.1,
                "push_interval": 0.1,
            },
        ),
        Scenario(
            "volatile",
            "mark ~3.8 bps/sqrt(s) with 15 bps jumps; mark lag ~0.3 s "
            "(the requote and scale benchmarks' market)",
            {
                "volatility_bps": 1.0,
                "jump_probability": 0.002,
                "jump_bps": 15.0,
                "mark_lag": 0.3,
                "mark_noise_bps": 0.2,
                "step_interval": 0.1,
                "push_interval": 0.1,
            },
        ),
        Scenario(
            "harsh",
            "mark ~5.5 bps/sqrt(s) with 20 bps jumps; the mark trails the mid by ~1 s",
            {
                "volatility_bps": 1.45,
                "jump_probability": 0.003,
                "jump_bps": 20.0,
                "mark_lag": 0.1,
                "mark_noise_bps": 0.2,
                "step_interval": 0.1,
                "push_interval": 0.1,
            },
        ),
    )
}


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}"
        ) from None


# ---- measuring a path (pure: Market.step only, no server, no clock) -------------------------


def mark_path(config: SimConfig, seconds: float, symbol: str = "BTC-USD") -> list[float]:
    """The mark after every step of a seeded run of `seconds` (one symbol only)."""
    market = Market(replace(config, symbols=(symbol,)))
    marks = [float(market.get(symbol).mark)]
    for _ in range(int(round(seconds / config.step_interval))):
        market.step()
        marks.append(float(market.get(symbol).mark))
    return marks


def reference_paths(
    config: SimConfig, seconds: float, symbol: str = "BTC-USD"
) -> tuple[list[float], list[float]]:
    """StandX's mid and the reference price after every step of a seeded run (the config
    must have a reference)."""
    market = Market(replace(config, symbols=(symbol,)))
    assert market.lead is not None, "the config has no reference venue"
    mids, references = [], []
    for _ in range(int(round(seconds / config.step_interval))):
        market.step()
        mid = float(market.get(symbol).mid)
        mids.append(mid)
        references.append(mid * (1 + market.lead.offset_bps(symbol) / 1e4))
    return mids, references


def volatility_bps_per_sqrt_s(
    marks: list[float], step_interval: float, horizon_s: float = VOLATILITY_HORIZON_S
) -> float:
    """RMS of the log changes over `horizon_s` (overlapping windows), per sqrt(second)."""
    k = max(1, int(round(horizon_s / step_interval)))
    if len(marks) <= k:
        raise ValueError("the path is shorter than the horizon")
    squares = [math.log(marks[i + k] / marks[i]) ** 2 for i in range(len(marks) - k)]
    return math.sqrt(sum(squares) / len(squares)) * 1e4 / math.sqrt(k * step_interval)


def mark_lag_seconds(config: SimConfig, symbol: str = "BTC-USD", gap_bps: float = 100.0) -> float:
    """Time the mark takes to close 63 % of a sudden gap to the mid (no walk, no jumps;
    the mark's own noise stays)."""
    quiet = replace(config, symbols=(symbol,), volatility_bps=0.0, jump_probability=0.0)
    market = Market(quiet)
    start = market.get(symbol).mid
    market.set_mid(symbol, start * (1 + Decimal(str(gap_bps)) / 10_000), mark=start)
    target = float(start) + (1 - math.exp(-1)) * float(market.get(symbol).mid - start)
    for steps in range(1, 100_000):
        market.step()
        if float(market.get(symbol).mark) >= target:
            return steps * config.step_interval
    raise RuntimeError("the mark never caught up with the mid")
