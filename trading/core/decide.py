"""PURE: desired quotes + our live orders + now + market -> place/cancel actions with reasons.

No Django, no I/O, no clock: ``now`` is passed in (epoch seconds, like ``LiveOrder.sent_at``).

How each rule is read:

- Live orders are those in PENDING_NEW, OPEN or PENDING_CANCEL; anything terminal passed in
  is ignored. "Active" means PENDING_NEW or OPEN. A PENDING_CANCEL order is already going
  away: it is never cancelled twice and is not the order a side is judged by.
- Triggers for an active order, first match wins:
  ``no_quote``   quoting proposes nothing for that side (the reason is in the quote result);
  ``proximity``  within PROXIMITY_GUARD_BPS of the opposite touch, i.e.
                 ``bid >= best_ask * (1 - guard/10000)`` or ``ask <= best_bid * (1 +
                 guard/10000)`` (the README's "within X bps of best bid/ask", inclusive);
  ``exposure``   quoting had to shrink that side for MAX_NOTIONAL (``desired.capped``) and
                 the live order is larger than the new size (an extension of the brief:
                 the live order itself would breach the cap);
  ``config``     priced under an older strategy (``order.strategy_version`` differs from
                 ``params.strategy_version``: the spread, sizes or caps changed);
  ``stale``      ``now - sent_at > STALE_ORDER_SECONDS`` (strictly older);
  ``drift``      ``|bps_between(market.mid, ref_mid)| > REQUOTE_THRESHOLD_BPS`` (strictly
                 more) and the desired quote differs from the order in price or size (on a
                 coarse tick the mid can drift past the threshold while the rounded quote
                 stays put: requoting to the same price would only lose queue position and
                 spend two requests of the per-IP budget); never applied to PENDING_NEW
                 orders (wait until they rest or fail).
  Otherwise the order is kept: queue position and the ~3 s rest rule matter.
- Urgent triggers are ``proximity`` and ``exposure``: the order may be filled any moment
  (or a fill would breach the cap), so even in make_before_break the old order is cancelled
  in the same batch as the replacement is placed. Being dark for a moment is cheaper than a
  fill. A stale PENDING_NEW is cancelled at once as well: it never rested, so cancelling it
  cannot make the side dark.
- More than one active order on a side: the keeper is the best untriggered order (OPEN
  before PENDING_NEW, then the newest ``sent_at``, then ``cl_ord_id``). Other OPEN orders
  are cancelled: ``replaced`` when they have a trigger (a fresh order now rests, which is how
  a make-before-break completes) and ``duplicate`` when they do not. PENDING_NEW extras are
  left to rest or fail. Without an untriggered order the newest OPEN triggered one is the
  keeper (it still earns uptime until replaced) and the other triggered ones are
  ``duplicate``.

make_before_break, per side:
  no active order -> Place(``missing``), unless ``allow_overlap`` is False and an order of
  ours is still PENDING_CANCEL on that side (then wait for the cancel to land).
  the keeper has a trigger -> Place(reason=trigger, replaces=keeper); ``no_quote`` only
  cancels. A replacement already pending is an untriggered PENDING_NEW on the side: it is
  then the keeper, so nothing new is placed and the old order waits (its cancel comes with
  reason ``replaced`` once the replacement is OPEN, i.e. confirmed resting). With
  ``allow_overlap`` False the side falls back to cancel-first: Cancel(keeper,
  ``cancel_first_fallback:<trigger>``) and the next round places (``missing``).

cancel_first (the original README lifecycle: cancel all, then place), both sides at once:
  the book needs refresh when any active order has a trigger, or a side with a desired quote
  has no live order while the other side still has one (e.g. one side was filled: the
  trigger is then ``missing``). Then every OPEN order is cancelled, and a PENDING_NEW one
  only for a trigger of its own; reason = its own trigger or ``cancel_all:<first trigger>``
  (bid side first). Nothing is placed while any order of ours is live, PENDING_CANCEL
  included; once none is, the fresh bid and ask are placed together (``missing``).
  Duplicates are cancelled as in make_before_break when nothing needs refresh.

Output order is deterministic: urgent cancels, then places, then the other cancels; within a
group the bid side comes first, then by ``cl_ord_id``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping, Protocol, Sequence, Union

from trading.core.domain import BPS, BookTop, LiveOrder, OrderState, Quote, Side, bps_between

MAKE_BEFORE_BREAK = "make_before_break"
CANCEL_FIRST = "cancel_first"
URGENT_TRIGGERS = frozenset({"proximity", "exposure"})
ACTIVE_STATES = frozenset({OrderState.PENDING_NEW, OrderState.OPEN})
SIDES = (Side.BUY, Side.SELL)
FALLBACK_PREFIX = "cancel_first_fallback:"


class DesiredQuotes(Protocol):
    """What decide needs from quoting; ``trading.core.quoting.QuoteResult`` satisfies it."""
    bid: Quote | None
    ask: Quote | None
    capped: frozenset[Side]


@dataclass(frozen=True)
class DecideParams:
    requote_threshold_bps: Decimal
    stale_order_seconds: Decimal
    proximity_guard_bps: Decimal
    requote_mode: str = MAKE_BEFORE_BREAK
    allow_overlap: bool = True
    strategy_version: int = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], allow_overlap: bool = True) -> "DecideParams":
        """Build from a BOT_DEFAULTS-shaped mapping (lower-case setting names)."""
        return cls(Decimal(str(config["requote_threshold_bps"])),
                   Decimal(str(config["stale_order_seconds"])),
                   Decimal(str(config["proximity_guard_bps"])),
                   str(config["requote_mode"]), allow_overlap)

    def __post_init__(self) -> None:
        if self.requote_mode not in (MAKE_BEFORE_BREAK, CANCEL_FIRST):
            raise ValueError(f"unknown requote_mode {self.requote_mode!r}")


@dataclass(frozen=True)
class Place:
    quote: Quote
    reason: str
    replaces: str | None = None


@dataclass(frozen=True)
class Cancel:
    cl_ord_id: str
    side: Side
    reason: str

    @property
    def urgent(self) -> bool:
        """The order itself is about to be filled (or a fill would breach MAX_NOTIONAL)."""
        trigger = self.reason.removeprefix(FALLBACK_PREFIX)
        return trigger in URGENT_TRIGGERS


Action = Union[Place, Cancel]


def trigger_for(order: LiveOrder, desired: Quote | None, capped: bool, now: float,
                market: BookTop, params: DecideParams) -> str | None:
    """Why this active order needs a refresh, or None to keep it (see module docstring)."""
    if desired is None:
        return "no_quote"
    if _near_opposite_touch(order, market, params.proximity_guard_bps):
        return "proximity"
    if capped and order.qty > desired.qty:
        return "exposure"
    if order.strategy_version != params.strategy_version:
        return "config"
    if now - order.sent_at > float(params.stale_order_seconds):
        return "stale"
    if order.state is OrderState.OPEN and \
            abs(bps_between(market.mid, order.ref_mid)) > params.requote_threshold_bps and \
            (order.price, order.qty) != (desired.price, desired.qty):
        return "drift"
    return None


def _near_opposite_touch(order: LiveOrder, market: BookTop, guard_bps: Decimal) -> bool:
    if order.side is Side.BUY:
        return order.price >= market.best_ask * (1 - guard_bps / BPS)
    return order.price <= market.best_bid * (1 + guard_bps / BPS)


@dataclass(frozen=True)
class _SideView:
    """One side's live orders, judged: each active order's trigger, the keeper, the extras."""
    side: Side
    desired: Quote | None
    judged: tuple[tuple[LiveOrder, str | None], ...]   # active orders, by cl_ord_id
    keeper: LiveOrder | None
    keeper_trigger: str | None
    any_live: bool
    cancelling: bool
    extras: tuple[Cancel, ...]


def _freshness(order: LiveOrder) -> tuple:
    return (order.state is OrderState.OPEN, order.sent_at, order.cl_ord_id)


def _view_side(side: Side, orders: Sequence[LiveOrder], desired: DesiredQuotes, now: float,
               market: BookTop, params: DecideParams) -> _SideView:
    quote = desired.bid if side is Side.BUY else desired.ask
    capped = side in desired.capped
    mine = sorted((o for o in orders if o.side is side and o.state.is_live),
                  key=lambda o: o.cl_ord_id)
    judged = tuple((o, trigger_for(o, quote, capped, now, market, params))
                   for o in mine if o.state in ACTIVE_STATES)
    fine = [o for o, trigger in judged if trigger is None]
    keeper = max(fine or [o for o, _ in judged], key=_freshness, default=None)
    keeper_trigger = None if fine else next((t for o, t in judged if o is keeper), None)
    extras = tuple(cancel for o, trigger in judged if o is not keeper
                   for cancel in _extra_cancel(o, trigger, keeper, keeper_fine=bool(fine)))
    return _SideView(side, quote, judged, keeper, keeper_trigger, any_live=bool(mine),
                     cancelling=any(o.state is OrderState.PENDING_CANCEL for o in mine),
                     extras=extras)


def _extra_cancel(order: LiveOrder, trigger: str | None, keeper: LiveOrder,
                  keeper_fine: bool) -> tuple[Cancel, ...]:
    """What to do with an active order that is not the keeper of its side."""
    def cancel(reason: str) -> tuple[Cancel, ...]:
        return (Cancel(order.cl_ord_id, order.side, reason),)

    if trigger in URGENT_TRIGGERS or trigger == "no_quote":
        return cancel(trigger)
    if order.state is OrderState.PENDING_NEW:
        # Unconfirmed: let it rest or fail, unless it has been unconfirmed for too long.
        return cancel("stale") if trigger == "stale" else ()
    if not keeper_fine:
        return cancel("duplicate")
    if keeper.state is OrderState.OPEN:
        return cancel("replaced" if trigger else "duplicate")
    return ()   # the replacement is still PENDING_NEW: keep the old order resting meanwhile


def _make_before_break(view: _SideView, params: DecideParams) -> list[Action]:
    actions: list[Action] = list(view.extras)
    keeper, trigger = view.keeper, view.keeper_trigger
    if keeper is None:
        if view.desired is not None and (params.allow_overlap or not view.cancelling):
            actions.append(Place(view.desired, "missing"))
        return actions
    if trigger is None:
        return actions
    if trigger == "no_quote" or view.desired is None:
        return actions + [Cancel(keeper.cl_ord_id, view.side, "no_quote")]
    if not params.allow_overlap:
        return actions + [Cancel(keeper.cl_ord_id, view.side, FALLBACK_PREFIX + trigger)]
    actions.append(Place(view.desired, trigger, replaces=keeper.cl_ord_id))
    if trigger in URGENT_TRIGGERS or keeper.state is OrderState.PENDING_NEW:
        actions.append(Cancel(keeper.cl_ord_id, view.side, trigger))
    return actions


def _cancel_first(views: Sequence[_SideView]) -> list[Action]:
    if not any(view.any_live for view in views):
        return [Place(view.desired, "missing") for view in views if view.desired is not None]
    judged = [(o, t) for view in views for o, t in view.judged]
    triggers = [t for view in views for _, t in view.judged if t is not None] + [
        "missing" for view in views if view.desired is not None and not view.any_live]
    if not triggers:
        return [cancel for view in views for cancel in view.extras]
    # Unconfirmed orders are only swept for a trigger of their own (they cannot drift).
    return [Cancel(o.cl_ord_id, o.side, t or f"cancel_all:{triggers[0]}")
            for o, t in judged if o.state is OrderState.OPEN or t is not None]


def _ordered(actions: Iterable[Action]) -> list[Action]:
    def key(action: Action) -> tuple:
        side = action.quote.side if isinstance(action, Place) else action.side
        group = 1 if isinstance(action, Place) else (0 if action.urgent else 2)
        ident = action.quote.price if isinstance(action, Place) else action.cl_ord_id
        return (group, SIDES.index(side), str(ident))
    return sorted(actions, key=key)


def decide(desired: DesiredQuotes, live_orders: Iterable[LiveOrder], now: float,
           market: BookTop, params: DecideParams) -> list[Action]:
    """Actions that move our live orders toward the desired quotes (rules in the docstring)."""
    orders = list(live_orders)
    views = [_view_side(side, orders, desired, now, market, params) for side in SIDES]
    if params.requote_mode == CANCEL_FIRST:
        return _ordered(_cancel_first(views))
    return _ordered(a for view in views for a in _make_before_break(view, params))


def pull_all(live_orders: Iterable[LiveOrder], reason: str) -> list[Cancel]:
    """Cancel every order of ours that is PENDING_NEW or OPEN (feed stall, kill, stop).

    PENDING_CANCEL orders are already on their way out and are not cancelled twice.
    """
    return [Cancel(o.cl_ord_id, o.side, reason)
            for o in sorted(live_orders, key=lambda o: (SIDES.index(o.side), o.cl_ord_id))
            if o.state in ACTIVE_STATES]
