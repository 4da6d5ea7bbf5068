"""OrderTracker: explicit transitions fed by exchange order updates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.core.domain import ExchangeOrder, Fill, OrderState, Quote, Side
from trading.core.orders import OrderTracker

PREFIX = "mmbot-"
MID = Decimal("100")


def update(
    cl_ord_id: str,
    status: str,
    order_id: int | None = 7,
    fill_qty: str = "0",
    side: Side = Side.BUY,
) -> ExchangeOrder:
    return ExchangeOrder(
        order_id,
        cl_ord_id,
        "BTC-USD",
        side,
        Decimal("99.5"),
        Decimal("0.1"),
        Decimal(fill_qty),
        status,
    )


@pytest.fixture
def tracker() -> OrderTracker:
    return OrderTracker(PREFIX, pending_timeout=2.0)


def place(tracker: OrderTracker, side: Side = Side.BUY, now: float = 0.0) -> str:
    cl_ord_id = tracker.new_cl_ord_id(side)
    tracker.add_pending(Quote(side, Decimal("99.5"), Decimal("0.1")), cl_ord_id, now, MID)
    return cl_ord_id


def test_new_order_is_pending_until_the_exchange_says_open(tracker):
    cl = place(tracker)
    assert tracker.get(cl).state is OrderState.PENDING_NEW
    assert tracker.resting(Side.BUY) is None
    t = tracker.apply(update(cl, "open"), now=1.0)
    assert (t.previous, t.state) == (OrderState.PENDING_NEW, OrderState.OPEN)
    assert tracker.get(cl).rested_at == 1.0 and tracker.get(cl).exchange_id == 7
    assert tracker.resting(Side.BUY).cl_ord_id == cl


def test_repeated_open_update_is_not_a_transition(tracker):
    cl = place(tracker)
    tracker.apply(update(cl, "open"), now=1.0)
    assert tracker.apply(update(cl, "open", fill_qty="0.05"), now=2.0) is None
    assert tracker.get(cl).fill_qty == Decimal("0.05")
    assert tracker.get(cl).rested_at == 1.0


@pytest.mark.parametrize(
    "status, final",
    [
        ("canceled", OrderState.CANCELED),
        ("filled", OrderState.FILLED),
        ("rejected", OrderState.REJECTED),
    ],
)
def test_terminal_update_removes_the_order(tracker, status, final):
    cl = place(tracker)
    t = tracker.apply(update(cl, status), now=1.0)
    assert t.state is final
    assert tracker.get(cl) is None and tracker.live() == []


def test_cancel_goes_through_pending_cancel(tracker):
    cl = place(tracker)
    tracker.apply(update(cl, "open"), now=1.0)
    t = tracker.cancel_sent(cl, now=2.0)
    assert (t.previous, t.state) == (OrderState.OPEN, OrderState.PENDING_CANCEL)
    assert tracker.cancel_sent(cl, now=2.1) is None  # already pending
    assert tracker.resting(Side.BUY) is None  # no longer counted as resting
    assert tracker.apply(update(cl, "canceled"), now=3.0).state is OrderState.CANCELED


def test_late_open_event_does_not_undo_a_sent_cancel(tracker):
    cl = place(tracker)
    tracker.cancel_sent(cl, now=0.5)
    assert tracker.apply(update(cl, "open"), now=1.0) is None
    assert tracker.get(cl).state is OrderState.PENDING_CANCEL


def test_authoritative_open_after_cancel_reverts_to_open_so_cancel_is_retried(tracker):
    cl = place(tracker)
    tracker.cancel_sent(cl, now=0.5)
    t = tracker.apply(update(cl, "open"), now=5.0, authoritative=True)
    assert t.state is OrderState.OPEN


def test_terminal_order_is_not_resurrected_by_a_late_event(tracker):
    cl = place(tracker)
    tracker.apply(update(cl, "canceled"), now=1.0)
    assert tracker.apply(update(cl, "open"), now=2.0) is None
    assert tracker.get(cl) is None


def test_orders_without_our_prefix_are_ignored(tracker):
    assert tracker.apply(update("manual-1", "open"), now=1.0) is None
    with pytest.raises(ValueError):
        tracker.add_pending(Quote(Side.BUY, Decimal("1"), Decimal("1")), "manual-2", 0.0, MID)


def test_sync_reject_and_gone(tracker):
    a, b = place(tracker), place(tracker, Side.SELL)
    assert tracker.rejected(a, 1.0, "alo order rejected").state is OrderState.REJECTED
    assert tracker.gone(b, 1.0, "not found").state is OrderState.CANCELED
    assert tracker.live() == []


def test_fill_maps_to_our_order_even_after_it_is_filled(tracker):
    cl = place(tracker)
    tracker.apply(update(cl, "filled", order_id=42), now=1.0)
    fill = Fill(1, 42, "BTC-USD", Side.BUY, Decimal("99.5"), Decimal("0.1"))
    assert tracker.fill_of(fill) == cl
    assert tracker.fill_of(Fill(2, 999, "BTC-USD", Side.BUY, Decimal("1"), Decimal("1"))) is None


def test_pending_orders_become_overdue_after_the_timeout(tracker):
    cl = place(tracker, now=0.0)
    assert tracker.overdue(1.9) == []
    assert [o.cl_ord_id for o in tracker.overdue(2.0)] == [cl]
    tracker.mark_checked(cl, 2.0)
    assert tracker.overdue(3.0) == []
    assert [o.cl_ord_id for o in tracker.overdue(4.0)] == [cl]
    tracker.apply(update(cl, "open"), now=4.1)
    assert tracker.overdue(100.0) == []


def test_clear_forgets_everything(tracker):
    place(tracker)
    place(tracker, Side.SELL)
    tracker.clear()
    assert tracker.live() == []


def test_orders_carry_the_strategy_they_were_priced_under(tracker):
    old = place(tracker, now=10.0)
    tracker.apply(update(old, "open"), now=10.5)
    tracker.new_strategy()
    new = place(tracker, now=11.0)
    assert tracker.get(old).strategy_version == 0 and tracker.get(new).strategy_version == 1
    assert tracker.get(old).sent_at == 10.0  # its real age is kept
    assert tracker.get(old).state is OrderState.OPEN
