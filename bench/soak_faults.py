"""The soak's fault plan: a pure function of (seed, duration), so a failing run can be
replayed exactly with the same --seed.

Background faults (all the time, set with POST /sim/faults): 5% HTTP 5xx, 1% hanging
requests, a share of ALO rejects, WebSocket drops every 20-60 s (a new interval is drawn
after each drop). One-shot faults at seeded times, spread so their effects do not overlap:
one 15 s market-feed stall, one simulator restart, one SIGKILL of the bot, and 429 bursts
in between.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

BACKGROUND = {
    "http_5xx_share": 0.05,
    "hang_share": 0.01,
    "hang_max_s": 30.0,
    "alo_reject_share": 0.05,
    "ack_latency_ms": 20.0,
    "ack_jitter_ms": 30.0,
}
WS_DROP_RANGE = (20.0, 60.0)
STALL_SECONDS = 15.0
BURST_SIZES = (4, 12)  # consecutive /api requests answered 429
BURST_GAP = (20.0, 60.0)
QUIET_AROUND_ONE_SHOTS = 8.0  # no burst this close to a stall/restart/kill: keep them apart


@dataclass(frozen=True)
class Event:
    at: float  # seconds after the soak's fault clock started
    kind: str  # "stall" | "sim_restart" | "bot_kill" | "burst_429"
    size: int = 0  # burst length


def plan(seed: int, duration: float) -> list[Event]:
    """One-shots at fixed shares of the run (jittered), bursts in the gaps; sorted by time."""
    rng = random.Random(seed)
    one_shots = [
        Event(round(duration * rng.uniform(lo, hi), 1), kind)
        for kind, lo, hi in (
            ("stall", 0.18, 0.28),
            ("sim_restart", 0.45, 0.52),
            ("bot_kill", 0.68, 0.74),
        )
    ]
    bursts, t = [], rng.uniform(*BURST_GAP) / 2
    while t < duration - 15:
        if all(abs(t - e.at) > QUIET_AROUND_ONE_SHOTS for e in one_shots):
            bursts.append(Event(round(t, 1), "burst_429", rng.randint(*BURST_SIZES)))
        t += rng.uniform(*BURST_GAP)
    if not bursts:  # a short run still gets one: in the middle of the widest gap
        marks = sorted([0.0, duration - 15] + [e.at for e in one_shots])
        lo, hi = max(zip(marks, marks[1:], strict=False), key=lambda gap: gap[1] - gap[0])
        bursts.append(Event(round((lo + hi) / 2, 1), "burst_429", rng.randint(*BURST_SIZES)))
    return sorted(one_shots + bursts, key=lambda e: e.at)


class DropIntervals:
    """Seeded WebSocket-drop intervals: the next one is set after each observed drop."""

    def __init__(self, seed: int):
        self._rng = random.Random(seed * 7919 + 1)

    def next(self) -> float:
        return round(self._rng.uniform(*WS_DROP_RANGE), 1)
