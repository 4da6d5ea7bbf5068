"""OrderTracker: our view of our own orders, cl_ord_id -> LiveOrder, fed by exchange events.

Every state change is an explicit transition (PENDING_NEW -> OPEN -> PENDING_CANCEL ->
CANCELED / FILLED / REJECTED) returned to the caller, who records it. Nothing here does I/O or
reads a clock: `now` is always passed in. Orders whose cl_ord_id lacks our prefix are never
tracked, so nothing downstream can ever cancel an order placed by hand.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import string
from collections import OrderedDict
from dataclasses import dataclass, replace
from decimal import Decimal

from trading.core.domain import ExchangeOrder, Fill, LiveOrder, OrderState, Quote, Side

MAX_CL_ORD_ID_CHARS = 40
_ALPHABET = string.digits + string.ascii_lowercase
_FORGOTTEN_MEMORY = 256  # terminal ids remembered so a late event cannot resurrect them

# Exchange status -> our state; unknown non-terminal ones rest (docs/standx-protocol.md §3.3).
_TERMINAL = {
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "cancelled": OrderState.CANCELED,
    "rejected": OrderState.REJECTED,
    "expired": OrderState.CANCELED,
}


@dataclass(frozen=True)
class Transition:
    """One state change of one of our orders (what the engine records and reacts to)."""

    order: LiveOrder  # the order after the change
    previous: OrderState | None  # None: adopted (we did not know it)
    reason: str = ""

    @property
    def state(self) -> OrderState:
        return self.order.state


@dataclass(frozen=True)
class ReconcileResult:
    adopted: tuple[LiveOrder, ...] = ()  # ours, open on the exchange, unknown to us
    gone: tuple[Transition, ...] = ()  # we thought them live, the exchange does not
    confirmed: tuple[Transition, ...] = ()  # pending_new found resting
    foreign: int = 0  # open orders without our prefix (left alone)


def _base36(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
        if not number:
            return "".join(reversed(digits))


BOT_TAG_CHARS = 5


def bot_tag(bot: str) -> str:
    """A fixed-length tag derived from the bot's name (36^5 = 60 million values): bot names
    may be 40 characters, cl_ord_ids only 40 in all."""
    number = int.from_bytes(hashlib.sha256(bot.encode()).digest()[:8], "big")
    return "".join(_ALPHABET[number // 36**i % 36] for i in range(BOT_TAG_CHARS))


def bot_prefix(base: str, bot: str) -> str:
    """The cl_ord_id prefix of one bot, e.g. 'mmbot-k3x9q-'. Bots sharing an account must
    never take each other's orders for their own (startup cleanup cancels what is ours), so
    no bot's prefix may start another's: every prefix is the same base, a tag of fixed length
    and '-', so two differ or are equal; equal tags are refused at startup
    (trading.fleet.bots.check_prefixes)."""
    return f"{base}{bot_tag(bot)}-"


class ClOrdIdFactory:
    """prefix + a random run id + a counter: unique across restarts, short, and sortable
    within a run (the counter), e.g. 'mmbot-x7k2q-1a'."""

    def __init__(self, prefix: str, run_id: str | None = None):
        self.prefix = prefix
        self.run_id = run_id or "".join(secrets.choice(_ALPHABET) for _ in range(6))
        self._counter = itertools.count(1)
        if len(self.prefix) + len(self.run_id) + 8 > MAX_CL_ORD_ID_CHARS:
            raise ValueError("cl_ord_id prefix too long")

    def next(self, side: Side) -> str:
        return f"{self.prefix}{self.run_id}-{_base36(next(self._counter))}{side.value[0]}"


class OrderTracker:
    def __init__(self, prefix: str, pending_timeout: float = 5.0, run_id: str | None = None):
        self.prefix = prefix
        self.pending_timeout = pending_timeout
        self.ids = ClOrdIdFactory(prefix, run_id)
        self._orders: dict[str, LiveOrder] = {}
        self._changed_at: dict[str, float] = {}
        self._checked_at: dict[str, float] = {}
        self.strategy_version = 0
        self._by_exchange_id: OrderedDict[int, str] = OrderedDict()
        self._forgotten: OrderedDict[str, OrderState] = OrderedDict()

    # ------------------------------------------------------------------ queries

    def is_ours(self, cl_ord_id: str | None) -> bool:
        return cl_ord_id is not None and cl_ord_id.startswith(self.prefix)

    def knows(self, cl_ord_id: str) -> bool:
        """Tracked now, or recently finished (a late update for it is normal)."""
        return cl_ord_id in self._orders or cl_ord_id in self._forgotten

    def get(self, cl_ord_id: str) -> LiveOrder | None:
        return self._orders.get(cl_ord_id)

    def live(self) -> list[LiveOrder]:
        """Every order we believe is on (or on its way to or from) the book."""
        return list(self._orders.values())

    def live_ids(self) -> list[str]:
        return list(self._orders)

    def on_side(self, side: Side, *states: OrderState) -> list[LiveOrder]:
        wanted = states or tuple(s for s in OrderState if s.is_live)
        return [o for o in self._orders.values() if o.side is side and o.state in wanted]

    def resting(self, side: Side, mark: Decimal | None = None) -> LiveOrder | None:
        """The confirmed resting (OPEN) order of a side: the one closest to the mark when
        one is given (what the reward band judges), else the best priced."""
        rows = self.on_side(side, OrderState.OPEN)
        if not rows:
            return None
        if mark is not None:
            return min(rows, key=lambda o: (abs(o.price - mark), o.cl_ord_id))
        return (
            max(rows, key=lambda o: o.price)
            if side is Side.BUY
            else min(rows, key=lambda o: o.price)
        )

    def overdue(self, now: float) -> list[LiveOrder]:
        """PENDING_* orders unconfirmed for pending_timeout (and not checked since)."""
        rows = []
        for cl_ord_id, order in self._orders.items():
            if order.state not in (OrderState.PENDING_NEW, OrderState.PENDING_CANCEL):
                continue
            since = max(self._changed_at[cl_ord_id], self._checked_at.get(cl_ord_id, 0.0))
            if now - since >= self.pending_timeout:
                rows.append(order)
        return rows

    def mark_checked(self, cl_ord_id: str, now: float) -> None:
        """A status check was made: wait another pending_timeout before the next one."""
        if cl_ord_id in self._orders:
            self._checked_at[cl_ord_id] = now

    # ------------------------------------------------------------------ our own actions

    def new_cl_ord_id(self, side: Side) -> str:
        return self.ids.next(side)

    def add_pending(self, quote: Quote, cl_ord_id: str, now: float, ref_mid: Decimal) -> LiveOrder:
        """new_order is about to be sent: PENDING_NEW until the exchange confirms it rests."""
        if not self.is_ours(cl_ord_id):
            raise ValueError("refusing to track an order without our prefix")
        order = LiveOrder(
            cl_ord_id,
            quote.side,
            quote.price,
            quote.qty,
            OrderState.PENDING_NEW,
            sent_at=now,
            ref_mid=ref_mid,
            strategy_version=self.strategy_version,
        )
        self._set(order, now)
        return order

    def cancel_sent(self, cl_ord_id: str, now: float) -> Transition | None:
        order = self._orders.get(cl_ord_id)
        if order is None or order.state is OrderState.PENDING_CANCEL:
            return None
        return self._move(order, OrderState.PENDING_CANCEL, now, "cancel sent")

    def rejected(self, cl_ord_id: str, now: float, reason: str) -> Transition | None:
        """The exchange refused new_order synchronously (or the order never appeared)."""
        order = self._orders.get(cl_ord_id)
        if order is None:
            return None
        return self._move(order, OrderState.REJECTED, now, reason)

    def gone(self, cl_ord_id: str, now: float, reason: str) -> Transition | None:
        """The exchange no longer has it and did not tell us why: treat as canceled."""
        order = self._orders.get(cl_ord_id)
        if order is None:
            return None
        return self._move(order, OrderState.CANCELED, now, reason)

    # ------------------------------------------------------------------ exchange events

    def apply(
        self, update: ExchangeOrder, now: float, authoritative: bool = False
    ) -> Transition | None:
        """An order update (account `order` channel, or query_order when authoritative).

        authoritative=True means we asked for the current status: an 'open' answer for an
        order we had sent a cancel for puts it back to OPEN so the cancel is retried."""
        cl_ord_id = update.cl_ord_id
        if not self.is_ours(cl_ord_id) or cl_ord_id in self._forgotten:
            return None
        order = self._orders.get(cl_ord_id)
        if order is None:
            return None  # ours but unknown: reconcile() adopts it from REST
        if update.id is not None:
            self._by_exchange_id[update.id] = cl_ord_id
            order = replace(order, exchange_id=update.id)
        order = replace(order, fill_qty=update.fill_qty)
        terminal = _TERMINAL.get(update.status)
        if terminal is not None:
            return self._move(order, terminal, now, f"exchange: {update.status}")
        return self._opened(order, now, authoritative)

    def _opened(self, order: LiveOrder, now: float, authoritative: bool) -> Transition | None:
        rested_at = order.rested_at if order.rested_at is not None else now
        order = replace(order, rested_at=rested_at)
        if order.state is OrderState.PENDING_NEW or (
            authoritative and order.state is OrderState.PENDING_CANCEL
        ):
            return self._move(order, OrderState.OPEN, now, "resting")
        self._orders[order.cl_ord_id] = order  # fill_qty / id refresh, no transition
        return None

    def cl_ord_id_for(self, exchange_id: int | None) -> str | None:
        return self._by_exchange_id.get(exchange_id) if exchange_id is not None else None

    def fill_of(self, fill: Fill) -> str | None:
        """cl_ord_id of our order a user fill belongs to (None: not ours, or id unknown).
        Works after the order went terminal too: the trade may arrive after the update."""
        return self.cl_ord_id_for(fill.order_id)

    # ------------------------------------------------------------------ reconcile

    def reconcile(
        self,
        open_orders: list[ExchangeOrder],
        now: float,
        as_of: float | None = None,
        ref_mid: Decimal | None = None,
    ) -> ReconcileResult:
        """Align with a REST query_open_orders answer.

        as_of is when the query was sent: an order that changed state after that moment may
        legitimately be missing from (or extra in) the answer, so it is left alone. PENDING_NEW
        orders missing from the answer are left to the pending timeout (the ack is async).
        """
        as_of = now if as_of is None else as_of
        listed = {o.cl_ord_id: o for o in open_orders if self.is_ours(o.cl_ord_id)}
        foreign = sum(1 for o in open_orders if not self.is_ours(o.cl_ord_id))
        adopted, confirmed = self._adopt_or_confirm(listed, now, ref_mid)
        gone = []
        for cl_ord_id, order in list(self._orders.items()):
            if cl_ord_id in listed or self._changed_at[cl_ord_id] > as_of:
                continue
            if order.state in (OrderState.OPEN, OrderState.PENDING_CANCEL):
                gone.append(self._move(order, OrderState.CANCELED, now, "missing from open orders"))
        return ReconcileResult(tuple(adopted), tuple(gone), tuple(confirmed), foreign)

    def _adopt_or_confirm(
        self, listed: dict[str, ExchangeOrder], now: float, ref_mid: Decimal | None
    ) -> tuple[list[LiveOrder], list[Transition]]:
        adopted: list[LiveOrder] = []
        confirmed: list[Transition] = []
        for cl_ord_id, row in listed.items():
            if cl_ord_id in self._forgotten:
                continue  # a terminal order still listed: the snapshot was older
            known = self._orders.get(cl_ord_id)
            if known is None:
                adopted.append(self._adopt(row, now, ref_mid))
            elif known.state is OrderState.PENDING_NEW:
                transition = self.apply(row, now)
                if transition is not None:
                    confirmed.append(transition)
        return adopted, confirmed

    def _adopt(self, row: ExchangeOrder, now: float, ref_mid: Decimal | None) -> LiveOrder:
        order = LiveOrder(
            row.cl_ord_id,
            row.side,
            row.price,
            row.qty,
            OrderState.OPEN,
            sent_at=now,
            ref_mid=ref_mid if ref_mid is not None else row.price,
            rested_at=now,
            exchange_id=row.id,
            fill_qty=row.fill_qty,
            strategy_version=self.strategy_version,
        )
        if row.id is not None:
            self._by_exchange_id[row.id] = row.cl_ord_id
        self._set(order, now)
        return order

    # ------------------------------------------------------------------ internals

    def _set(self, order: LiveOrder, now: float) -> None:
        self._orders[order.cl_ord_id] = order
        self._changed_at[order.cl_ord_id] = now
        self._checked_at.pop(order.cl_ord_id, None)

    def _move(self, order: LiveOrder, state: OrderState, now: float, reason: str) -> Transition:
        previous = self._orders[order.cl_ord_id].state
        order = replace(order, state=state)
        if state.is_live:
            self._set(order, now)
        else:
            self._forget(order.cl_ord_id, state)
        return Transition(order, previous, reason)

    def _forget(self, cl_ord_id: str, state: OrderState) -> None:
        self._orders.pop(cl_ord_id, None)
        self._changed_at.pop(cl_ord_id, None)
        self._checked_at.pop(cl_ord_id, None)
        self._forgotten[cl_ord_id] = state
        while len(self._forgotten) > _FORGOTTEN_MEMORY:
            self._forgotten.popitem(last=False)
        while len(self._by_exchange_id) > 4 * _FORGOTTEN_MEMORY:
            self._by_exchange_id.popitem(last=False)

    def new_strategy(self) -> None:
        """The strategy changed (spread, sizes...): every order priced under the old one now
        gets decide's "config" trigger and is replaced the normal way (make-before-break)."""
        self.strategy_version += 1

    def clear(self) -> None:
        """Forget everything (after a verified cancel-all, or a symbol switch)."""
        for cl_ord_id in list(self._orders):
            self._forget(cl_ord_id, OrderState.CANCELED)
