"""The soak's two judged phases after the timed fault run (issue 11), on a quiet exchange (no
background faults: what is judged is the kill and the stop, not fault tolerance), each judged
from the simulator's ground truth: its order log (GET /sim/orders?since=, every order with the
exchange time it was created and left the book) and its live orders.

Storm, then kill: a legal setting that churns (REQUOTE_THRESHOLD_BPS 0.01 on a market that
moves every 100 ms) through POST /api/config. The engine's requote breaker must engage (its
event log, read from the SQLite file). Then POST /api/kill while orders are being created:
none of ours may rest KILL_CLEAR_S later, none may be created after the kill (IN_FLIGHT_S
allowed for a request already on the wire), the bot must say killed and hold no phantom
order; /api/start must bring both quotes back within START_BACK_S (the outside probe saw
"running" and 10 dark minutes).

Stop with the exchange frozen: SIGSTOP the simulator (nothing answers, not even TCP reads),
SIGTERM the bot. It cannot cancel or verify, so it must exit non-zero with "orders may remain
on the exchange" (and within systemd's TimeoutStopSec, or it is SIGKILLed before it can say
so), and that must be the truth: our orders rested when it exited. Then SIGCONT, start the bot
again: it must cancel every order the stopped run left.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bench import soak_procs as procs
from trading.engine.options import EngineOptions

if TYPE_CHECKING:  # bench.soak imports this module
    from bench.soak import Soak

QUIET_FAULTS = {
    "http_5xx_share": 0.0,
    "hang_share": 0.0,
    "alo_reject_share": 0.0,
    "ack_latency_ms": 20.0,
    "ack_jitter_ms": 0.0,
    "ws_drop_every_s": 0.0,
    "stalled_symbols": [],
    "burst_429": 0,
}
STORM_CONFIG = {"requote_threshold_bps": "0.01"}
STORM_VOLATILITY_BPS = 2.0
BREAKER_WAIT_S = 30.0  # the breaker's event reaches the database within persist_every
FLOWING_WAIT_S = 30.0  # a held side places again after the 15 s hold
KILL_CLEAR_S = 5.0  # "0 orders of ours within a few seconds"
IN_FLIGHT_S = 1.0  # a place on the wire at the kill may land this much later
START_BACK_S = 15.0
SYSTEMD_STOP_S = 30.0  # TimeoutStopSec in docs/operations.md
ORPHANS_CLEARED_S = 20.0  # after the restarted bot's API answers
MAY_REMAIN = "orders may remain on the exchange"
POLL_S = 0.1


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float) -> float | None:
    """Seconds until `check()` is true, None when it never was within `timeout`."""
    began = time.monotonic()
    while time.monotonic() - began <= timeout:
        if await check():
            return round(time.monotonic() - began, 2)
        await asyncio.sleep(POLL_S)
    return None


class Phases:
    def __init__(self, soak: Soak):
        self.soak, self.watch = soak, soak.watch
        self.db = soak.work / "data" / "db.sqlite3"

    # ------------------------------------------------------------------ ground truth

    async def ours_live(self) -> list[dict]:
        return self.watch.ours(await self.watch.sim_get("/sim/orders"))

    async def ours_created(self, since: float) -> list[dict]:
        """Our orders created at or after `since` (exchange clock), in any status."""
        return self.watch.ours(await self.watch.sim_get(f"/sim/orders?since={since:.6f}"))

    async def two_sided(self, exclude: frozenset[str] = frozenset()) -> bool:
        """Both sides of ours resting (`exclude`: an earlier run's orphans do not count)."""
        return {
            o["side"]
            for o in await self.ours_live()
            if o["status"] == "open" and o["cl_ord_id"] not in exclude
        } == {"buy", "sell"}

    async def market(self, volatility_bps: float) -> None:
        if self.soak.args.market is not None:
            return  # a recording moves as it was recorded: the storm setting churns on it
        r = await self.watch.http.post(
            f"{self.soak.sim_base}/sim/market",
            json={"symbol": "BTC-USD", "volatility_bps": volatility_bps},
        )
        r.raise_for_status()

    async def run(self) -> dict:
        self.watch.on_drop = None
        self.soak.background = QUIET_FAULTS
        await self.soak.set_faults()
        return {"storm_kill": await self.storm_then_kill(), "frozen_stop": await self.frozen_stop()}

    # ------------------------------------------------------------------ storm, then kill

    async def storm_then_kill(self) -> dict:
        w, out = self.watch, {}
        out["two_sided_before_s"] = await wait_for(self.two_sided, 60)
        began = time.time()
        await w.bot_post("/api/config", STORM_CONFIG)
        await self.market(STORM_VOLATILITY_BPS)
        tripped = await self.breaker_trip(began)
        out["breaker_engaged"] = tripped is not None
        if tripped is not None:
            out["breaker_after_s"] = round(tripped - began, 2)
            out["places_before_trip"] = sum(
                1 for o in await self.ours_created(began) if o["created_at"] <= tripped
            )
        out["places_last_s_at_kill"] = await self.wait_flowing()
        await w.bot_post("/api/kill")
        killed = time.time()
        places = sum(1 for o in await self.ours_created(began) if o["created_at"] <= killed)
        out["storm_places"] = places
        out["storm_seconds"] = round(killed - began, 1)
        out["breaker_expected"] = self.breaker_expected(places, killed - began)
        out["cleared_s"] = await wait_for(lambda: self.none_live(), KILL_CLEAR_S)
        out.update(await self.kill_verdict(killed))
        await w.bot_post("/api/start")
        out["two_sided_after_start_s"] = await wait_for(self.two_sided, START_BACK_S)
        await w.bot_post(
            "/api/config", {"requote_threshold_bps": self.soak.strategy["REQUOTE_THRESHOLD_BPS"]}
        )
        await self.market(self.soak.volatility_bps)
        return out

    def breaker_expected(self, places: int, seconds: float) -> bool:
        """Whether the storm should trip the breaker: always on the walk (it moves every
        100 ms); on a recording only when the places outran the breaker's rate on a side (a
        market of StandX's cadence, ~2.5 books a second, cannot drive it that fast)."""
        if self.soak.args.market is None:
            return True
        limit = EngineOptions.breaker_max_places / EngineOptions.breaker_window_seconds
        return places / max(seconds, 1e-9) / 2 >= limit

    async def breaker_trip(self, since: float) -> float | None:
        """When the engine's event log says the requote breaker tripped (None: never)."""
        found: list[tuple[float, str]] = []

        async def logged() -> bool:
            found[:] = await asyncio.to_thread(
                procs.events_like, self.db, "requote breaker:%", since
            )
            return bool(found)

        await wait_for(logged, BREAKER_WAIT_S)
        return found[0][0] if found else None

    async def wait_flowing(self) -> int:
        """Wait (bounded) until orders of ours are being created, so the kill lands in the
        middle of the storm (a tripped side places again when its hold ends); how many
        were created in the last second then."""
        recent: list[dict] = []

        async def flowing() -> bool:
            recent[:] = await self.ours_created(time.time() - 1.0)
            return len(recent) >= 2

        await wait_for(flowing, FLOWING_WAIT_S)
        return len(recent)

    async def none_live(self) -> bool:
        return not await self.ours_live()

    async def kill_verdict(self, killed: float) -> dict:
        """After the kill: what was created late, what the bot says and believes."""
        w = self.watch
        says: dict = {}

        async def says_killed() -> bool:
            says.update(await w.bot_get("/api/status"))
            return says.get("state") == "killed"

        killed_s = await wait_for(says_killed, 10)
        believed: list = []

        async def view_empty() -> bool:
            believed[:] = (await w.bot_get("/api/orders"))["orders"]
            return not believed

        await wait_for(view_empty, KILL_CLEAR_S)
        # Asked last, after seconds of waiting: a queued place would have landed by now.
        late = await self.ours_created(killed + IN_FLIGHT_S)
        created = [o["created_at"] - killed for o in await self.ours_created(killed)]
        return {
            "created_after_kill": len(late),
            "last_created_after_kill_s": round(max(created), 3) if created else None,
            "says_killed_s": killed_s,
            "state_reason": says.get("state_reason", ""),
            "phantoms_after_kill": len(believed),
        }

    # ------------------------------------------------------------------ frozen stop

    async def frozen_stop(self) -> dict:
        s, w = self.soak, self.watch
        out: dict[str, object] = {}
        out["two_sided_before_s"] = await wait_for(self.two_sided, 60)
        w.bot_up = w.sim_up = False
        frozen = time.time()
        s.sim.signal_group(signal.SIGSTOP)
        try:
            code = await asyncio.to_thread(s.bot.stop, 2 * SYSTEMD_STOP_S)
            exited = time.time()
        finally:
            s.sim.signal_group(signal.SIGCONT)
        text = s.bot_logs[-1].read_text(errors="replace")
        said = [line for line in text.splitlines() if MAY_REMAIN in line]
        out.update(
            {
                "exit_code": code,
                "stop_s": round(exited - frozen, 1),
                "may_remain_line": said[-1][:300] if said else None,
                "said_stopped_cleanly": "runbot stopped cleanly" in text,
            }
        )
        await asyncio.to_thread(procs.wait_http, f"{s.sim_base}/api/health", s.sim, 30)
        left = await self.resting_at(frozen, exited)
        out["resting_at_exit"] = len(left)
        out["resting_after_thaw"] = len(await self.ours_live())
        out.update(await self.restart(frozenset(o["cl_ord_id"] for o in left)))
        w.reset_mismatches()
        w.bot_up = w.sim_up = True
        return out

    async def restart(self, left: frozenset[str]) -> dict:
        """Start the bot again: it must cancel what the frozen stop left, then quote. Times
        count from the launch (the orphans go before the API answers)."""
        launched, launched_at = time.monotonic(), time.time()
        out: dict[str, float | None] = {
            "restart_s": round(await asyncio.to_thread(self.soak.start_bot), 2)
        }

        async def orphans_gone() -> bool:
            return not left & {o["cl_ord_id"] for o in await self.ours_live()}

        gone = await wait_for(orphans_gone, ORPHANS_CLEARED_S)
        out["orphans_cleared_s"] = None if gone is None else round(time.monotonic() - launched, 2)
        back = await wait_for(lambda: self.two_sided(exclude=left), START_BACK_S)
        out["two_sided_after_restart_s"] = (
            None if back is None else round(time.monotonic() - launched, 2)
        )
        out["orphans_canceled_by_start"] = await self.orphans_canceled(launched_at)
        return out

    async def resting_at(self, frozen: float, exited: float) -> list[dict]:
        """Ours that were on the book when the bot exited: created before the freeze and
        still live, or taken off only after the exit (by requests the frozen simulator
        read once it ran again)."""
        live = {o["cl_ord_id"] for o in await self.ours_live()}
        return [
            o
            for o in await self.ours_created(0.0)
            if o["created_at"] <= frozen and (o["cl_ord_id"] in live or o["updated_at"] >= exited)
        ]

    async def orphans_canceled(self, since: float) -> int | None:
        """How many orders of an earlier run the restarted engine said it found and
        canceled (its event log reaches the database within persist_every)."""
        rows: list[tuple[float, str]] = []

        async def logged() -> bool:
            rows[:] = await asyncio.to_thread(
                procs.events_like, self.db, "%of an earlier run found open%", since
            )
            return bool(rows)

        if await wait_for(logged, BREAKER_WAIT_S / 2) is None:
            return None
        return sum(int(m.group(1)) for _, text in rows if (m := re.match(r"(\d+) order", text)))


def failures(p: dict) -> list[str]:
    """The phases' hard targets that failed, one sentence each (see PHASE_TARGETS)."""
    k, f = p["storm_kill"], p["frozen_stop"]
    failed = []
    if k["two_sided_before_s"] is None or f["two_sided_before_s"] is None:
        failed.append("a phase began without the bot quoting both sides (nothing to judge)")
    return failed + storm_kill_failures(k) + frozen_stop_failures(f)


def storm_kill_failures(k: dict) -> list[str]:
    failed = []
    breaker_missed = k.get("breaker_expected", True) and not k["breaker_engaged"]
    if breaker_missed or k["places_last_s_at_kill"] < 2:
        failed.append(
            f"storm: the requote breaker never engaged (event log), or the kill did "
            f"not land mid-storm ({k['places_last_s_at_kill']} places in the second "
            f"before it)"
        )
    if k["cleared_s"] is None or k["created_after_kill"]:
        failed.append(
            f"storm kill: our orders not all gone within {KILL_CLEAR_S:g} s "
            f"(cleared {k['cleared_s']}) or {k['created_after_kill']} created more "
            f"than {IN_FLIGHT_S:g} s after the kill"
        )
    if k["says_killed_s"] is None or k["phantoms_after_kill"]:
        failed.append(
            f"storm kill: the bot did not say killed ({k['state_reason']!r}) or "
            f"still believes {k['phantoms_after_kill']} order(s) open"
        )
    if k["two_sided_after_start_s"] is None:
        failed.append(f"storm kill: not two-sided within {START_BACK_S:g} s of /api/start")
    return failed


def frozen_stop_failures(f: dict) -> list[str]:
    failed = []
    if f["resting_at_exit"] and (f["exit_code"] in (0, None) or not f["may_remain_line"]):
        failed.append(
            f"frozen stop: {f['resting_at_exit']} order(s) rested but runbot exited "
            f"{f['exit_code']} without saying '{MAY_REMAIN}'"
        )
    if f["stop_s"] > SYSTEMD_STOP_S:
        failed.append(
            f"frozen stop took {f['stop_s']} s: systemd SIGKILLs after "
            f"{SYSTEMD_STOP_S:g} s, before the warning is printed"
        )
    if f["orphans_cleared_s"] is None or f["two_sided_after_restart_s"] is None:
        failed.append(
            f"frozen stop: the next start did not cancel the orphans within "
            f"{ORPHANS_CLEARED_S:g} s or quote within {START_BACK_S:g} s"
        )
    return failed


PHASE_TARGETS = 8


def report_rows(p: dict) -> list[tuple[str, str]]:
    k, f = p["storm_kill"], p["frozen_stop"]
    return [
        (
            "storm: breaker engaged after s / places",
            f"{k.get('breaker_after_s', 'NEVER')} / {k.get('places_before_trip', '-')}"
            + ("" if k.get("breaker_expected", True) else " (not expected at this rate)"),
        ),
        ("storm: places / s before the kill", f"{k['storm_places']} / {k['storm_seconds']}"),
        ("storm: our places in the 1 s before kill", str(k["places_last_s_at_kill"])),
        (
            "kill: ours gone from exchange after s",
            "NOT WITHIN LIMIT" if k["cleared_s"] is None else str(k["cleared_s"]),
        ),
        (
            f"kill: created > {IN_FLIGHT_S:g} s after (last at +s)",
            f"{k['created_after_kill']} ({k['last_created_after_kill_s']})",
        ),
        (
            "kill: bot says killed after s / phantoms",
            f"{k['says_killed_s']} / {k['phantoms_after_kill']}",
        ),
        ("start after kill: two-sided after s", str(k["two_sided_after_start_s"])),
        ("frozen stop: exit code / stop s", f"{f['exit_code']} / {f['stop_s']}"),
        ("frozen stop: says orders may remain", "yes" if f["may_remain_line"] else "NO"),
        (
            "frozen stop: ours resting at exit / thawed",
            f"{f['resting_at_exit']} / {f['resting_after_thaw']}",
        ),
        (
            "next start: orphans canceled / gone after s",
            f"{f['orphans_canceled_by_start']} / {f['orphans_cleared_s']}",
        ),
        ("next start: two-sided after s", str(f["two_sided_after_restart_s"])),
    ]
