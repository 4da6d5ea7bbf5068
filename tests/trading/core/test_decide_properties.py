"""Property tests of trading.core.decide: safety invariants over arbitrary order books of ours."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from trading.core.actions import BandWindow, Cancel, CancelHow, Place, Trigger
from trading.core.decide import DecideParams, decide, trigger_for
from trading.core.domain import BookTop, LiveOrder, OrderState, Quote, Side
from trading.core.inventory import ExposureLimit
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
    lambda bid, ask, capped: QuoteResult(
        D("100"), bid, ask, None if bid else "x", None if ask else "x", frozenset(capped)
    ),
    st.sampled_from([BID, None]),
    st.sampled_from([ASK, None]),
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
    groups = [
        0 if isinstance(a, Cancel) and a.urgent else 1 if isinstance(a, Place) else 2
        for a in actions
    ]
    assert groups == sorted(groups)


# ---- make-before-break: a requote never takes a side dark ------------------------------------
MBB_PRICES = st.one_of(
    st.sampled_from([BID.price, ASK.price, D("99.49"), D("100.51")]),
    st.decimals(D("99.00"), D("101.00"), places=2),
)


@st.composite
def mbb_orders(draw) -> LiveOrder:
    # mostly resting orders: the ones the invariant is about
    state = draw(st.one_of(st.just(OrderState.OPEN), st.sampled_from(list(OrderState))))
    sent_at = draw(st.floats(NOW - 60, NOW, allow_nan=False))
    rested = state in (OrderState.OPEN, OrderState.PENDING_CANCEL) and draw(st.booleans())
    return LiveOrder(
        draw(st.text("abcdef0123", min_size=1, max_size=4)),
        draw(st.sampled_from(list(Side))),
        draw(MBB_PRICES),
        draw(st.sampled_from([D("1"), D("2")])),
        state,
        sent_at,
        draw(st.decimals(D("99.5"), D("100.5"), places=2)),
        rested_at=draw(st.floats(sent_at, NOW)) if rested else None,
        strategy_version=draw(st.sampled_from([0, 1])),
    )


windows = st.builds(
    BandWindow,
    mark=st.just(D("100")),
    low=st.sampled_from([D("-60"), D("-30"), D("10")]),
    high=st.sampled_from([D("-10"), D("30"), D("60")]),
)
bands = st.one_of(st.none(), st.fixed_dictionaries({Side.BUY: windows, Side.SELL: windows}))
limits = st.one_of(
    st.none(),
    st.builds(
        ExposureLimit,
        max_notional=st.sampled_from([D("150"), D("250"), D("400")]),
        position_qty=st.sampled_from([D("-2"), D("-1"), D("0"), D("1"), D("2")]),
        mid=st.just(D("100")),
    ),
)
mbb_params = st.builds(
    DecideParams,
    requote_threshold_bps=st.sampled_from([D("10"), D("25")]),
    stale_order_seconds=st.sampled_from([D("5"), D("30")]),
    proximity_guard_bps=st.sampled_from([D("0"), D("1"), D("60")]),
    requote_mode=st.just("make_before_break"),
    allow_overlap=st.booleans(),
    strategy_version=st.sampled_from([0, 1]),
    band=bands,
    min_rest_seconds=st.sampled_from([0.0, 3.0]),
    window_only=st.booleans(),
    holding=st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(list(Side)))),
    exposure=limits,
)
mbb_desireds = st.one_of(
    st.just(QuoteResult(D("100"), BID, ASK, None, None, frozenset())), desireds
)


def _takes_side_dark_by_design(cancel: Cancel) -> bool:
    """The cancels that may leave a side without a resting order: the order may be filled any
    moment (urgent), quoting wants nothing there, overlap is not allowed (cancel first), or
    MAX_NOTIONAL leaves no room for the replacement beside it (cancel, then place)."""
    return (
        cancel.trigger.urgent
        or cancel.trigger is Trigger.NO_QUOTE
        or cancel.how in (CancelHow.FALLBACK, CancelHow.ROOM)
    )


@settings(max_examples=400, deadline=None)
@given(
    mbb_desireds, st.lists(mbb_orders(), max_size=6, unique_by=lambda o: o.cl_ord_id), mbb_params
)
def test_make_before_break_cancels_a_resting_order_only_once_its_side_stays_lit(desired, live, p):
    """An OPEN order is cancelled only for an urgent trigger, for NO_QUOTE, as a DUPLICATE while
    another OPEN order of ours keeps resting on its side, or as REPLACED once an untriggered
    order (its replacement) rests; never in the batch that places its replacement, unless
    urgent. (Cancel-first without overlap, or without room under MAX_NOTIONAL, are the
    declared exceptions.)"""
    actions = decide(desired, live, NOW, TOP, p)
    by_id = {o.cl_ord_id: o for o in live}
    cancelled = {a.cl_ord_id: a for a in actions if isinstance(a, Cancel)}
    places = [a for a in actions if isinstance(a, Place)]
    for side in (Side.BUY, Side.SELL):
        resting = [o for o in live if o.side is side and o.state is OrderState.OPEN]
        survivors = [o for o in resting if o.cl_ord_id not in cancelled]
        cancels = [cancelled[o.cl_ord_id] for o in resting if o.cl_ord_id in cancelled]
        dark_by_design = any(_takes_side_dark_by_design(c) for c in cancels)
        quote, capped = desired.quote_for(side), side in desired.capped
        for cancel in cancels:
            if cancel.trigger.urgent or cancel.trigger is Trigger.NO_QUOTE:
                continue
            if cancel.how in (CancelHow.FALLBACK, CancelHow.ROOM):
                assert cancel.how is CancelHow.ROOM or not p.allow_overlap, cancel
                assert not any(pl.side is side for pl in places), actions
                continue
            assert cancel.trigger in (Trigger.DUPLICATE, Trigger.REPLACED), (cancel, actions)
            assert survivors or dark_by_design, (cancel, actions)
            if cancel.trigger is Trigger.REPLACED:
                assert any(trigger_for(o, quote, capped, NOW, TOP, p) is None for o in survivors), (
                    cancel,
                    actions,
                )
    for pl in places:
        old = by_id.get(pl.replaces) if pl.replaces else None
        if old is not None and old.state is OrderState.OPEN and old.cl_ord_id in cancelled:
            assert cancelled[old.cl_ord_id].trigger.urgent, (pl, actions)


@settings(max_examples=400, deadline=None)
@given(
    mbb_desireds,
    st.lists(mbb_orders(), max_size=6, unique_by=lambda o: o.cl_ord_id),
    mbb_params.filter(lambda p: p.min_rest_seconds > 0),
)
def test_make_before_break_never_cancels_a_young_order_for_a_non_urgent_reason(desired, live, p):
    """The minimum rest (StandX counts an order after ~3 s and penalises flicker-cancels):
    an OPEN order that rested less than min_rest_seconds is cancelled only when it may be
    filled any moment (urgent) or its side wants no quote, whatever else is on its side
    (its own replacement included) and whether or not overlap is allowed."""
    actions = decide(desired, live, NOW, TOP, p)
    by_id = {o.cl_ord_id: o for o in live}
    for cancel in (a for a in actions if isinstance(a, Cancel)):
        order = by_id[cancel.cl_ord_id]
        young = (
            order.state is OrderState.OPEN
            and order.rested_at is not None
            and NOW - order.rested_at < p.min_rest_seconds
        )
        if young:
            assert cancel.trigger.urgent or cancel.trigger is Trigger.NO_QUOTE, (cancel, actions)
