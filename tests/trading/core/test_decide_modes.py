"""Table-driven tests of trading.core.decide: the overlap fallback, cancel_first, the order
of the actions and the parameters."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.trading.core.decide_cases import (
    ASK,
    BID,
    BUY,
    CXL,
    FALLBACK,
    GUARD2,
    HIT_TOP,
    MARKET,
    MBB,
    NEW,
    NOW,
    SELL,
    SWEEP,
    a,
    b,
    desired,
    params,
)
from trading.core.actions import Cancel, Place
from trading.core.actions import Trigger as T
from trading.core.decide import DecideParams, decide
from trading.core.domain import OrderState


@pytest.mark.parametrize(
    "live, top, expected",
    [
        ([b(ref_mid="100.30", price="99.80"), a()], MARKET, [Cancel("b1", BUY, T.DRIFT, FALLBACK)]),
        ([b(sent_at=NOW - 31), a()], MARKET, [Cancel("b1", BUY, T.STALE, FALLBACK)]),
        (
            [b(ref_mid="99.455", price="99.51"), a(ref_mid="99.455")],
            HIT_TOP,
            [Cancel("b1", BUY, T.PROXIMITY, FALLBACK)],
        ),
        # after the fallback cancel lands, the side is placed as missing
        ([a()], MARKET, [Place(BID, T.MISSING)]),
    ],
)
def test_no_overlap_falls_back_to_cancel_first_per_side(live, top, expected):
    got = decide(desired(), live, NOW, top, params(overlap=False, guard="2"))
    assert got == expected
    assert all(c.urgent == (c.trigger is T.PROXIMITY) for c in got if isinstance(c, Cancel))


CF = params(mode="cancel_first")


@pytest.mark.parametrize(
    "live, expected",
    [
        ([], [Place(BID, T.MISSING), Place(ASK, T.MISSING)]),
        ([b(), a()], []),
        # one side drifted: cancel ALL, place nothing yet
        (
            [b(ref_mid="100.30", price="99.80"), a()],
            [Cancel("b1", BUY, T.DRIFT), Cancel("a1", SELL, T.DRIFT, SWEEP)],
        ),
        (
            [b(), a(sent_at=NOW - 31)],
            [Cancel("b1", BUY, T.STALE, SWEEP), Cancel("a1", SELL, T.STALE)],
        ),
        # one side filled: the other is swept so the pair is placed fresh together
        ([a()], [Cancel("a1", SELL, T.MISSING, SWEEP)]),
        # cancels in flight: wait until none of ours is live
        ([b(state=CXL), a(state=CXL)], []),
        ([a(state=CXL)], []),
        # an unconfirmed order is not swept for the other side's drift; wait for it to rest
        ([b(ref_mid="100.30", price="99.80"), a(state=NEW)], [Cancel("b1", BUY, T.DRIFT)]),
        # duplicates with nothing to refresh
        (
            [b("b1", sent_at=NOW - 9), b("b2", sent_at=NOW - 2), a()],
            [Cancel("b1", BUY, T.DUPLICATE)],
        ),
    ],
)
def test_cancel_first_cancels_all_then_places_the_pair(live, expected):
    assert decide(desired(), live, NOW, MARKET, CF) == expected


def test_cancel_first_proximity_cancel_comes_first_and_is_urgent():
    live = [b(ref_mid="99.455", price="99.50"), a(ref_mid="99.455")]
    got = decide(desired(), live, NOW, HIT_TOP, params(mode="cancel_first", guard="2"))
    assert got == [Cancel("b1", BUY, T.PROXIMITY), Cancel("a1", SELL, T.PROXIMITY, SWEEP)]
    assert [c.urgent for c in got] == [True, False]


def test_output_order_urgent_cancels_then_places_then_other_cancels():
    top = HIT_TOP
    live = [
        b("b1", ref_mid="99.455", price="99.51"),
        a("a1", ref_mid="99.455", sent_at=NOW - 9),
        a("a2", ref_mid="99.455", sent_at=NOW - 1),
        a("a0", state=NEW, sent_at=NOW - 40, price="101.00"),
    ]
    got = decide(desired(), live, NOW, top, GUARD2)
    assert got == [
        Cancel("b1", BUY, T.PROXIMITY),
        Place(BID, T.PROXIMITY, replaces="b1"),
        Cancel("a0", SELL, T.STALE),
        Cancel("a1", SELL, T.DUPLICATE),
    ]


def test_terminal_orders_are_ignored():
    live = [b(state=OrderState.FILLED), a(state=OrderState.CANCELED)]
    assert decide(desired(), live, NOW, MARKET, MBB) == [
        Place(BID, T.MISSING),
        Place(ASK, T.MISSING),
    ]


def test_params_from_bot_defaults_shaped_mapping():
    config = {
        "requote_threshold_bps": D("25.0"),
        "stale_order_seconds": D("30"),
        "proximity_guard_bps": D("1.0"),
        "requote_mode": "cancel_first",
        "symbol": "X",
    }
    assert DecideParams.from_config(config, allow_overlap=False) == params(
        mode="cancel_first", overlap=False
    )


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError):
        params(mode="yolo")
