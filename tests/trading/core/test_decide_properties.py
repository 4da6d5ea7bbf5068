"""Property tests of trading.core.decide: safety invariants over arbitrary order books of ours."""
from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from trading.core.decide import Cancel, DecideParams, Place, decide
from trading.core.domain import BookTop, LiveOrder, OrderState, Quote, Side
from trading.core.quoting import QuoteResult

NOW = 1000.0
TOP = BookTop("BTC-USD", D("99.99"), D("100.01"))
BID = Quote(Side.BUY, D("99.50"), D("1"))
ASK = Quote(Side.SELL, D("100.50"), D("1"))

orders = st.builds(
    LiveOrder,
    cl_ord_id=st.text("abcdef0123", min_size=1, max_size=4),
    side=st.sampled_from(list(Side)),
    price=st.decimals(D("99.00"), D("101.00"), places=2),
    qty=st.sampled_from([D("1"), D("2")]),
    state=st.sampled_from(list(OrderState)),
    sent_at=st.floats(NOW - 60, NOW, allow_nan=False),
    ref_mid=st.decimals(D("99.5"), D("100.5"), places=2),
)
order_lists = st.lists(orders, max_size=6, unique_by=lambda o: o.cl_ord_id)
params = st.builds(
    DecideParams,
    requote_threshold_bps=st.sampled_from([D("10"), D("25")]),
    stale_order_seconds=st.sampled_from([D("5"), D("30")]),
    proximity_guard_bps=st.sampled_from([D("0"), D("1"), D("60")]),
    requote_mode=st.sampled_from(["make_before_break", "cancel_first"]),
    allow_overlap=st.booleans(),
)
desireds = st.builds(
    lambda bid, ask, capped: QuoteResult(D("100"), bid, ask, None if bid else "x",
                                         None if ask else "x", frozenset(capped)),
    st.sampled_from([BID, None]), st.sampled_from([ASK, None]),
    st.sets(st.sampled_from(list(Side))),
)


@settings(max_examples=500, deadline=None)
@given(desireds, order_lists, params)
def test_decide_is_safe_for_any_set_of_our_orders(desired, live, p):
    actions = decide(desired, live, NOW, TOP, p)
    by_id = {o.cl_ord_id: o for o in live}
    cancels = [a for a in actions if isinstance(a, Cancel)]
    places = [a for a in actions if isinstance(a, Place)]
    # only our live, not-yet-cancelling orders are cancelled, each at most once
    assert len({c.cl_ord_id for c in cancels}) == len(cancels)
    for c in cancels:
        assert by_id[c.cl_ord_id].state in (OrderState.PENDING_NEW, OrderState.OPEN)
        assert by_id[c.cl_ord_id].side is c.side
    # at most one placement per side, and only what quoting asked for
    assert len({pl.quote.side for pl in places}) == len(places)
    for pl in places:
        assert pl.quote == desired.quote_for(pl.quote.side)
        if pl.replaces is not None:
            assert by_id[pl.replaces].side is pl.quote.side
    # without overlap a side never gets a new order while one of ours rests or is in flight
    if not p.allow_overlap or p.requote_mode == "cancel_first":
        for pl in places:
            assert not any(o.side is pl.quote.side and o.state.is_live for o in live)
    # deterministic
    assert decide(desired, list(reversed(live)), NOW, TOP, p) == actions
    # urgent cancels first, then places, then the rest
    groups = [0 if isinstance(a, Cancel) and a.urgent else 1 if isinstance(a, Place) else 2
              for a in actions]
    assert groups == sorted(groups)
