"""PURE: desired quotes + our live orders + now + market -> place/cancel actions, typed.

No Django, no I/O, no clock: ``now`` is passed in (epoch seconds, like ``LiveOrder.sent_at``).

How each rule is read:

- Live orders are those in PENDING_NEW, OPEN or PENDING_CANCEL; anything terminal passed in
  is ignored. "Active" means PENDING_NEW or OPEN. A PENDING_CANCEL order is already going
  away: it is never cancelled twice and is not the order a side is judged by.
- Triggers for an active order (``Trigger``), first match wins:
  ``NO_QUOTE``   quoting proposes nothing for that side (the reason is in the quote result);
  ``PROXIMITY``  within PROXIMITY_GUARD_BPS of the opposite touch, i.e.
                 ``bid >= best_ask * (1 - guard/10000)`` or ``ask <= best_bid * (1 +
                 guard/10000)`` (the README's "within X bps of best bid/ask", inclusive);
  ``EXPOSURE``   quoting had to shrink that side for MAX_NOTIONAL (``desired.capped``) and
                 the live order is larger than the new size (the live order itself would
                 breach the cap);
  ``BAND``       the order is outside the reward window of the mark (``params.band``: the
                 band strategy's window, or the reward band itself in ``spread`` mode when the
                 desired quote is inside it) while the desired quote is inside it;
  ``CONFIG``     priced under an older strategy (``order.strategy_version`` differs from
                 ``params.strategy_version``: the spread, sizes or caps changed);
  ``STALE``      ``now - sent_at > STALE_ORDER_SECONDS`` (strictly older);
  ``DRIFT``      ``|bps_between(market.mid, ref_mid)| > REQUOTE_THRESHOLD_BPS`` (strictly
                 more); never applied to PENDING_NEW orders (wait until they rest or fail).
  Otherwise the order is kept: queue position and the ~3 s rest rule matter.
- Never replace an order with an identical one: a triggered order whose desired quote has
  the same price and size is kept (an urgent trigger cancels it without a replacement). A
  replacement to the same price would only lose queue position, count as a flicker-cancel
  and spend two requests of the per-IP budget.
- Minimum rest: no non-urgent cancel hits an OPEN order that has rested less than
  ``params.min_rest_seconds``, save to make room for a replacement (below) (StandX counts
  an order only after it rested ~3 s and penalises flicker-cancels): CONFIG, STALE and
  DRIFT wait for it; BAND places the replacement at once (make-before-break) but the young
  order stays beside it until it has rested. Urgent triggers always act (a fill costs more
  than a flicker).
- Urgent triggers are ``PROXIMITY`` and ``EXPOSURE``: the order may be filled any moment
  (or a fill would breach the cap), so even in make_before_break the old order is cancelled
  in the same batch as the replacement is placed. Being dark for a moment is cheaper than a
  fill. A stale PENDING_NEW is cancelled at once as well: it never rested, so cancelling it
  cannot make the side dark.
- More than one active order on a side: the keeper is the best untriggered order (OPEN
  before PENDING_NEW, then the newest ``sent_at``, then ``cl_ord_id``). Other OPEN orders
  are cancelled: ``REPLACED`` when they have a trigger (a fresh order now rests, which is how
  a make-before-break completes) and ``DUPLICATE`` when they do not. PENDING_NEW extras are
  left to rest or fail. Without an untriggered order the newest OPEN triggered one is the
  keeper (it still earns uptime until replaced) and the other triggered ones are
  ``DUPLICATE``.
- A side the requote breaker holds (``params.holding``) places nothing: its keeper stays
  unless an urgent trigger or ``NO_QUOTE`` removes it, and a dark side stays dark until the
  hold ends. Cancels never wait for the breaker.
- Room on a side: nothing is placed on a side that already has ``MAX_ORDERS_PER_SIDE``
  (the keeper and one replacement) live orders, PENDING_CANCEL included (the exchange holds
  an order until its cancel lands, and it may fill meanwhile), nor an order that would take
  the position plus every live order of the side that grows it past MAX_NOTIONAL
  (``params.exposure``, trading/core/inventory.ExposureLimit). A replacement without room
  cancels what is in the way first (``CancelHow.ROOM``: the other order of a full side, or
  the keeper itself when MAX_NOTIONAL leaves no room beside it; young or not, since none
  of them is where quoting wants it) and is placed once the cancels have landed.

make_before_break, per side:
  no active order -> Place(``MISSING``), unless ``allow_overlap`` is False and an order of
  ours is still PENDING_CANCEL on that side (then wait for the cancel to land), or the side
  has no room for it.
  the keeper has a trigger -> Place(trigger, replaces=keeper); ``NO_QUOTE`` only
  cancels. A replacement already pending is an untriggered PENDING_NEW on the side: it is
  then the keeper, so nothing new is placed and the old order waits (its cancel comes as
  ``REPLACED`` once the replacement is OPEN, i.e. confirmed resting). With ``allow_overlap``
  False the side falls back to cancel-first: Cancel(keeper, trigger, FALLBACK) and the next
  round places (``MISSING``).

cancel_first (the original README lifecycle: cancel all, then place), both sides at once:
  the book needs refresh when any active order has a trigger, or a side with a desired quote
  has no live order while the other side still has one (e.g. one side was filled: the
  trigger is then ``MISSING``). Then every OPEN order is cancelled, and a PENDING_NEW one
  only for a trigger of its own; each cancel carries its own trigger (``OWN``) or the first
  trigger found (``SWEEP``, bid side first). Nothing is placed while any order of ours is
  live, PENDING_CANCEL included; once none is, the fresh bid and ask are placed together
  (``MISSING``). Duplicates are cancelled as in make_before_break when nothing needs refresh.

Output order is deterministic: urgent cancels, then places, then the other cancels; within a
group the bid side comes first, then by ``cl_ord_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from trading.core.actions import Action, BandWindow, Cancel, CancelHow, Place, Trigger
from trading.core.domain import BPS, BookTop, LiveOrder, OrderState, Quote, Side, bps_between
from trading.core.inventory import ExposureLimit

MAKE_BEFORE_BREAK = "make_before_break"
CANCEL_FIRST = "cancel_first"
ACTIVE_STATES = frozenset({OrderState.PENDING_NEW, OrderState.OPEN})
SIDES = (Side.BUY, Side.SELL)
# The keeper and one replacement: more orders on a side only stack exposure and requests
# (a fast market once left 9 of ours on one side, replacements beside young keepers).
MAX_ORDERS_PER_SIDE = 2


class DesiredQuotes(Protocol):
    """What decide needs from quoting; ``trading.core.quoting.QuoteResult`` satisfies it."""

    @property
    def capped(self) -> frozenset[Side]: ...

    def quote_for(self, side: Side) -> Quote | None: ...


@dataclass(frozen=True)
class DecideParams:
    requote_threshold_bps: Decimal
    stale_order_seconds: Decimal
    proximity_guard_bps: Decimal
    requote_mode: str = MAKE_BEFORE_BREAK
    allow_overlap: bool = True
    strategy_version: int = 0
    band: Mapping[Side, BandWindow] | None = None  # None: no band trigger
    min_rest_seconds: float = 0.0
    holding: frozenset[Side] = frozenset()  # sides the requote breaker holds
    window_only: bool = False  # band strategy: the window replaces STALE and DRIFT
    exposure: ExposureLimit | None = None  # None: no MAX_NOTIONAL to hold the sides to

    def window(self, side: Side) -> BandWindow | None:
        return None if self.band is None else self.band.get(side)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], allow_overlap: bool = True) -> DecideParams:
        """Build from a BOT_DEFAULTS-shaped mapping (lower-case setting names)."""
        return cls(
            Decimal(str(config["requote_threshold_bps"])),
            Decimal(str(config["stale_order_seconds"])),
            Decimal(str(config["proximity_guard_bps"])),
            str(config["requote_mode"]),
            allow_overlap,
        )

    def __post_init__(self) -> None:
        if self.requote_mode not in (MAKE_BEFORE_BREAK, CANCEL_FIRST):
            raise ValueError(f"unknown requote_mode {self.requote_mode!r}")


def trigger_for(
    order: LiveOrder,
    desired: Quote | None,
    capped: bool,
    now: float,
    market: BookTop,
    params: DecideParams,
) -> Trigger | None:
    """Why this active order needs a refresh, or None to keep it (see module docstring)."""
    if desired is None:
        return Trigger.NO_QUOTE
    if _near_opposite_touch(order, market, params.proximity_guard_bps):
        return Trigger.PROXIMITY
    if capped and order.qty > desired.qty:
        return Trigger.EXPOSURE
    if (order.price, order.qty) == (desired.price, desired.qty):
        return None  # nothing better to replace it with
    band = params.window(order.side)
    if band is not None and not band.holds(order.price) and band.holds(desired.price):
        # Young or not: the replacement goes now; the old order's cancel waits for the rest
        # rule (see _extra_cancel): a flicker-cancel costs more than a moment of overlap.
        return Trigger.BAND
    if _young(order, now, params):
        return None
    return _refresh_trigger(order, desired, now, market, params)


def _young(order: LiveOrder, now: float, params: DecideParams) -> bool:
    """Rested for less than the minimum rest: no non-urgent cancel may hit it yet."""
    return (
        order.state is OrderState.OPEN
        and order.rested_at is not None
        and now - order.rested_at < params.min_rest_seconds
    )


def _refresh_trigger(
    order: LiveOrder, desired: Quote, now: float, market: BookTop, params: DecideParams
) -> Trigger | None:
    if order.strategy_version != params.strategy_version:
        return Trigger.CONFIG
    if params.window_only:
        return None
    if now - order.sent_at > float(params.stale_order_seconds):
        return Trigger.STALE
    if (
        order.state is OrderState.OPEN
        and abs(bps_between(market.mid, order.ref_mid)) > params.requote_threshold_bps
    ):
        return Trigger.DRIFT
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
    judged: tuple[tuple[LiveOrder, Trigger | None], ...]  # active orders, by cl_ord_id
    keeper: LiveOrder | None
    keeper_trigger: Trigger | None
    live: tuple[LiveOrder, ...]  # every live order of the side, PENDING_CANCEL included
    extras: tuple[Cancel, ...]

    @property
    def any_live(self) -> bool:
        return bool(self.live)

    @property
    def cancelling(self) -> bool:
        return any(o.state is OrderState.PENDING_CANCEL for o in self.live)


def _freshness(order: LiveOrder) -> tuple[bool, float, str]:
    return (order.state is OrderState.OPEN, order.sent_at, order.cl_ord_id)


def _view_side(
    side: Side,
    orders: Sequence[LiveOrder],
    desired: DesiredQuotes,
    now: float,
    market: BookTop,
    params: DecideParams,
) -> _SideView:
    quote = desired.quote_for(side)
    capped = side in desired.capped
    mine = sorted(
        (o for o in orders if o.side is side and o.state.is_live), key=lambda o: o.cl_ord_id
    )
    judged = tuple(
        (o, trigger_for(o, quote, capped, now, market, params))
        for o in mine
        if o.state in ACTIVE_STATES
    )
    fine = [o for o, trigger in judged if trigger is None]
    keeper = max(fine or [o for o, _ in judged], key=_freshness, default=None)
    keeper_trigger = None if fine else next((t for o, t in judged if o is keeper), None)
    extras = (
        ()
        if keeper is None
        else tuple(
            cancel
            for o, trigger in judged
            if o is not keeper
            for cancel in _extra_cancel(o, trigger, keeper, bool(fine), now, params)
        )
    )
    return _SideView(side, quote, judged, keeper, keeper_trigger, live=tuple(mine), extras=extras)


def _extra_cancel(
    order: LiveOrder,
    trigger: Trigger | None,
    keeper: LiveOrder,
    keeper_fine: bool,
    now: float,
    params: DecideParams,
) -> tuple[Cancel, ...]:
    """What to do with an active order that is not the keeper of its side."""

    def cancel(why: Trigger) -> tuple[Cancel, ...]:
        return (Cancel(order.cl_ord_id, order.side, why),)

    if trigger is not None and (trigger.urgent or trigger is Trigger.NO_QUOTE):
        return cancel(trigger)
    if _young(order, now, params):
        return ()  # the minimum rest: it goes once it has rested
    if order.state is OrderState.PENDING_NEW:
        # Unconfirmed: let it rest or fail, unless it has been unconfirmed for too long.
        return cancel(Trigger.STALE) if trigger is Trigger.STALE else ()
    if not keeper_fine:
        return cancel(Trigger.DUPLICATE)
    if keeper.state is OrderState.OPEN:
        return cancel(Trigger.REPLACED if trigger else Trigger.DUPLICATE)
    return ()  # the replacement is still PENDING_NEW: keep the old order resting meanwhile


def _has_room(view: _SideView, quote: Quote, params: DecideParams) -> bool:
    """One more order fits on the side: fewer than MAX_ORDERS_PER_SIDE live, and the
    position plus them and ``quote`` within MAX_NOTIONAL (see the module docstring)."""
    if len(view.live) >= MAX_ORDERS_PER_SIDE:
        return False
    return params.exposure is None or params.exposure.allows(quote, view.live)


def _make_room(view: _SideView, keeper: LiveOrder, trigger: Trigger) -> list[Action]:
    """A replacement without room beside what the side holds: what is in the way goes
    first, young or not (no order of the side is where quoting wants it, and waiting for the
    rest rule would leave the side there), and the replacement follows once it is gone.
    In the way: the other active orders of a full side, else the keeper itself (MAX_NOTIONAL
    leaves no room beside it). Orders already being cancelled are only waited for."""
    if trigger.urgent or keeper.state is OrderState.PENDING_NEW:
        return [Cancel(keeper.cl_ord_id, view.side, trigger)]
    going = {cancel.cl_ord_id for cancel in view.extras}
    others = [(o, t) for o, t in view.judged if o is not keeper and o.cl_ord_id not in going]
    if len(view.live) >= MAX_ORDERS_PER_SIDE:
        return [
            Cancel(o.cl_ord_id, view.side, t or Trigger.DUPLICATE, CancelHow.ROOM, requote=True)
            for o, t in others
        ]
    return [Cancel(keeper.cl_ord_id, view.side, trigger, CancelHow.ROOM, requote=True)]


def _make_before_break(view: _SideView, now: float, params: DecideParams) -> list[Action]:
    actions: list[Action] = list(view.extras)
    keeper, trigger = view.keeper, view.keeper_trigger
    holding = view.side in params.holding
    if keeper is None:
        if (
            view.desired is not None
            and not holding
            and (params.allow_overlap or not view.cancelling)
            and _has_room(view, view.desired, params)
        ):
            actions.append(Place(view.desired, Trigger.MISSING))
        return actions
    if trigger is None:
        return actions
    if trigger is Trigger.NO_QUOTE or view.desired is None:
        return actions + [Cancel(keeper.cl_ord_id, view.side, Trigger.NO_QUOTE)]
    if holding or (view.desired.price, view.desired.qty) == (keeper.price, keeper.qty):
        # Nothing to place: an urgent trigger still takes the order off the book.
        return actions + ([Cancel(keeper.cl_ord_id, view.side, trigger)] if trigger.urgent else [])
    if not params.allow_overlap:
        if _young(keeper, now, params):
            return actions  # the rest rule: the fallback cancel waits for it
        return actions + [
            Cancel(keeper.cl_ord_id, view.side, trigger, CancelHow.FALLBACK, requote=True)
        ]
    if not _has_room(view, view.desired, params):
        return actions + _make_room(view, keeper, trigger)
    actions.append(Place(view.desired, trigger, replaces=keeper.cl_ord_id))
    if trigger.urgent or keeper.state is OrderState.PENDING_NEW:
        actions.append(Cancel(keeper.cl_ord_id, view.side, trigger))
    return actions


def _cancel_first(views: Sequence[_SideView], params: DecideParams) -> list[Action]:
    if not any(view.any_live for view in views):
        return [
            Place(view.desired, Trigger.MISSING)
            for view in views
            if view.desired is not None
            and view.side not in params.holding
            and _has_room(view, view.desired, params)
        ]
    judged = [(o, t) for view in views for o, t in view.judged]
    triggers = [t for view in views for _, t in view.judged if t is not None] + [
        Trigger.MISSING for view in views if view.desired is not None and not view.any_live
    ]
    if not triggers:
        return [cancel for view in views for cancel in view.extras]
    # Unconfirmed orders are only swept for a trigger of their own (they cannot drift).
    return [
        Cancel(o.cl_ord_id, o.side, t, requote=True)
        if t is not None
        else Cancel(o.cl_ord_id, o.side, triggers[0], CancelHow.SWEEP, requote=True)
        for o, t in judged
        if o.state is OrderState.OPEN or t is not None
    ]


def _ordered(actions: Iterable[Action]) -> list[Action]:
    def key(action: Action) -> tuple[int, int, str]:
        group = 1 if isinstance(action, Place) else (0 if action.urgent else 2)
        ident = action.quote.price if isinstance(action, Place) else action.cl_ord_id
        return (group, SIDES.index(action.side), str(ident))

    return sorted(actions, key=key)


def decide(
    desired: DesiredQuotes,
    live_orders: Iterable[LiveOrder],
    now: float,
    market: BookTop,
    params: DecideParams,
) -> list[Action]:
    """Actions that move our live orders toward the desired quotes (rules in the docstring)."""
    orders = list(live_orders)
    views = [_view_side(side, orders, desired, now, market, params) for side in SIDES]
    if params.requote_mode == CANCEL_FIRST:
        return _ordered(_cancel_first(views, params))
    return _ordered(a for view in views for a in _make_before_break(view, now, params))
