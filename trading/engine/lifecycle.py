"""Start, stop, kill, config changes, reconcile and the clean shutdown of the engine.

Every step that touches orders takes the engine's trading_lock, so it never interleaves with
a quoting pass (a kill cannot be followed by a late placement of that pass). Persistent run
state: a kill or an operator stop is written to BotConfig.run_state (so a killed bot stays
killed across restarts until a person starts it); a process shutdown is not (the next runbot
resumes quoting).
"""
from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from trading import store
from trading.core.domain import Fill
from trading.standx.errors import AuthError, StandXError
from trading.standx.stream import market_subscriptions
from trading.engine.supervisor import bounded_lock

if TYPE_CHECKING:
    from trading.engine.engine import Engine

log = logging.getLogger(__name__)

RUNNING, STOPPED, KILLED = "running", "stopped", "killed"
QUOTE_FIELDS = ("spread_bps", "bid_notional", "ask_notional", "max_spread_deviation_bps",
                "max_notional")
LOCK_WAIT_SECONDS = 15.0
PRUNE_EVERY_SECONDS = 3600.0
TOKEN_WARN_EVERY_SECONDS = 600.0


class Lifecycle:
    def __init__(self, engine: "Engine"):
        self.engine = engine
        self.cleanup_pending = False        # our orders may remain: retry until verified
        self.auth_problem: str | None = None  # set on a 401; quoting stays off until restart
        self._persisted_state: str | None = None
        self._state_to_persist: tuple[str, str] | None = None
        self._config_updated_at = None
        self._last_prune = 0.0
        self._last_token_warning = 0.0

    # ------------------------------------------------------------------ startup / shutdown

    async def startup(self) -> None:
        e = self.engine
        config = await self._load_config()
        self._adopt_values(config.strategy_values())
        self._config_updated_at = config.updated_at
        e.market.reset(config.symbol)
        e.spec = await self._spec_for(config.symbol)
        await e.uptime.load()
        e.events.seed(await store.call(store.recent_events, e.bot, 50, default=[]) or [])
        await self._clean_orphans()
        await self.load_position()
        self._persisted_state = config.run_state
        e.state, e.state_reason = config.run_state, config.state_reason
        if e.state == RUNNING:
            e.state_reason = ""
        if self.auth_problem and e.state == RUNNING:
            e.state, e.state_reason = STOPPED, self.auth_problem
        e.events.add("start", f"engine started: {e.mode}, {e.symbol}, {e.values['requote_mode']}"
                              f"; state {e.state} {e.state_reason}".strip())
        log.info("engine %s started on %s (%s), state %s", e.bot, e.symbol, e.mode, e.state)

    async def _load_config(self):
        for attempt in range(10):
            config = await store.call(store.load_config, self.engine.bot)
            if config is not None:
                return config
            await asyncio.sleep(0.5 * (attempt + 1))
        raise RuntimeError("could not read the bot configuration from the database")

    async def _spec_for(self, symbol: str):
        specs = await self.engine.rest.symbol_specs([symbol])
        if symbol not in specs:
            raise RuntimeError(f"no symbol spec for {symbol}")
        return specs[symbol]

    async def _clean_orphans(self) -> None:
        """Orders with our prefix left by an earlier run that died: cancel before quoting."""
        e = self.engine
        try:
            rows, _ = await e.executor.our_open_orders()
        except StandXError:
            self.cleanup_pending = True
            return
        orphans = [r for r in rows if e.tracker.is_ours(r.cl_ord_id)]
        if orphans:
            e.events.add("info", f"{len(orphans)} order(s) of an earlier run found open: canceling")
            ok = await e.executor.cancel_all_verified("orphan of an earlier run")
            self.cleanup_pending = not ok

    async def load_position(self) -> None:
        e = self.engine
        try:
            positions = await e.executor.call("query_positions", lambda: e.rest.query_positions(e.symbol))
        except StandXError:
            return
        e.position_qty = sum((p.qty for p in positions if p.symbol == e.symbol), Decimal("0"))

    async def shutdown(self) -> None:
        """Process exit: cancel all ours, verify, persist uptime and the audit log."""
        e = self.engine
        e.state, e.state_reason = STOPPED, "process shutdown"
        await e.wait_background(timeout=10.0)
        ok = await self._locked(e.executor.cancel_all_verified, "shutdown")
        e.events.add("stop", "process shutdown: " + (
            "all our orders canceled (verified)" if ok else "could NOT verify that all our "
            "orders are canceled; check the exchange"))
        e.observe_uptime()
        await e.uptime.save(e.symbol)
        await e.events.flush()

    async def _locked(self, func, *args):
        """Run func under the trading lock; a stuck holder delays a kill or a stop but cannot
        block it (after the bound it proceeds anyway: canceling twice is harmless)."""
        async with bounded_lock(self.engine.trading_lock, LOCK_WAIT_SECONDS, func.__name__):
            return await func(*args)

    # ------------------------------------------------------------------ start / stop / kill

    async def kill(self, reason: str) -> None:
        e = self.engine
        e.state, e.state_reason = KILLED, reason
        e.events.add("kill", reason)
        log.error("KILLED: %s", reason)
        # Side by side: a locked database must not hold back the cancels.
        await asyncio.gather(self._persist_state(KILLED, reason), self._cancel_everything("kill"))
        await e.events.flush()

    async def stop(self, reason: str) -> None:
        e = self.engine
        if e.state != RUNNING and not e.tracker.live():
            return
        if e.state == RUNNING:
            e.state, e.state_reason = STOPPED, reason
        e.events.add("stop", reason)
        await asyncio.gather(self._persist_state(e.state, e.state_reason),
                             self._cancel_everything("stop"))

    async def start(self, reason: str) -> None:
        e = self.engine
        if e.state == RUNNING:
            return
        if self.auth_problem:
            e.events.add("error", f"start refused: {self.auth_problem}"[:500])
            return
        e.failures.success()
        e.state, e.state_reason = RUNNING, ""
        e.events.add("start", reason)
        await self._persist_state(RUNNING, "")
        e._reconcile_now.set()
        e._wake.set()

    def auth_failed(self, exc: AuthError) -> None:
        """401: the token is refused. Retrying cannot fix it: stop quoting and say why.
        Our orders may still rest (canceling needs the token too): the message says so."""
        e = self.engine
        self.auth_problem = (f"authentication failed ({exc}): set a fresh STANDX_JWT_TOKEN "
                             f"and restart runbot; orders of ours may still rest on the exchange")
        e.state, e.state_reason = STOPPED, self.auth_problem
        e.events.add("error", self.auth_problem[:500])
        log.error("%s", self.auth_problem)

    async def _cancel_everything(self, why: str) -> None:
        ok = await self._locked(self.engine.executor.cancel_all_verified, why)
        self.cleanup_pending = not ok

    async def _persist_state(self, state: str, reason: str) -> None:
        ok = await store.call(store.set_run_state, self.engine.bot, state, reason, default=False)
        if ok:
            self._persisted_state, self._state_to_persist = state, None
            self._config_updated_at = await store.call(store.config_updated_at, self.engine.bot)
        else:
            self._state_to_persist = (state, reason)      # retried by the persist task

    async def pull_quotes(self, reason: str) -> None:
        """Market data cannot be trusted: take our quotes off the book (not a stop). The
        state change is synchronous; the cancel request runs in the background."""
        e = self.engine
        if e.quoting_allowed() or not e.tracker.live():
            return
        e.events.add("feed", f"pulling quotes: {reason}")
        ids = e.executor.prepare_cancel_many(e.tracker.live_ids(), f"pull: {reason}")
        e.executor.launch(e.executor.send_cancel_many(ids), "pull")

    # ------------------------------------------------------------------ control and config

    async def on_control(self, message: dict) -> None:
        action = message.get("action")
        who = message.get("user") or message.get("source") or "operator"
        log.info("control message: %s from %s", action, who)
        if action == "start":
            await self.start(f"started by {who}")
        elif action == "stop":
            await self.stop(f"stopped by {who}")
        elif action == "kill":
            self.engine.state = KILLED
            await self.kill(f"manual kill by {who}")
        elif action == "config":
            await self.reload_config(f"config message from {who}")

    async def poll_config(self) -> None:
        """A change saved from admin or another process applies within a few seconds."""
        updated = await store.call(store.config_updated_at, self.engine.bot)
        if updated is not None and updated != self._config_updated_at:
            await self.reload_config("configuration changed in the database")

    async def reload_config(self, source: str) -> None:
        e = self.engine
        config = await store.call(store.load_config, e.bot)
        if config is None:
            return
        self._config_updated_at = config.updated_at
        new, old = config.strategy_values(), dict(e.values)
        changed = {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}
        if changed:
            text = ", ".join(f"{k}: {a} -> {b}" for k, (a, b) in changed.items())
            e.events.add("config", f"{source}: {text}"[:500])
            self._adopt_values(new)
        if "symbol" in changed:
            await self.switch_symbol(new["symbol"])
        elif any(k in changed for k in QUOTE_FIELDS):
            e.tracker.new_strategy()        # decide replaces them (make-before-break)
            e._wake.set()
        await self._follow_run_state(config)

    def _adopt_values(self, values: dict) -> None:
        self.engine.values = values
        self.engine.failures.limit = int(values["max_consecutive_failures"])
        self.engine.uptime.set_band(Decimal(str(values["uptime_band_bps"])))

    async def _follow_run_state(self, config) -> None:
        """run_state edited by someone else (admin, another process): obey it."""
        if config.run_state == self._persisted_state:
            return
        self._persisted_state = config.run_state
        reason = config.state_reason or "changed in the database"
        if config.run_state == RUNNING:
            await self.start(f"started: {reason}")
        elif config.run_state == STOPPED:
            await self.stop(f"stopped: {reason}")
        elif config.run_state == KILLED and self.engine.state != KILLED:
            self.engine.state = KILLED
            await self.kill(f"killed: {reason}")

    async def switch_symbol(self, symbol: str) -> None:
        e = self.engine
        async with bounded_lock(e.trading_lock, LOCK_WAIT_SECONDS, "symbol switch"):
            ok = await e.executor.cancel_all_verified(f"symbol switch to {symbol}")
            self.cleanup_pending = not ok
            e.tracker.clear()
            e.market.reset(symbol)
            e.position_qty = Decimal("0")
            e.spec = await self._spec_for(symbol)
            if e.feed is not None:
                await e.feed.follow(e)           # the account's other bots keep streaming
            elif e.market_stream is not None:
                await e.market_stream.set_subscriptions(market_subscriptions(symbol))
            await self.load_position()
        e.events.add("config", f"symbol switched to {symbol}: quoting restarts on its first book")

    # ------------------------------------------------------------------ periodic

    async def reconcile(self) -> bool:
        """Align the tracker with query_open_orders; cancel ours that should not be open.
        False when the exchange could not be asked (nothing was changed).
        No lock: the answer is applied synchronously and `as_of` protects orders that changed
        while the query was in flight, so quoting never waits for this round trip."""
        e = self.engine
        try:
            rows, sent_at = await e.executor.our_open_orders()
        except StandXError:
            return False
        here = [r for r in rows if r.symbol == e.symbol]
        top = e.market.top()
        result = e.tracker.reconcile(here, e.clock(), as_of=sent_at,
                                     ref_mid=top.mid if top else None)
        for transition in (*result.gone, *result.confirmed):
            e.on_transition(transition)
        for order in result.adopted:
            e.events.add("info", "adopted an order of ours found open", side=order.side,
                         price=order.price, qty=order.qty, cl_ord_id=order.cl_ord_id)
        strays = [r.cl_ord_id for r in rows
                  if r.symbol != e.symbol and e.tracker.is_ours(r.cl_ord_id)]
        if e.state != RUNNING:
            strays += e.tracker.live_ids()         # a stopped or killed bot has no orders
        if strays:
            await e.executor.cancel_many(strays, "should not be open (reconcile)")
        return True

    async def housekeeping(self, now: float) -> None:
        """Exchange-side upkeep only: a slow or locked database must never delay it."""
        if self.cleanup_pending:
            await self._cancel_everything("retry of an unverified cancel")
        self._warn_token_expiry(now)

    async def persist_pending(self, now: float) -> None:
        """Database upkeep, on the persist task: a run state that failed to save, pruning."""
        if self._state_to_persist is not None:
            await self._persist_state(*self._state_to_persist)
        if now - self._last_prune >= PRUNE_EVERY_SECONDS:
            self._last_prune = now
            await store.call(store.prune, self.engine.bot, now)

    def _warn_token_expiry(self, now: float) -> None:
        expires = getattr(self.engine.rest, "token_expires_at", None)
        if expires is None or now - self._last_token_warning < TOKEN_WARN_EVERY_SECONDS:
            return
        remaining = expires - now
        if remaining <= self.engine.options.token_warn_seconds:
            self._last_token_warning = now
            text = (f"access token expires in {remaining / 60:.0f} min: renew STANDX_JWT_TOKEN"
                    if remaining > 0 else "access token has expired: renew STANDX_JWT_TOKEN")
            log.warning("%s", text)
            self.engine.events.add("info", text)

    def record_fill(self, fill: Fill) -> None:
        e = self.engine
        cl_ord_id = e.tracker.fill_of(fill) or ""
        e.events.add("fill", f"trade {fill.id}" + ("" if cl_ord_id else " (not one of ours)"),
                     side=fill.side, price=fill.price, qty=fill.qty, cl_ord_id=cl_ord_id)
        if cl_ord_id:
            e.uptime.record_fill(e.clock())
