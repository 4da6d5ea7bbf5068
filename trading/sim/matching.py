"""Matching engine of the simulator: accepts orders (synchronous checks that can 400),
applies them after the ack latency (ALO cross -> rejected, otherwise rest or take), fills
resting orders when the market trades through them, keeps ground truth per account+symbol.

Accounts do not trade with each other: resting orders fill only against the synthetic
market (the mid crossing the order price, or a synthetic taker trade at the touch). In a
followed market (a recording or StandX's public streams: `queue` set), they fill as
queue_fills.py says, from the public books and trades, and make no public trade of their own:
they are virtual."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from trading.core.domain import Side
from trading.sim.accounts import ZERO, Account, SimOrder, SimPosition
from trading.sim.config import SimConfig
from trading.sim.errors import ApiError, bad_request
from trading.sim.groundtruth import GroundTruth
from trading.sim.market import Market, PublicTrade
from trading.sim.queue_fills import QueueFills
from trading.sim.symbols import PRICE_BAND_RATIO, SYMBOLS
from trading.sim.truth_hours import SnapshotClock
from trading.sim.util import id_sequence, new_ulid
from trading.sim.validation import OrderRequest


class EventSink(Protocol):
    def order_event(self, order: SimOrder) -> None: ...
    def trade_event(self, user: str, trade: dict) -> None: ...
    def position_event(self, user: str, position: SimPosition) -> None: ...
    def balance_event(self, user: str) -> None: ...
    def public_trade(self, trade: PublicTrade) -> None: ...
    def session_result(
        self, session_id: str | None, request_id: str, code: int, message: str
    ) -> None: ...
    def cancel_refused(
        self, user: str, session_id: str | None, request_id: str, message: str
    ) -> None: ...


def not_open(order: SimOrder) -> str:
    """Why a cancel of an order that is no longer live is refused."""
    return f"order is not open (status {order.status})"


class Matching:
    def __init__(
        self,
        config: SimConfig,
        market: Market,
        sink: EventSink,
        inject_alo_reject: Callable[[], bool] = lambda: False,
        queue: QueueFills | None = None,
    ) -> None:
        self.config = config
        self.market = market
        self.sink = sink
        self.inject_alo_reject = inject_alo_reject
        self.queue = queue  # a followed market's fill rule; None: the walk's
        self.clock = config.clock
        self.accounts: dict[str, Account] = {}
        self.resting: dict[str, dict[int, SimOrder]] = {s: {} for s in market.symbols}
        self.truth: dict[tuple[str, str], GroundTruth] = {}
        self.snapshots = SnapshotClock(config.seed, config.uptime_snapshots_per_hour)
        # Unique across restarts, as StandX's (util.id_sequence): a client keeping trades by
        # id must never meet one again after the simulator restarts.
        self._order_ids = id_sequence()
        self._trade_ids = id_sequence()
        self._position_ids = id_sequence()
        market.listeners.append(self.on_market)

    # ---- accepting (synchronous; may raise ApiError with no state change) ------------------
    def accept_new_order(
        self, account: Account, req: OrderRequest, session_id: str | None, request_id: str
    ) -> SimOrder:
        d = SYMBOLS[req.symbol]
        if req.cl_ord_id and (o := account.find_order(None, req.cl_ord_id)) and o.live:
            raise bad_request(f"duplicate cl_ord_id: {req.cl_ord_id}")
        if len(account.live_orders()) >= self.config.max_open_orders:
            raise bad_request(f"max open orders reached ({self.config.max_open_orders})")
        leverage = account.leverage_for(req.symbol, d.def_leverage)
        mark = self.market.get(req.symbol).mark
        if req.price is not None and abs(req.price - mark) > mark * PRICE_BAND_RATIO:
            raise bad_request(
                f"price {req.price} is outside the allowed band "
                f"(mark {mark} +/- {PRICE_BAND_RATIO * 100}%)"
            )
        margin = ZERO if req.reduce_only else req.qty * (req.price or mark) / leverage
        if req.reduce_only:
            self._check_reduce_only(account, req)
        elif margin > account.available(self.marks()):
            raise bad_request("insufficient margin")
        return self._create_order(account, req, leverage, margin, session_id, request_id)

    def _check_reduce_only(self, account: Account, req: OrderRequest) -> None:
        pos = account.positions.get(req.symbol)
        reducing = pos is not None and pos.qty != 0 and (pos.qty > 0) == (req.side is Side.SELL)
        pending = sum(
            (
                o.remaining
                for o in account.live_orders(req.symbol)
                if o.reduce_only and o.side is req.side
            ),
            ZERO,
        )
        if pos is None or not reducing or req.qty > abs(pos.qty) - pending:
            raise bad_request("reduce_only order would not reduce the position")

    def _create_order(
        self,
        account: Account,
        req: OrderRequest,
        leverage: int,
        margin: Decimal,
        session_id: str | None,
        request_id: str,
    ) -> SimOrder:
        now = self.clock()
        order = SimOrder(
            id=next(self._order_ids),
            cl_ord_id=req.cl_ord_id or new_ulid(now),
            user=account.user,
            symbol=req.symbol,
            side=req.side,
            order_type=req.order_type,
            time_in_force=req.time_in_force,
            reduce_only=req.reduce_only,
            price=req.price,
            qty=req.qty,
            leverage=leverage,
            locked=margin,
            created_at=now,
            updated_at=now,
            session_id=session_id,
            request_id=request_id,
        )
        account.orders[order.id] = order
        account.by_cl_ord_id[order.cl_ord_id] = order.id
        return order

    def accept_cancel(
        self, account: Account, order_id: int | None, cl_ord_id: str | None
    ) -> SimOrder:
        order = account.find_order(order_id, cl_ord_id)
        if order is None and order_id is not None and cl_ord_id:
            order = account.find_order(None, cl_ord_id)
        if order is None:
            raise bad_request("order not found")
        if not order.live:
            raise bad_request(not_open(order))
        return order

    # ---- applying (after the ack latency) --------------------------------------------------
    def process_new(self, order: SimOrder) -> None:
        if order.status != "new":
            return  # canceled before it reached matching
        crossing = self._would_cross(order)
        if order.time_in_force == "alo" and (crossing or self.inject_alo_reject()):
            return self._finish(order, "rejected", 400, "alo order rejected")
        if crossing:
            return self._take(order)
        if order.time_in_force == "ioc":
            return self._finish(order, "canceled", 0, "success")
        self._rest(order)
        self.sink.session_result(order.session_id, order.request_id, 0, "success")

    def process_cancel(self, order: SimOrder, session_id: str | None, request_id: str) -> None:
        """A cancel accepted while the order was live; refused (400) when it left meanwhile
        (rejected, filled, canceled): answered on the session and counted as a rejection,
        like the same refusal answered at once over REST."""
        if not order.live:
            self.sink.cancel_refused(order.user, session_id, request_id, not_open(order))
            return
        order.session_id, order.request_id = session_id, request_id
        self._finish(order, "canceled", 0, "success")

    def _would_cross(self, order: SimOrder) -> bool:
        if order.order_type == "market":
            return True
        opposite = self.best_displayed(order.symbol, order.side.opposite)
        price = order.limit_price
        return price >= opposite if order.side is Side.BUY else price <= opposite

    def best_displayed(self, symbol: str, side: Side) -> Decimal:
        """Best price on a side of the displayed book: synthetic levels + resting orders."""
        prices = [o.limit_price for o in self.resting[symbol].values() if o.side is side]
        prices.append(self.market.best(symbol, side))
        return max(prices) if side is Side.BUY else min(prices)

    def _rest(self, order: SimOrder) -> None:
        now = self.clock()
        order.status, order.updated_at = "open", now
        self.resting[order.symbol][order.id] = order
        truth = self.truth_for(order.user, order.symbol)
        truth.mark_changed(now, self.market.get(order.symbol).mark)
        truth.order_rested(now, order.id, order.side, order.limit_price, order.remaining)
        if self.queue is not None:
            self.queue.rested(order, self.market.get(order.symbol))
        self.sink.order_event(order)

    def _finish(self, order: SimOrder, status: str, code: int, message: str) -> None:
        now = self.clock()
        order.status, order.updated_at, order.locked = status, now, ZERO
        self._leave_book(order, now, status)
        self.sink.order_event(order)
        self.sink.session_result(order.session_id, order.request_id, code, message)
        self.sink.balance_event(order.user)

    def _take(self, order: SimOrder) -> None:
        price = self.market.best(order.symbol, order.side.opposite)
        self.sink.session_result(order.session_id, order.request_id, 0, "success")
        self._fill(order, order.remaining, price, self.config.taker_fee, taker=True)

    # ---- market-driven fills ---------------------------------------------------------------
    def on_market(self, symbol: str) -> None:
        now, mid = self.clock(), self.market.get(symbol).mid
        mark = self.market.get(symbol).mark
        for (_user, sym), truth in self.truth.items():
            if sym == symbol:
                truth.mark_changed(now, mark)
        if self.queue is not None:
            orders = list(self.resting[symbol].values())
            return self._fill_makers(self.queue.on_book(orders, self.market.get(symbol)))
        for order in list(self.resting[symbol].values()):
            price = order.limit_price
            through = mid <= price if order.side is Side.BUY else mid >= price
            if through:
                self._fill(order, order.remaining, price, self.config.maker_fee, taker=False)

    def on_public_trade(self, trade: PublicTrade) -> None:
        """A followed market's public trade: published, and the resting orders it reached
        filled (queue_fills.py)."""
        assert self.queue is not None, "only a followed market has public trades of its own"
        self.market.record_trade(trade)
        self.sink.public_trade(trade)
        orders = list(self.resting[trade.symbol].values())
        self._fill_makers(self.queue.on_trade(orders, trade))

    def _fill_makers(self, fills: list[tuple[SimOrder, Decimal]]) -> None:
        for order, qty in fills:
            if order.live and qty > 0:  # an earlier fill of the list may have ended it
                qty = min(qty, order.remaining)
                self._fill(order, qty, order.limit_price, self.config.maker_fee, taker=False)

    def on_taker_trade(self, trade: PublicTrade) -> None:
        """A synthetic taker at the touch also takes from resting orders at or inside it."""
        self.market.record_trade(trade)
        self.sink.public_trade(trade)
        self.take_at_touch(trade)

    def take_at_touch(self, trade: PublicTrade) -> None:
        """The walk's rule: resting orders at or inside the synthetic taker's price fill, in
        the order they were created, up to its size."""
        hit_side = Side.SELL if trade.is_buyer_taker else Side.BUY
        left = trade.qty
        for order in sorted(self.resting[trade.symbol].values(), key=lambda o: o.created_at):
            price = order.limit_price
            at_touch = price <= trade.price if hit_side is Side.SELL else price >= trade.price
            if order.side is hit_side and at_touch and left > 0:
                qty = min(left, order.remaining)
                left -= qty
                self._fill(order, qty, price, self.config.maker_fee, taker=False)

    def _fill(
        self, order: SimOrder, qty: Decimal, price: Decimal, fee_rate: Decimal, taker: bool
    ) -> None:
        now, account = self.clock(), self.accounts[order.user]
        fee = qty * price * fee_rate
        pos = self.position_for(account, order.symbol)
        pnl = pos.apply_fill(order.side, qty, price)
        pos.updated_at = now
        account.balance += pnl - fee
        order.fill_qty += qty
        order.fill_value += qty * price
        order.locked = (
            ZERO if order.reduce_only else order.remaining * (order.price or price) / order.leverage
        )
        order.updated_at = now
        self.truth_for(order.user, order.symbol).fill()
        trade = self._record_trade(account, order, qty, price, fee, pnl, now)
        if not taker and self.queue is None:  # a followed market's fills are virtual
            public = PublicTrade(order.symbol, price, qty, order.side is Side.SELL, now)
            self.market.record_trade(public)
            self.sink.public_trade(public)
        if order.remaining == 0:
            self._finish_filled(order, now)
        else:
            self.truth_for(order.user, order.symbol).order_resized(now, order.id, order.remaining)
            self.sink.order_event(order)
        self.sink.trade_event(order.user, trade)
        self.sink.position_event(order.user, pos)
        self.sink.balance_event(order.user)

    def _finish_filled(self, order: SimOrder, now: float) -> None:
        order.status, order.locked = "filled", ZERO
        self._leave_book(order, now, "filled")
        self.sink.order_event(order)

    def _leave_book(self, order: SimOrder, now: float, reason: str) -> None:
        if self.resting[order.symbol].pop(order.id, None) is not None:
            self.truth_for(order.user, order.symbol).order_left(now, order.id, reason)
            if self.queue is not None:
                self.queue.left(order.id)

    def _record_trade(
        self,
        account: Account,
        order: SimOrder,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        pnl: Decimal,
        now: float,
    ) -> dict:
        trade = {
            "id": next(self._trade_ids),
            "order_id": order.id,
            "symbol": order.symbol,
            "side": order.side.value,
            "price": price,
            "qty": qty,
            "value": qty * price,
            "fee_qty": fee,
            "pnl": pnl,
            "time": now,
        }
        account.trades.append(trade)
        return trade

    # ---- lookups ---------------------------------------------------------------------------
    def marks(self) -> dict[str, Decimal]:
        return {s: m.mark for s, m in self.market.symbols.items()}

    def truth_for(self, user: str, symbol: str) -> GroundTruth:
        key = (user, symbol)
        if key not in self.truth:
            self.truth[key] = self.new_truth(symbol)
        return self.truth[key]

    def new_truth(self, symbol: str) -> GroundTruth:
        return GroundTruth(
            self.config.band_bps,
            SYMBOLS[symbol].uptime_cap_qty,
            self.snapshots,
            self.config.reward,
            self.config.reward.terms_for(symbol),
        )

    def position_for(self, account: Account, symbol: str) -> SimPosition:
        if symbol not in account.positions:
            now, pid = self.clock(), next(self._position_ids)
            account.positions[symbol] = SimPosition(symbol, pid, created_at=now, updated_at=now)
        return account.positions[symbol]

    def account(self, user: str) -> Account:
        if user not in self.accounts:
            raise ApiError(401, "unknown account")
        return self.accounts[user]
