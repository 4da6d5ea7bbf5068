"""Shared cases of the decide tables: a book, today's quotes and orders of ours."""

from __future__ import annotations

from decimal import Decimal as D

from trading.core.actions import CancelHow
from trading.core.decide import DecideParams
from trading.core.domain import BookTop, LiveOrder, OrderState, Quote, Side
from trading.core.quoting import QuoteResult

SWEEP, FALLBACK = CancelHow.SWEEP, CancelHow.FALLBACK
OPEN, NEW, CXL = OrderState.OPEN, OrderState.PENDING_NEW, OrderState.PENDING_CANCEL
BUY, SELL = Side.BUY, Side.SELL
NOW = 1000.0
MARKET = BookTop("BTC-USD", D("99.99"), D("100.01"))  # mid 100.00
BID = Quote(BUY, D("99.50"), D("1"))
ASK = Quote(SELL, D("100.50"), D("1"))
TICK = D("0.01")


def params(mode="make_before_break", overlap=True, threshold="25", stale="30", guard="1"):
    return DecideParams(
        requote_threshold_bps=D(threshold),
        stale_order_seconds=D(stale),
        proximity_guard_bps=D(guard),
        requote_mode=mode,
        allow_overlap=overlap,
    )


def desired(bid=BID, ask=ASK, capped=()) -> QuoteResult:
    return QuoteResult(
        D("100.00"),
        bid,
        ask,
        None if bid else "max_notional",
        None if ask else "max_notional",
        frozenset(capped),
    )


def order(
    cl_ord_id, side, price=None, state=OPEN, sent_at=NOW - 5, ref_mid="100.00", qty="1", version=0
) -> LiveOrder:
    """One of ours, by default a tick away from today's quote (an identical order is never
    replaced, so the tables' triggers need an order the quote would move)."""
    price = price or (BID.price - TICK if side is BUY else ASK.price + TICK)
    return LiveOrder(
        cl_ord_id, side, D(price), D(qty), state, sent_at, D(ref_mid), strategy_version=version
    )


def b(cl_ord_id="b1", **kw) -> LiveOrder:
    return order(cl_ord_id, BUY, **kw)


def a(cl_ord_id="a1", **kw) -> LiveOrder:
    return order(cl_ord_id, SELL, **kw)


MBB = params()
# With a 2 bp guard our 99.50 bid is about to be hit under a 99.51 ask: 99.51 * 0.9998 = 99.49
HIT_TOP = BookTop("BTC-USD", D("99.40"), D("99.51"))
GUARD2 = params(guard="2")
