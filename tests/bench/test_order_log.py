"""bench/order_log.py on a hand-made order log: the figures the reward benchmark prints for
issue 21 (most quotes live on one side, the exposure against MAX_NOTIONAL, rejections)."""

from __future__ import annotations

from decimal import Decimal

from bench.order_log import order_figures


def order(oid: int, side: str, price: str, qty: str, created: float, updated: float, **kw):
    return {
        "id": oid,
        "side": side,
        "price": price,
        "qty": qty,
        "status": kw.get("status", "canceled"),
        "reduce_only": kw.get("reduce_only", False),
        "created_at": created,
        "updated_at": updated,
    }


def fill(order_id: int, side: str, price: str, qty: str, at: float) -> dict:
    iso = f"2027-01-15T08:00:{at:06.3f}Z"
    return {"order_id": order_id, "side": side, "price": price, "qty": qty, "time": iso}


T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def test_the_log_gives_the_most_orders_a_side_and_the_exposure_over_time():
    orders = [
        order(1, "buy", "100", "1", T0 + 1, T0 + 5, status="filled"),  # filled at +5
        order(2, "buy", "99", "1", T0 + 2, T0 + 8),  # beside it from +2
        order(3, "buy", "98", "1", T0 + 3, T0 + 4),  # a third from +3 to +4
        order(4, "sell", "101", "1", T0 + 1, T0 + 10, status="open"),  # still resting
        order(5, "sell", "102", "1", T0 + 6, T0 + 7, reduce_only=True),  # not a quote
    ]
    trades = [fill(1, "buy", "100", "1", 5.0)]
    rejections = {"400 alo order rejected": 2, "400 order not found": 1}
    figures = order_figures(orders, trades, rejections, Decimal("250"), T0 + 10)
    assert figures["max_orders_per_side"] == 3
    # flat: the larger side, 100 + 99 + 98 = 297 from +3 to +4; long 1 from +5: 100 + 99
    assert figures["exposure_max_usd"] == 297.0
    # over 250 from +3 to +4 (297) of the 9 s from the first order: 11.11 %
    assert figures["over_limit_pct"] == 11.11
    assert figures["rejected_requests"] == 3
    assert figures["alo_rejected"] == 2 and figures["reduce_only_refused"] == 0


def test_a_partial_fill_counts_what_is_left_and_an_empty_log_is_zero():
    orders = [order(1, "sell", "100", "2", T0, T0 + 4, status="filled")]
    trades = [fill(1, "sell", "100", "1", 2.0), fill(1, "sell", "100", "1", 4.0)]
    figures = order_figures(orders, trades, {}, Decimal("1000"), T0 + 5)
    assert figures["exposure_max_usd"] == 200.0  # short 1 + 1 left, short 2 + none
    assert figures["max_orders_per_side"] == 1
    empty = order_figures([], [], {}, Decimal("300"), T0)
    assert empty["max_orders_per_side"] == 0 and empty["over_limit_pct"] is None
