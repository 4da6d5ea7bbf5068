"""A reference venue whose price LEADS the simulated StandX market (issue 23): the price
process (no server, no clock; reference_venue.py serves it as Binance and Hyperliquid).

How the simulated market uses it. The random walk of market.py draws the "true" moves as
before; with a lead model, each move reaches the reference venue at once and StandX's mid
after a lag drawn per move from a log-normal with the measured median and 25th percentile
(StandX's mark then trails its mid by its own lag, which is subtracted from the draw, so the
lead is what was measured: reference -> StandX MARK). StandX's path is therefore the very
path it has without a reference venue (same seed, same moves, only later): benchmarks with
and without a guard see the same market.

StandX followed about 61 % of the reference's moves. The other 39 % are moves of the
reference alone: "phantom" moves drawn from the same process, that StandX never makes and that
the reference takes back after a lag of the same law. A phantom is two unfollowed moves (there
and back), so its variance and jump rate are the walk's scaled by (1 - coverage) / (2 x
coverage): over horizons up to the lag, `coverage` is the share of the reference's movement
(variance of its moves, and its jumps) that StandX makes.

The reference price is StandX's mid times (1 + basis + the moves StandX has not made yet + the
phantom moves not yet taken back), all in bps.

Defaults are the measurements (docs/standx-protocol.md 7.3a: Hyperliquid's mid leads StandX's
mark, median 2.6 s, p25 1.8 s, StandX followed 61 % of moves).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from statistics import NormalDist

# z of the 25th percentile of a normal: ln(p25) = ln(median) + Z25 * sigma.
Z25 = NormalDist().inv_cdf(0.25)


@dataclass(frozen=True)
class ReferenceConfig:
    lag_s: float = 2.6  # median lead of the reference over StandX's mark
    lag_p25_s: float = 1.8  # its 25th percentile (= lag_s: every move lags exactly lag_s)
    coverage: float = 0.61  # share of the reference's movement StandX follows
    basis_bps: float = 0.0  # the reference's level over StandX's (funding, USDT vs USD)
    seed_offset: int = 7  # its own random stream: StandX's path does not depend on it

    def __post_init__(self) -> None:
        if not self.lag_s >= 0 or not 0 <= self.lag_p25_s <= self.lag_s:
            raise ValueError("reference lag_s must be >= 0 and lag_p25_s within [0, lag_s]")
        if self.lag_p25_s == 0 and self.lag_s > 0:
            raise ValueError("reference lag_p25_s must be > 0 when lag_s is")
        if not 0 < self.coverage <= 1:
            raise ValueError("reference coverage must be in (0, 1]")
        if not math.isfinite(self.basis_bps) or abs(self.basis_bps) > 1000:
            raise ValueError("reference basis_bps must be within +-1000")

    @property
    def sigma(self) -> float:
        """The log-normal's sigma from the median and the 25th percentile."""
        if self.lag_s == 0 or self.lag_p25_s == self.lag_s:
            return 0.0
        return math.log(self.lag_p25_s / self.lag_s) / Z25

    @classmethod
    def from_options(cls, options: dict) -> ReferenceConfig:
        """From a dict of its fields (runsim flags, POST bodies); unknown names refused."""
        names = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - names)
        if unknown:
            raise ValueError(f"unknown reference options: {unknown}")
        return cls(**options)


@dataclass
class _SymbolLead:
    step: int = 0
    pending_bps: float = 0.0  # moves of the reference StandX has not made yet
    phantom_bps: float = 0.0  # moves of the reference alone, not yet taken back
    scripted_bps: float = 0.0  # a test's jump, until StandX makes it or it is taken back
    to_standx: list[tuple[int, int, float]] = field(default_factory=list)  # (step, n, bps)
    reverts: list[tuple[int, int, float]] = field(default_factory=list)


class LeadModel:
    """Per symbol: which of the walk's moves StandX makes now, and the reference's offset."""

    def __init__(
        self, config: ReferenceConfig, step_interval: float, mark_lag: float, seed: int
    ) -> None:
        self.config = config
        self.step_interval = step_interval
        # The mark closes mark_lag of its gap to the mid each step: its time constant.
        self.mark_delay_s = 0.0 if mark_lag >= 1 else -step_interval / math.log(1 - mark_lag)
        self.rng = random.Random(seed + config.seed_offset)
        self._order = itertools.count()
        self._symbols: dict[str, _SymbolLead] = {}

    def _lead(self, symbol: str) -> _SymbolLead:
        return self._symbols.setdefault(symbol, _SymbolLead())

    def lag_s(self) -> float:
        """One move's lead over StandX's mark (log-normal: the measured median and p25)."""
        c = self.config
        if c.lag_s == 0:
            return 0.0
        return c.lag_s * math.exp(self.rng.gauss(0.0, 1.0) * c.sigma) if c.sigma else c.lag_s

    def _steps(self, lead_s: float) -> int:
        """Steps until StandX's MID makes a move the mark should show `lead_s` later."""
        return max(0, round((lead_s - self.mark_delay_s) / self.step_interval))

    def on_step(
        self,
        symbol: str,
        move_bps: float,
        volatility_bps: float,
        jump_probability: float,
        jump_bps: float,
    ) -> float:
        """The walk drew `move_bps` for this step: it reaches the reference now; returns the
        bps StandX's mid moves now (earlier moves whose lag is up)."""
        lead = self._lead(symbol)
        lead.step += 1
        self._schedule(lead.to_standx, lead.step + self._steps(self.lag_s()), move_bps)
        lead.pending_bps += move_bps
        phantom = self._phantom(volatility_bps, jump_probability, jump_bps)
        if phantom:
            lead.phantom_bps += phantom
            self._schedule(lead.reverts, lead.step + self._steps(self.lag_s()), phantom)
        for bps in self._due(lead.reverts, lead.step):
            lead.phantom_bps -= bps
        released = sum(self._due(lead.to_standx, lead.step))
        lead.pending_bps -= released
        return released

    def _phantom(self, volatility_bps: float, jump_probability: float, jump_bps: float) -> float:
        """A move of the reference alone, from the walk's law scaled to (1 - c) / c."""
        share = (1 - self.config.coverage) / (2 * self.config.coverage)  # there and back
        if share == 0:
            return 0.0
        move = self.rng.gauss(0.0, volatility_bps * math.sqrt(share)) if volatility_bps else 0.0
        if self.rng.random() < jump_probability * share:
            move += jump_bps * self.rng.choice((-1, 1))
        return move

    def _schedule(self, queue: list[tuple[int, int, float]], step: int, bps: float) -> None:
        heapq.heappush(queue, (step, next(self._order), bps))

    @staticmethod
    def _due(queue: list[tuple[int, int, float]], step: int) -> list[float]:
        due = []
        while queue and queue[0][0] <= step:
            due.append(heapq.heappop(queue)[2])
        return due

    # ---- scripting (tests): reference_venue.py lands the jump on StandX by the clock -------
    def script(self, symbol: str, bps: float) -> None:
        self._lead(symbol).scripted_bps += bps

    def unscript(self, symbol: str, bps: float) -> None:
        self._lead(symbol).scripted_bps -= bps

    def offset_bps(self, symbol: str) -> float:
        """The reference's level over StandX's mid, bps."""
        lead = self._lead(symbol)
        return self.config.basis_bps + lead.pending_bps + lead.phantom_bps + lead.scripted_bps
