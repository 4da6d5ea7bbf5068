"""Table-driven tests of trading.core.decide: triggers and make_before_break."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.trading.core.decide_cases import (
    ASK,
    BID,
    BUY,
    CXL,
    GUARD2,
    HIT_TOP,
    MARKET,
    MBB,
    NEW,
    NOW,
    OPEN,
    SELL,
    SWEEP,
    a,
    b,
    desired,
    order,
    params,
)
from trading.core.actions import Cancel, Place
from trading.core.actions import Trigger as T
from trading.core.decide import DecideParams, decide, trigger_for
from trading.core.domain import BookTop, OrderState, Quote


@pytest.mark.parametrize(
    "live, expected",
    [
        ([], [Place(BID, T.MISSING), Place(ASK, T.MISSING)]),
        ([b(), a()], []),
        ([b()], [Place(ASK, T.MISSING)]),
        # mid 100.00 vs ref 100.30: 29.9 bps > 25 -> drift; placed first, old cancel waits
        ([b(ref_mid="100.30", price="99.80"), a()], [Place(BID, T.DRIFT, replaces="b1")]),
        ([b(), a(ref_mid="99.70", price="100.20")], [Place(ASK, T.DRIFT, replaces="a1")]),
        # 100.25 -> 100.00 is 9.97 bps; 25 bps needs the ref at 100.2506...: exactly 25 bps keeps
        ([b(ref_mid="100.25")], [Place(ASK, T.MISSING)]),
        # stale is "older than": 30 s exactly keeps, 30.001 s requotes
        ([b(sent_at=NOW - 30, price="99.49"), a()], []),
        ([b(sent_at=NOW - 30.001, price="99.49"), a()], [Place(BID, T.STALE, replaces="b1")]),
        # never an identical replacement: a stale order where the quote would go again stays
        ([b(sent_at=NOW - 31, price="99.50"), a()], []),
    ],
)
def test_make_before_break_keeps_or_places_first(live, expected):
    assert decide(desired(), live, NOW, MARKET, MBB) == expected


NEW_STRATEGY = DecideParams(D("25"), D("30"), D("1"), strategy_version=1)


@pytest.mark.parametrize(
    "live, mode, expected",
    [
        # Priced under the old strategy: replaced make-before-break, reason "config".
        (
            [b(), a()],
            "make_before_break",
            [Place(BID, T.CONFIG, replaces="b1"), Place(ASK, T.CONFIG, replaces="a1")],
        ),
        ([b(version=1), a()], "make_before_break", [Place(ASK, T.CONFIG, replaces="a1")]),
        ([b(version=1), a(version=1)], "make_before_break", []),
        # The replacement rests: the old order goes as "replaced", never dark.
        (
            [b(), b("b2", version=1), a(version=1)],
            "make_before_break",
            [Cancel("b1", BUY, T.REPLACED)],
        ),
        (
            [b(), a(version=1)],
            "cancel_first",
            [Cancel("b1", BUY, T.CONFIG), Cancel("a1", SELL, T.CONFIG, SWEEP)],
        ),
    ],
)
def test_orders_of_an_older_strategy_are_replaced_as_config(live, mode, expected):
    params = DecideParams(D("25"), D("30"), D("1"), requote_mode=mode, strategy_version=1)
    assert decide(desired(), live, NOW, MARKET, params) == expected


def test_urgent_triggers_outrank_config_and_config_outranks_stale():
    assert (
        trigger_for(
            b(version=0, price="99.50"),
            BID,
            False,
            NOW,
            HIT_TOP,
            DecideParams(D("25"), D("30"), D("2"), strategy_version=1),
        )
        == T.PROXIMITY
    )
    assert trigger_for(b(sent_at=NOW - 60), BID, False, NOW, MARKET, NEW_STRATEGY) == T.CONFIG


@pytest.mark.parametrize(
    "book, ref_mid, threshold, state, trigger",
    [
        # bps_between(mid, ref_mid): (100.25 - 100) / 100 = exactly 25 bps -> "more than" keeps
        (("100.24", "100.26"), "100.00", "25", OPEN, None),
        (("100.25", "100.27"), "100.00", "25", OPEN, T.DRIFT),  # 26 bps
        (("99.74", "99.76"), "100.00", "25", OPEN, None),  # -25 bps
        (("99.73", "99.75"), "100.00", "25", OPEN, T.DRIFT),  # -26 bps, downward
        (("100.25", "100.27"), "100.00", "25", NEW, None),  # unconfirmed: never drift
    ],
)
def test_drift_is_strictly_more_than_the_threshold(book, ref_mid, threshold, state, trigger):
    top = BookTop("BTC-USD", D(book[0]), D(book[1]))
    live = b(ref_mid=ref_mid, state=state, sent_at=NOW)
    moved = Quote(BUY, top.mid - D("0.50"), D("1"))  # today's bid, 50 bps under the mid
    assert trigger_for(live, moved, False, NOW, top, params(threshold=threshold)) == trigger


def test_a_drift_that_rounds_to_the_same_quote_keeps_the_order():
    """On a coarse tick the mid can pass the threshold while the quote stays put: requoting
    would only lose queue position and spend two requests."""
    top = BookTop("BTC-USD", D("100.25"), D("100.27"))  # 26 bps from the order's ref_mid
    live = b(ref_mid="100.00", sent_at=NOW, price="99.50")
    assert trigger_for(live, BID, False, NOW, top, params()) is None
    assert trigger_for(live, Quote(BUY, BID.price, D("2")), False, NOW, top, params()) == T.DRIFT


@pytest.mark.parametrize(
    "side, price, guard, market, near",
    [
        # bid >= best_ask * (1 - guard/10000): 100.00 * 0.9999 = 99.99 -> inclusive
        (BUY, "99.99", "1", ("99.90", "100.00"), True),
        (BUY, "99.98", "1", ("99.90", "100.00"), False),
        (BUY, "100.00", "0", ("99.90", "100.00"), True),  # touching the ask with no guard
        (BUY, "99.99", "0", ("99.90", "100.00"), False),
        # ask <= best_bid * (1 + guard/10000): 100.00 * 1.0001 = 100.01
        (SELL, "100.01", "1", ("100.00", "100.10"), True),
        (SELL, "100.02", "1", ("100.00", "100.10"), False),
        (SELL, "100.05", "10", ("100.00", "100.10"), True),  # 100.10 bound
    ],
)
def test_proximity_guard_reads_within_guard_of_the_opposite_touch(side, price, guard, market, near):
    top = BookTop("BTC-USD", D(market[0]), D(market[1]))
    live = order("o1", side, price=price, ref_mid=str(top.mid))
    quote = BID if side is BUY else ASK
    got = trigger_for(live, quote, False, NOW, top, params(guard=guard))
    assert (got == T.PROXIMITY) is near


def test_proximity_is_urgent_in_make_before_break():
    live = [b(ref_mid="99.455", price="99.51"), a(ref_mid="99.455")]
    got = decide(desired(), live, NOW, HIT_TOP, GUARD2)
    assert got == [Cancel("b1", BUY, T.PROXIMITY), Place(BID, T.PROXIMITY, replaces="b1")]
    assert got[0].urgent


@pytest.mark.parametrize("mode", ["make_before_break", "cancel_first"])
def test_an_order_is_never_replaced_by_an_identical_one(mode):
    """Near the touch with nowhere better to go: the order comes off (urgent), and nothing
    identical is placed in its place (that is how a requote storm starts)."""
    live = [b(ref_mid="99.455", price="99.50"), a(ref_mid="99.455")]
    got = decide(desired(), live, NOW, HIT_TOP, params(mode=mode, guard="2"))
    assert [x for x in got if isinstance(x, Place)] == []
    assert got[0] == Cancel("b1", BUY, T.PROXIMITY) and got[0].urgent


@pytest.mark.parametrize(
    "live, capped, expected",
    [
        # MAX_NOTIONAL shrank the bid to 1 but 3 rest: urgent, like proximity
        (
            [b(qty="3"), a()],
            {BUY},
            [Cancel("b1", BUY, T.EXPOSURE), Place(BID, T.EXPOSURE, replaces="b1")],
        ),
        # same size or smaller: fine
        ([b(qty="1"), a()], {BUY}, []),
        # larger but the cap did not bind this time: not an exposure trigger
        ([b(qty="3"), a()], set(), []),
    ],
)
def test_exposure_trigger_when_the_cap_shrank_the_side(live, capped, expected):
    assert decide(desired(capped=capped), live, NOW, MARKET, MBB) == expected


@pytest.mark.parametrize(
    "live, expected",
    [
        ([b(), a()], [Cancel("b1", BUY, T.NO_QUOTE)]),
        ([b(state=NEW, sent_at=NOW), a()], [Cancel("b1", BUY, T.NO_QUOTE)]),
        ([b(state=CXL), a()], []),
        ([a()], []),
    ],
)
def test_no_quote_cancels_without_replacement(live, expected):
    assert decide(desired(bid=None), live, NOW, MARKET, MBB) == expected


@pytest.mark.parametrize(
    "live, expected",
    [
        # replacement pending: the drifted old order keeps resting, nothing new is placed
        (
            [
                b("b1", ref_mid="100.30", price="99.80", sent_at=NOW - 9),
                b("b2", state=NEW, sent_at=NOW - 1),
                a(),
            ],
            [],
        ),
        # replacement confirmed OPEN: now the old one goes
        (
            [
                b("b1", ref_mid="100.30", price="99.80", sent_at=NOW - 9),
                b("b2", sent_at=NOW - 1),
                a(),
            ],
            [Cancel("b1", BUY, T.REPLACED)],
        ),
        # stale old order, replacement open
        (
            [b("b1", sent_at=NOW - 40), b("b2", sent_at=NOW - 1), a()],
            [Cancel("b1", BUY, T.REPLACED)],
        ),
        # the replacement is about to be hit while pending: cancel it, keep the old one resting
        # (its own trigger is drift only), and do not place a third beside them: the next
        # replacement waits until that cancel has landed (two orders a side at most)
        (
            [
                b("b1", ref_mid="100.30", price="99.80", sent_at=NOW - 9),
                b("b2", price="100.01", state=NEW),
                a(),
            ],
            [Cancel("b2", BUY, T.PROXIMITY)],
        ),
        # ... while it is in flight, nothing; once it has landed the old one is replaced
        (
            [
                b("b1", ref_mid="100.30", price="99.80", sent_at=NOW - 9),
                b("b2", price="100.01", state=CXL),
                a(),
            ],
            [],
        ),
        (
            [
                b("b1", ref_mid="100.30", price="99.80", sent_at=NOW - 9),
                b("b2", price="100.01", state=OrderState.CANCELED),
                a(),
            ],
            [Place(BID, T.DRIFT, replaces="b1")],
        ),
    ],
)
def test_make_before_break_cancels_old_only_when_replacement_rests(live, expected):
    assert decide(desired(), live, NOW, MARKET, MBB) == expected


@pytest.mark.parametrize(
    "live, expected",
    [
        # two good resting bids (leftovers): keep the newest
        (
            [b("b1", sent_at=NOW - 9), b("b2", sent_at=NOW - 2), a()],
            [Cancel("b1", BUY, T.DUPLICATE)],
        ),
        # three resting asks, all drifted: keep the newest for its uptime and cancel the
        # others; its replacement waits until they are gone (two orders a side at most)
        (
            [
                b(),
                a("a1", ref_mid="99.0", price="100.40", sent_at=NOW - 3),
                a("a2", ref_mid="99.0", price="100.40", sent_at=NOW - 2),
                a("a3", ref_mid="99.0", price="100.40", sent_at=NOW - 1),
            ],
            [Cancel("a1", SELL, T.DUPLICATE), Cancel("a2", SELL, T.DUPLICATE)],
        ),
        # an extra unconfirmed bid is left to rest or fail
        ([b("b1", sent_at=NOW - 9), b("b2", state=NEW, sent_at=NOW - 1), a()], []),
    ],
)
def test_duplicates_keep_the_best_and_cancel_the_rest(live, expected):
    assert decide(desired(), live, NOW, MARKET, MBB) == expected


@pytest.mark.parametrize(
    "live, expected",
    [
        # unconfirmed orders never drift ...
        ([b(state=NEW, ref_mid="100.30", price="99.80"), a()], []),
        # ... but a stale unconfirmed order is cancelled at once (it never rested) and replaced
        (
            [b(state=NEW, sent_at=NOW - 31), a()],
            [Place(BID, T.STALE, replaces="b1"), Cancel("b1", BUY, T.STALE)],
        ),
    ],
)
def test_pending_new_is_only_cancelled_when_stale(live, expected):
    assert decide(desired(), live, NOW, MARKET, MBB) == expected


@pytest.mark.parametrize(
    "overlap, live, expected",
    [
        # a cancel in flight: without overlap wait for it, with overlap place alongside
        (True, [b(state=CXL), a()], [Place(BID, T.MISSING)]),
        (False, [b(state=CXL), a()], []),
        # PENDING_CANCEL is never cancelled twice, whatever its trigger
        (True, [b(state=CXL, price="100.01"), a()], [Place(BID, T.MISSING)]),
        (True, [b(state=CXL, sent_at=NOW - 99, ref_mid="90"), a()], [Place(BID, T.MISSING)]),
    ],
)
def test_pending_cancel_orders(overlap, live, expected):
    assert decide(desired(), live, NOW, MARKET, params(overlap=overlap)) == expected
