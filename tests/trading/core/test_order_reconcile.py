"""OrderTracker.reconcile: adopt ours found open, drop ours gone, never touch foreign orders."""

from __future__ import annotations

from decimal import Decimal

from trading.core.domain import ExchangeOrder, OrderState, Quote, Side
from trading.core.orders import OrderTracker

MID = Decimal("100")


def row(cl_ord_id: str, side: Side = Side.BUY, order_id: int = 1) -> ExchangeOrder:
    return ExchangeOrder(
        order_id, cl_ord_id, "BTC-USD", side, Decimal("99"), Decimal("1"), Decimal("0"), "open"
    )


def placed(tracker: OrderTracker, side: Side, now: float) -> str:
    cl = tracker.new_cl_ord_id(side)
    tracker.add_pending(Quote(side, Decimal("99"), Decimal("1")), cl, now, MID)
    return cl


def test_adopts_our_open_orders_it_did_not_know():
    tracker = OrderTracker("mmbot-")
    result = tracker.reconcile([row("mmbot-old-1b", order_id=5)], now=10.0, ref_mid=MID)
    assert [o.cl_ord_id for o in result.adopted] == ["mmbot-old-1b"]
    assert tracker.get("mmbot-old-1b").state is OrderState.OPEN
    assert tracker.get("mmbot-old-1b").exchange_id == 5


def test_foreign_orders_are_counted_and_never_tracked():
    tracker = OrderTracker("mmbot-")
    result = tracker.reconcile([row("manual-1"), row("other-bot-2")], now=1.0)
    assert result.foreign == 2 and result.adopted == ()
    assert tracker.live() == []


def test_open_order_missing_from_rest_is_marked_gone():
    tracker = OrderTracker("mmbot-")
    cl = placed(tracker, Side.BUY, 0.0)
    tracker.apply(row(cl), now=1.0)
    result = tracker.reconcile([], now=5.0, as_of=4.0)
    assert [t.order.cl_ord_id for t in result.gone] == [cl]
    assert result.gone[0].state is OrderState.CANCELED
    assert tracker.live() == []


def test_order_that_changed_after_the_query_was_sent_is_left_alone():
    tracker = OrderTracker("mmbot-")
    cl = placed(tracker, Side.BUY, 0.0)
    tracker.apply(row(cl), now=4.5)  # rested while the query was in flight
    result = tracker.reconcile([], now=5.0, as_of=4.0)
    assert result.gone == ()
    assert tracker.get(cl).state is OrderState.OPEN


def test_pending_new_missing_is_left_to_the_pending_timeout():
    tracker = OrderTracker("mmbot-")
    cl = placed(tracker, Side.SELL, 0.0)
    assert tracker.reconcile([], now=5.0, as_of=4.0).gone == ()
    assert tracker.get(cl).state is OrderState.PENDING_NEW


def test_pending_new_found_open_is_confirmed():
    tracker = OrderTracker("mmbot-")
    cl = placed(tracker, Side.SELL, 0.0)
    result = tracker.reconcile([row(cl, Side.SELL, order_id=9)], now=5.0, as_of=4.0)
    assert [t.state for t in result.confirmed] == [OrderState.OPEN]
    assert tracker.get(cl).exchange_id == 9
