"""cl_ord_id generation: fixed prefix, short, unique within and across runs."""

from __future__ import annotations

from trading.core.domain import Side
from trading.core.orders import MAX_CL_ORD_ID_CHARS, ClOrdIdFactory, OrderTracker


def test_ids_carry_the_prefix_and_stay_short():
    factory = ClOrdIdFactory("mmbot-")
    ids = [factory.next(Side.BUY if i % 2 else Side.SELL) for i in range(20000)]
    assert all(i.startswith("mmbot-") for i in ids)
    assert max(len(i) for i in ids) <= MAX_CL_ORD_ID_CHARS
    assert len(set(ids)) == len(ids)


def test_two_runs_never_share_an_id():
    first = {ClOrdIdFactory("mmbot-").next(Side.BUY) for _ in range(1)}
    runs = [ClOrdIdFactory("mmbot-") for _ in range(50)]
    ids = [r.next(Side.BUY) for r in runs]
    assert len(set(ids) | first) == 51


def test_tracker_recognises_only_its_prefix():
    tracker = OrderTracker("mmbot-")
    assert tracker.is_ours(tracker.new_cl_ord_id(Side.SELL))
    assert not tracker.is_ours("manual-123")
    assert not tracker.is_ours("")
