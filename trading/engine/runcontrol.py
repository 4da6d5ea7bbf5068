"""The one owner of a bot's run state: start, stop, kill (by hand or by the kill switch),
an expired token, and the state stored in BotConfig.run_state.

A kill or a stop first shuts off places (dropping every place still waiting for the rate
budget, so nothing queued before the kill reaches the exchange), then cancels every order
of ours and verifies with the exchange (cleanup.py). When that cannot be verified the state
reason says how many orders may remain, on the dashboard and in the status API. Then the
position is kept or flattened (FLATTEN_ON_STOP / FLATTEN_ON_KILL, flatten.py), and the
outcome said.
"""

from __future__ import annotations

import asyncio
import logging

from trading import store
from trading.core.breaker import RequoteBreaker
from trading.core.domain import RunState
from trading.core.inventory import flatten_wanted
from trading.engine.cleanup import CleanupResult, OrderCleanup
from trading.engine.eventlog import EventLog
from trading.engine.executor import Executor
from trading.engine.failures import Failures
from trading.engine.flatten import Flattener
from trading.engine.state import BotState, Signals
from trading.standx.errors import AuthError

log = logging.getLogger(__name__)

RUNNING, STOPPED, KILLED = RunState.RUNNING, RunState.STOPPED, RunState.KILLED


class RunControl:
    def __init__(
        self,
        state: BotState,
        executor: Executor,
        cleanup: OrderCleanup,
        events: EventLog,
        failures: Failures,
        breaker: RequoteBreaker,
        signals: Signals,
        flattener: Flattener,
    ):
        self.state, self.executor, self.cleanup = state, executor, cleanup
        self.flattener = flattener
        self.events, self.failures, self.breaker = events, failures, breaker
        self.signals = signals
        self.auth_problem: str | None = None  # set on a 401; quoting stays off until restart
        self.persisted: RunState | None = None
        self._to_persist: tuple[RunState, str] | None = None

    @property
    def run(self):
        return self.state.run

    def set_run_state(self, state: RunState, reason: str) -> None:
        """The only place the run state changes."""
        if (self.run.state, self.run.reason) != (state, reason):
            log.info("bot %s: %s%s", self.state.bot, state.value, f" ({reason})" if reason else "")
        self.run.state, self.run.reason = state, reason
        if state is RUNNING:
            self.executor.open_places()
        else:
            self.executor.close_places(f"{state.value}: {reason}"[:120])

    def resume(self, stored: RunState, reason: str) -> None:
        """At startup: continue in the stored state (a 401 seen meanwhile wins)."""
        self.persisted = stored
        if self.auth_problem:
            self.set_run_state(STOPPED, self.auth_problem)
        else:
            self.set_run_state(stored, "" if stored is RUNNING else reason)

    # ------------------------------------------------------------------ transitions

    async def start(self, reason: str) -> None:
        if self.run.running:
            return
        if self.auth_problem:
            self.events.add("error", f"start refused: {self.auth_problem}"[:500])
            return
        self.failures.success()
        self.breaker.reset()
        self.run.unverified = 0
        self.run.position = None
        self.set_run_state(RUNNING, "")
        self.events.add("start", reason)
        await self._persist(RUNNING, "")
        self.signals.reconcile_soon()  # settle our view before the first pass
        self.signals.wake()

    async def stop(self, reason: str) -> None:
        if (
            not self.run.running
            and not self.state.tracker.live()
            and self.run.unverified == 0
            and not (flatten_wanted(self.state.settings, "stop") and self.state.position_qty)
        ):
            return  # nothing to stop, cancel or flatten
        if self.run.running:
            self.set_run_state(STOPPED, reason)
        self.events.add("stop", reason)
        await self._take_orders_off(self.run.state, self.run.reason, "stop")

    def trip(self, reason: str) -> None:
        """The kill switch: stop quoting at once (the running pass sees it), clean up in a
        task. Only a running bot is killed: a stopped one has nothing to protect, and a
        failing shutdown must finish its own clean stop."""
        if self.run.running:
            self.set_run_state(KILLED, f"kill switch: {reason}")
            self.signals.spawn(self.kill(self.run.reason), "kill")

    async def kill(self, reason: str) -> None:
        self.set_run_state(KILLED, reason)
        self.events.add("kill", reason)
        log.error("KILLED: %s", reason)
        await self._take_orders_off(KILLED, reason, "kill")

    def auth_failed(self, exc: AuthError) -> None:
        """401: the token is refused. Retrying cannot fix it: stop quoting and say why.
        Our orders may still rest (canceling needs the token too): the message says so."""
        if self.auth_problem is not None:
            return
        self.auth_problem = (
            f"authentication failed ({exc}): set a fresh STANDX_JWT_TOKEN "
            f"and restart runbot; orders of ours may still rest on the exchange"
        )
        self.set_run_state(STOPPED, self.auth_problem)
        self.events.add("error", self.auth_problem[:500])
        log.error("%s", self.auth_problem)

    async def follow_stored(self, stored: RunState, reason: str) -> None:
        """run_state edited by someone else (admin, another process): obey it."""
        if stored is self.persisted:
            return
        self.persisted = stored
        reason = reason or "changed in the database"
        if stored is RUNNING:
            await self.start(f"started: {reason}")
        elif stored is STOPPED:
            await self.stop(f"stopped: {reason}")
        elif stored is KILLED and self.run.state is not KILLED:
            await self.kill(f"killed: {reason}")

    async def act(self, action: str, who: str) -> None:
        """A start, stop or kill asked for by `who` (from the dashboard, the API or admin);
        any other action is not the run state's."""
        if action == "start":
            await self.start(f"started by {who}")
        elif action == "stop":
            await self.stop(f"stopped by {who}")
        elif action == "kill":
            await self.kill(f"manual kill by {who}")

    # ------------------------------------------------------------------ orders and storage

    async def _take_orders_off(self, state: RunState, reason: str, why: str) -> CleanupResult:
        # Side by side: a locked database must not hold back the cancels.
        _, result = await asyncio.gather(
            self._persist(state, reason), self.cleanup.cancel_everything(why)
        )
        # Then the position: kept or flattened (FLATTEN_ON_STOP / FLATTEN_ON_KILL), said.
        await self.flattener.at_end(why, result)
        result = self.cleanup.last or result  # a flattening cancels and verifies again
        self.note_cleanup(result)
        await self.events.flush()
        return result

    def note_cleanup(self, result: CleanupResult) -> None:
        """Keep what the last cleanup could not verify: the snapshot (dashboard, status
        API) says "killed — N orders could not be verified gone" while it holds."""
        self.run.unverified = result.left
        if not result.verified:
            self.events.add("error", f"{result.describe()}; check the exchange")

    async def _persist(self, state: RunState, reason: str) -> None:
        ok = await store.call(
            store.set_run_state, self.state.bot, state.value, reason, default=False
        )
        if ok:
            self.persisted, self._to_persist = state, None
        else:
            self._to_persist = (state, reason)  # retried by the persist task

    async def keep_kill_at_exit(self) -> None:
        """A kill must survive the process. A shutdown right after a kill can cut its write
        short (the control task is cancelled mid-cleanup): write it now, or the next start
        would resume quoting."""
        if self.run.state is KILLED and self.persisted is not KILLED:
            await self._persist(KILLED, self.run.reason)

    async def persist_pending(self) -> None:
        if self._to_persist is not None:
            await self._persist(*self._to_persist)
