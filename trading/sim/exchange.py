"""The simulated exchange: market + matching + accounts + faults + WS fan-out, with the
in-process scripting API tests use (exchange.market.set_mid, exchange.stats(user), ...).

REST and ws-api share submit_new_order/submit_cancel so both paths behave identically:
synchronous checks (400 with no state change), then the state change after the ack latency."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
from dataclasses import dataclass, replace
from decimal import Decimal

import base58
from nacl.signing import SigningKey

from trading.core.domain import Side
from trading.marketdata.frames import MarketSource
from trading.sim.accounts import Account, SimOrder, SimPosition
from trading.sim.auth import JwtIssuer, NonceBook
from trading.sim.config import SimConfig
from trading.sim.errors import ApiError
from trading.sim.faults import FaultConfig, FaultState
from trading.sim.feed import FeedDriver
from trading.sim.hub import Hub
from trading.sim.loops import Scheduler, supervise
from trading.sim.market import Market, PublicTrade
from trading.sim.matching import Matching
from trading.sim.queue_fills import QueueFills
from trading.sim.ratelimit import RateLimiter
from trading.sim.reference_venue import ReferenceVenue
from trading.sim.requests import RequestLog
from trading.sim.serialize import (
    depth_json,
    order_json,
    position_json,
    price_json,
    public_trade_json,
    trade_json,
    ws_balance_json,
)
from trading.sim.state import load_state, save_state
from trading.sim.symbols import SYMBOLS, symbol_defs
from trading.sim.traffic import TrafficLog
from trading.sim.uptime_report import hourly_report, stats_of
from trading.sim.validation import parse_cancel, parse_cancel_many, parse_new_order
from trading.sim.wslimits import WsLimiter

log = logging.getLogger(__name__)
# The one reason matching rejects an accepted order with (ALO that would cross).
ALO_REJECTED = "alo order rejected"


@dataclass(frozen=True)
class SimAccount:
    token: str
    private_key: str  # base58 of the 32-byte Ed25519 seed, like standx.com/user/session
    address: str
    user: str


class Exchange:
    def __init__(
        self,
        config: SimConfig | None = None,
        faults: FaultConfig | None = None,
        feed: MarketSource | None = None,
    ):
        self.config = config or SimConfig()
        self.clock = self.config.clock
        self.symbols = symbol_defs(self.config)
        self.faults = FaultState(faults or FaultConfig(), random.Random(self.config.seed + 1))
        self.market = Market(self.config)
        self.hub = Hub()
        self.jwt = JwtIssuer()
        self.limiter = RateLimiter(self.config)
        self.requests = RequestLog(self.clock)
        self.traffic = TrafficLog(self.config.log_requests, self.clock)
        self.hub.traffic = self.traffic
        self.wallet_nonces = NonceBook()
        self.ws_limits = WsLimiter(self.config)
        self.scheduler = Scheduler()
        self.matching = Matching(
            self.config,
            self.market,
            self,
            self._inject_alo_reject,
            QueueFills() if feed is not None else None,
        )
        # Binance / Hyperliquid streams leading this market (runsim --reference).
        self.reference = ReferenceVenue(self) if self.config.reference is not None else None
        self._tasks: list[asyncio.Task] = []
        if self.config.state_file:
            load_state(self, self.config.state_file)
        # A followed market (a recording, StandX's public streams) instead of the walk.
        self.feed = FeedDriver(self, feed) if feed is not None else None

    # ---- accounts and tokens ---------------------------------------------------------------
    def create_account(self, balance: Decimal | str | None = None) -> SimAccount:
        seed = os.urandom(32)
        pubkey = bytes(SigningKey(seed).verify_key)
        address = "0x" + os.urandom(20).hex()
        user = f"bsc_{address}"
        amount = Decimal(str(balance)) if balance is not None else self.config.initial_balance
        self.matching.accounts[user] = Account(user, address, pubkey, amount)
        self.save_state()  # a new account must survive even a crash of the simulator
        return SimAccount(self.issue_token(user), base58.b58encode(seed).decode(), address, user)

    def wallet_account(self, address: str, pubkey: bytes) -> Account:
        """The account of a wallet that just logged in (funded at its first login), now
        bound to the login's request key (tokens issued earlier keep their own key)."""
        user = f"bsc_{address.lower()}"
        account = self.matching.accounts.get(user)
        if account is None:
            account = Account(user, address.lower(), pubkey, self.config.initial_balance)
            self.matching.accounts[user] = account
        account.pubkey = pubkey
        self.save_state()
        return account

    def issue_token(self, user: str, ttl_s: float | None = None) -> str:
        """A JWT for an existing account; a negative ttl_s gives an already expired token."""
        account = self.matching.account(user)
        ttl = self.config.token_ttl_s if ttl_s is None else ttl_s
        return self.jwt.issue(user, account.address, account.pubkey, ttl)

    def authenticate(self, token: str) -> tuple[Account, bytes]:
        """Account and the Ed25519 public key bound to this token, or ApiError(401)."""
        claims = self.jwt.verify(token)
        account = self.matching.accounts.get(claims.user)
        if account is None:
            raise ApiError(401, "unknown account")
        return account, claims.pubkey

    def save_state(self) -> None:
        if self.config.state_file:
            save_state(self, self.config.state_file)

    # ---- orders ----------------------------------------------------------------------------
    def submit_new_order(
        self, account: Account, body: dict, session_id: str | None, request_id: str
    ) -> SimOrder:
        req = parse_new_order(body, self.symbols)
        order = self.matching.accept_new_order(account, req, session_id, request_id)
        self.scheduler.call_later(
            self.faults.ack_delay_s(), lambda: self.matching.process_new(order)
        )
        return order

    def submit_cancel(
        self, account: Account, body: dict, session_id: str | None, request_id: str
    ) -> None:
        ids = parse_cancel(body)
        try:
            order = self.matching.accept_cancel(account, *ids)
        except ApiError:
            if not self._cancel_gone_silently():
                raise  # 400 at once: order not found / not open
            self.scheduler.call_later(
                self.faults.ack_delay_s(),
                lambda: self.session_result(session_id, request_id, 0, "success"),
            )
            return
        self.scheduler.call_later(
            self.faults.ack_delay_s(), lambda: self._process_cancel(order, session_id, request_id)
        )

    def _process_cancel(self, order: SimOrder, session_id: str | None, request_id: str) -> None:
        if not order.live and self._cancel_gone_silently():
            # It filled or left while the cancel was on its way: success, nothing else.
            return self.session_result(session_id, request_id, 0, "success")
        self.matching.process_cancel(order, session_id, request_id)

    def _cancel_gone_silently(self) -> bool:
        """The `cancel_gone: silent` switch: a cancel of an order that is not open is
        answered success, with no order update (StandX's answer is undocumented)."""
        if self.faults.config.cancel_gone != "silent":
            return False
        self.faults.injected["cancel_gone_silent"] += 1
        return True

    def submit_cancel_many(self, account: Account, body: dict, request_id: str) -> None:
        """Batch cancel: unknown or closed ids are skipped (the batch is not all-or-nothing)."""
        ids, cls = parse_cancel_many(body)
        found = [account.find_order(i, None) for i in ids] + [
            account.find_order(None, c) for c in cls
        ]
        for order in {o.id: o for o in found if o is not None and o.live}.values():
            self.scheduler.call_later(
                self.faults.ack_delay_s(),
                functools.partial(self.matching.process_cancel, order, None, request_id),
            )

    # ---- faults and ground truth -----------------------------------------------------------
    def set_faults(self, config: FaultConfig | None = None, **changes) -> FaultConfig:
        new = replace(config or self.faults.config, **changes)
        self.faults.update(new)
        return new

    def _inject_alo_reject(self) -> bool:
        return self.faults.roll(self.faults.config.alo_reject_share, "alo_reject")

    def stats(self, user: str) -> dict:
        """Ground truth of one account: {"symbols": {symbol: figures and "hours"}} (see
        GroundTruth and uptime_report), the account's requests by path under "requests"
        (requests.py), and the simulator-wide WebSocket connections per IP under "ws"."""
        now = self.clock()
        return {
            **stats_of(self.matching, user, now),
            "requests": self.requests.figures(user, now),
            "ws": self.ws_limits.snapshot(),
            "market": self.feed.describe() if self.feed is not None else {"source": "walk"},
        }

    def uptime(self, user: str, symbol: str = "BTC-USD") -> dict:
        return hourly_report(self.matching, user, symbol, self.clock())

    # ---- displayed book --------------------------------------------------------------------
    def depth(self, symbol: str) -> tuple[list, list]:
        """Synthetic levels plus every account's resting orders, aggregated by price."""
        m = self.market.get(symbol)
        bids = {lv.price: lv.qty for lv in m.bids}
        asks = {lv.price: lv.qty for lv in m.asks}
        for order in self.matching.resting[symbol].values():
            side = bids if order.side is Side.BUY else asks
            side[order.limit_price] = side.get(order.limit_price, Decimal(0)) + order.remaining
        return (sorted(bids.items(), reverse=True), sorted(asks.items()))

    def price_data(self, symbol: str) -> dict:
        bid = self.matching.best_displayed(symbol, Side.BUY)
        ask = self.matching.best_displayed(symbol, Side.SELL)
        return price_json(self.market.get(symbol), bid, ask, self.clock())

    # ---- EventSink (called by matching) ----------------------------------------------------
    def order_event(self, order: SimOrder) -> None:
        if order.status == "rejected":
            self.requests.rejected(order.user, 400, ALO_REJECTED)  # in either mode
            if not self.faults.config.order_channel_rejects:
                # StandX documents the reject on the ws-api session only (standx-protocol.md §5.2).
                self.faults.injected["reject_update_suppressed"] += 1
                return
        self.hub.publish_user(order.user, "order", order_json(order))

    def trade_event(self, user: str, trade: dict) -> None:
        if "trade" in self.faults.config.lost_user_channels:
            self.faults.injected["lost_trade"] += 1
            return  # as if the connection had dropped: only query_trades still has it
        self.hub.publish_user(user, "trade", trade_json(trade, user))

    def position_event(self, user: str, position: SimPosition) -> None:
        account = self.matching.accounts[user]
        lev = account.leverage_for(position.symbol, SYMBOLS[position.symbol].def_leverage)
        mark = self.market.get(position.symbol).mark
        self.hub.publish_user(user, "position", position_json(position, account, mark, lev))

    def balance_event(self, user: str) -> None:
        self.hub.publish_user(
            user, "balance", ws_balance_json(self.matching.accounts[user], self.clock())
        )

    def public_trade(self, trade: PublicTrade) -> None:
        if not self.faults.stalled(trade.symbol):
            self.hub.publish_public(
                "public_trade", trade.symbol, public_trade_json(trade), self.faults.md_delay_s()
            )

    def session_result(
        self, session_id: str | None, request_id: str, code: int, message: str
    ) -> None:
        self.hub.send_session(
            session_id, {"code": code, "message": message, "request_id": request_id}
        )

    def cancel_refused(
        self, user: str, session_id: str | None, request_id: str, message: str
    ) -> None:
        """A cancel refused after its ack is a rejection when it is answered: on the session its
        request named. A batch cancel (no session) skips an order that left, as at once."""
        if session_id is not None:
            self.requests.rejected(user, 400, message)
        self.session_result(session_id, request_id, 400, message)

    # ---- background loops ------------------------------------------------------------------
    def start(self) -> None:
        market = (
            [("market", self._market_loop), ("pusher", self._push_loop)]
            if self.feed is None
            else [("feed", self.feed.run)]
        )
        for name, body in (
            ("scheduler", self.scheduler.run),
            *market,
            ("ws-drop", self._drop_loop),
        ):
            self._tasks.append(asyncio.create_task(supervise(name, body), name=f"sim-{name}"))

    async def stop(self) -> None:
        self.save_state()  # balances, positions and prices as they are now
        self.hub.close_all(1001, "simulator shutting down")
        if self.reference is not None:
            self.reference.close_all()
        for task in self._tasks:
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 5.0)
        self._tasks.clear()
        self.traffic.close()

    async def _market_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.step_interval)
            self.market.step()
            for symbol in self.symbols:
                trade = self.market.synthetic_taker_trade(symbol, self.clock())
                if trade is not None:
                    self.matching.on_taker_trade(trade)

    async def _push_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.push_interval)
            for symbol in self.symbols:
                self.push_market_data(symbol)

    def push_market_data(self, symbol: str, only=None) -> None:
        """depth_book + price snapshots to subscribers (or to one new subscriber)."""
        if self.faults.stalled(symbol):
            return
        delay = self.faults.md_delay_s()
        self.push_depth(symbol, only, delay)
        self.push_price(symbol, only, delay)

    def push_depth(self, symbol: str, only=None, delay: float | None = None) -> None:
        if not self.faults.stalled(symbol):
            bids, asks = self.depth(symbol)
            data = depth_json(symbol, bids, asks, self.clock())
            delay = self.faults.md_delay_s() if delay is None else delay
            self.hub.publish_public("depth_book", symbol, data, delay, only)

    def push_price(self, symbol: str, only=None, delay: float | None = None) -> None:
        if not self.faults.stalled(symbol):
            delay = self.faults.md_delay_s() if delay is None else delay
            self.hub.publish_public("price", symbol, self.price_data(symbol), delay, only)

    async def _drop_loop(self) -> None:
        while True:
            every = self.faults.config.ws_drop_every_s
            await asyncio.sleep(every if every > 0 else 0.5)
            if every > 0 and self.faults.config.ws_drop_every_s > 0:
                self.faults.injected["ws_drop"] += 1
                self.hub.close_all(1011, "connection dropped (injected fault)")
