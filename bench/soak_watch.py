"""What the soak measures while faults run, all from the outside of the bot:

- ground truth from the simulator (GET /sim/stats, /sim/orders, /sim/injected: never faulted,
  never rate limited) every POLL_S: is the bot two-sided right now, totals, faults injected;
- orphans: once a second the simulator's resting orders with our prefix vs the bot's own
  GET /api/orders; a mismatch counts only when it outlives a grace window (acks in flight
  and the once-a-second snapshot make short mismatches normal);
- the bot process' peak RSS and CPU seconds (psutil), summed over its restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import psutil

POLL_S = 0.25
ORPHAN_EVERY_S = 1.0
SYMBOL = "BTC-USD"


@dataclass
class Segment:
    """Ground truth of one simulator process (its figures restart at zero)."""

    stats: dict = field(default_factory=dict)
    injected: Counter = field(default_factory=Counter)


@dataclass
class Mismatch:
    first_seen: float
    counted: bool = False


class Watch:
    def __init__(
        self, sim_base: str, token: str, bot_base: str, api_token: str, prefix: str, grace_s: float
    ):
        self.sim_base, self.bot_base, self.prefix, self.grace_s = (
            sim_base,
            bot_base,
            prefix,
            grace_s,
        )
        self._sim_auth = {"Authorization": f"Bearer {token}"}
        self._bot_auth = {"Authorization": f"Bearer {api_token}"}
        self.http = httpx.AsyncClient(timeout=2.0)
        self.sim_up = self.bot_up = False
        self.samples: list[tuple[float, bool]] = []  # (wall time, two-sided now)
        self.segments: list[Segment] = [Segment()]
        self.first_rest: float | None = None
        self.last_poll: float | None = None
        self.drops: list[float] = []  # wall times of observed WS drops
        self.on_drop: Callable[[], Awaitable[None]] | None = None  # called after each drop
        self.orphans: dict[str, float] = {}  # cl_ord_id -> longest mismatch s
        self.ghosts: dict[str, float] = {}  # bot believes, exchange lacks
        self.first_seen: dict[str, str] = {}  # orphan/ghost -> "kind HH:MM:SS"
        self._orphan_seen: dict[str, Mismatch] = {}
        self._ghost_seen: dict[str, Mismatch] = {}
        self.bot_states: Counter = Counter()  # state -> polls seen in it
        self.state_reasons: set[str] = set()
        self.bot_errors = 0
        self.res = {"peak_rss_mb": 0.0, "cpu_seconds": 0.0}
        self._cpu_done = 0.0  # CPU of bot processes that ended
        self._cpu_now = 0.0
        self.bot_pid: int | None = None

    # ------------------------------------------------------------------ ground truth

    async def sim_get(self, path: str, auth: bool = True) -> dict:
        r = await self.http.get(self.sim_base + path, headers=self._sim_auth if auth else None)
        r.raise_for_status()
        return r.json()

    async def truth_loop(self) -> None:
        while True:
            if self.sim_up:
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    await self.poll_truth()
            await asyncio.sleep(POLL_S)

    async def poll_truth(self) -> None:
        stats, orders, injected = await asyncio.gather(
            self.sim_get("/sim/stats"),
            self.sim_get("/sim/orders"),
            self.sim_get("/sim/injected", auth=False),
        )
        now = time.time()
        figures = stats["symbols"][SYMBOL]
        sides = {o["side"] for o in self.ours(orders) if o["status"] == "open"}
        self.samples.append((now, sides == {"buy", "sell"}))
        seg = self.segments[-1]
        if injected.get("ws_drop", 0) > seg.injected.get("ws_drop", 0):
            self.drops.append(now)
            if self.on_drop is not None:
                await self.on_drop()
        seg.stats, seg.injected = figures, Counter(injected)
        if self.first_rest is None and figures["open_orders"]:
            self.first_rest = now - figures["observed_seconds"]
        self.last_poll = now

    def ours(self, orders: dict) -> list[dict]:
        return [o for o in orders["orders"] if o["cl_ord_id"].startswith(self.prefix)]

    def new_segment(self) -> None:
        """The simulator restarted: its counters and ground truth start again at zero."""
        self.segments.append(Segment())

    def totals(self) -> dict:
        """Uptime over the whole soak: the restarts' downtime counts as observed, not up."""
        two = sum(s.stats.get("two_sided_seconds", 0.0) for s in self.segments)
        band = sum(s.stats.get("in_band_seconds", 0.0) for s in self.segments)
        observed = (self.last_poll - self.first_rest) if self.first_rest and self.last_poll else 0.0
        injected = sum((s.injected for s in self.segments), Counter())
        return {
            "two_sided_seconds": two,
            "in_band_seconds": band,
            "observed_seconds": observed,
            "injected": dict(injected),
            "fills": sum(s.stats.get("fills", 0) for s in self.segments),
        }

    def two_sided_at(self, start: float, end: float, dark_window: float) -> float | None:
        """Seconds from `end` (a fault's end) until both sides rest again in ground truth.
        0 when no side went dark between `start` and `end + dark_window`; None when it
        never came back."""
        dark = next(
            (t for t, two in self.samples if start <= t <= end + dark_window and not two), None
        )
        if dark is None:
            return 0.0
        back = next((t for t, two in self.samples if t > max(dark, end) and two), None)
        return None if back is None else max(0.0, back - end)

    def dark_spells(self) -> list[tuple[float, float]]:
        """(start, seconds) of each run of samples without both sides resting (sampled, so
        each spell is known to +/- POLL_S); the simulator's downtime has no samples and
        counts through the gap to the next sample."""
        spells, since, prev = [], None, None
        for t, two in self.samples:
            if not two and since is None:
                since = prev if prev is not None else t
            elif two and since is not None:
                spells.append((since, t - since))
                since = None
            prev = t
        if since is not None and prev is not None:
            spells.append((since, prev - since))
        return spells

    # ------------------------------------------------------------------ orphans

    async def orphan_loop(self) -> None:
        while True:
            if self.sim_up and self.bot_up:
                try:
                    await self.compare_orders()
                except (httpx.HTTPError, ValueError, KeyError):
                    self.bot_errors += 1
            await asyncio.sleep(ORPHAN_EVERY_S)

    async def compare_orders(self) -> None:
        status = await self.bot_get("/api/status")
        bot_orders = await self.bot_get("/api/orders")
        exchange = await self.sim_get("/sim/orders")
        if not status.get("engine_connected", True):
            return  # the engine has not published yet: nothing to compare
        self.bot_states[status.get("state")] += 1
        if status.get("state") != "running" and status.get("state_reason"):
            self.state_reasons.add(f"{status['state']}: {status['state_reason']}"[:200])
        now = time.time()
        believed = {o["cl_ord_id"] for o in bot_orders["orders"]}
        resting = {o["cl_ord_id"] for o in self.ours(exchange) if o["status"] == "open"}
        live = {o["cl_ord_id"] for o in self.ours(exchange)}
        self._track(resting - believed, self._orphan_seen, self.orphans, now, "orphan")
        self._track(believed - live, self._ghost_seen, self.ghosts, now, "ghost")

    async def bot_get(self, path: str) -> dict:
        r = await self.http.get(self.bot_base + path, headers=self._bot_auth)
        r.raise_for_status()
        return r.json()

    async def bot_post(self, path: str, body: dict | None = None) -> dict:
        r = await self.http.post(self.bot_base + path, headers=self._bot_auth, json=body)
        r.raise_for_status()
        return r.json()

    def _track(
        self, ids: set[str], seen: dict[str, Mismatch], out: dict[str, float], now: float, kind: str
    ) -> None:
        for gone in set(seen) - ids:
            del seen[gone]
        for cl_ord_id in ids:
            m = seen.setdefault(cl_ord_id, Mismatch(now))
            age = now - m.first_seen
            if age > self.grace_s:
                out[cl_ord_id] = max(out.get(cl_ord_id, 0.0), age)
                began = time.strftime("%H:%M:%S", time.localtime(m.first_seen))
                self.first_seen.setdefault(cl_ord_id, f"{kind} {began}")  # to find it in logs

    def reset_mismatches(self) -> None:
        """After a restart the grace window starts again (the bot reconciles first)."""
        self._orphan_seen.clear()
        self._ghost_seen.clear()

    # ------------------------------------------------------------------ resources

    def bot_started(self, pid: int) -> None:
        self._cpu_done += self._cpu_now
        self._cpu_now, self.bot_pid = 0.0, pid

    async def resource_loop(self) -> None:
        while True:
            pid = self.bot_pid
            if pid is not None:
                with contextlib.suppress(psutil.Error):
                    proc = psutil.Process(pid)
                    with proc.oneshot():
                        rss = proc.memory_info().rss / 2**20
                        cpu = proc.cpu_times()
                    self._cpu_now = cpu.user + cpu.system
                    self.res["peak_rss_mb"] = max(self.res["peak_rss_mb"], rss)
            self.res["cpu_seconds"] = self._cpu_done + self._cpu_now
            await asyncio.sleep(0.5)

    async def aclose(self) -> None:
        await self.http.aclose()
