"""decide under the requote breaker (a side it holds places nothing, urgent cancels still go)
and what each cancel tells the engine: whether it starts a requote (the requote count the
breaker and the dashboard read), in a fixed order."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from tests.trading.core.decide_cases import (
    ASK,
    BID,
    BUY,
    GUARD2,
    HIT_TOP,
    MARKET,
    MBB,
    NOW,
    SELL,
    a,
    b,
    desired,
    params,
)
from trading.core.actions import Cancel, CancelHow, Place
from trading.core.actions import Trigger as T
from trading.core.decide import DecideParams, decide

HOLD_BID = replace(MBB, holding=frozenset({BUY}))


@pytest.mark.parametrize(
    ("live", "market", "p", "expected"),
    [
        # A dark bid stays dark while held; the ask side quotes as usual.
        ([], MARKET, HOLD_BID, [Place(ASK, T.MISSING)]),
        # A drifted bid is kept (it still earns) instead of being replaced.
        ([b(ref_mid="100.30", price="99.80"), a()], MARKET, HOLD_BID, []),
        # About to be hit: cancelled all the same, without a replacement.
        (
            [b(price=str(BID.price)), a(price=str(ASK.price))],
            HIT_TOP,
            replace(GUARD2, holding=frozenset({BUY})),
            [Cancel("b1", BUY, T.PROXIMITY)],
        ),
        # Quoting wants no bid: the held bid goes.
        ([b(), a()], MARKET, HOLD_BID, "no bid"),
        # Both sides held: nothing is placed anywhere.
        ([], MARKET, replace(MBB, holding=frozenset({BUY, SELL})), []),
        # cancel_first: the held side is not placed once the book is empty.
        (
            [],
            MARKET,
            replace(params(mode="cancel_first"), holding=frozenset({SELL})),
            [Place(BID, T.MISSING)],
        ),
    ],
)
def test_a_held_side_places_nothing_but_urgent_cancels_still_go(live, market, p, expected):
    if expected == "no bid":
        assert decide(desired(bid=None), live, NOW, market, p) == [Cancel("b1", BUY, T.NO_QUOTE)]
    else:
        assert decide(desired(), live, NOW, market, p) == expected


@pytest.mark.parametrize(
    ("live", "p", "requotes"),
    [
        # cancel_first: every cancel starts a requote (the book is placed again after).
        ([b(ref_mid="100.30", price="99.80"), a()], params(mode="cancel_first"), [True, True]),
        # make_before_break without overlap: the fallback cancel starts one.
        ([b(ref_mid="100.30", price="99.80"), a()], params(overlap=False), [True]),
        # make_before_break: a replaced order's cancel does not (its Place was the requote).
        ([b(), b("b2", price=str(BID.price)), a(price=str(ASK.price))], MBB, [False]),
        # nor does an urgent cancel beside its replacement.
        ([b(price=str(BID.price)), a()], GUARD2, [False]),
    ],
)
def test_which_cancels_start_a_requote(live, p, requotes):
    market = HIT_TOP if p is GUARD2 else MARKET
    cancels = [x for x in decide(desired(), live, NOW, market, p) if isinstance(x, Cancel)]
    assert [c.requote for c in cancels] == requotes


def test_several_cancels_come_in_side_then_id_order_after_urgent_ones():
    """Three stray bids and two asks, nothing wrong with the keepers: the duplicates go in
    a fixed order whatever order they were passed in."""
    live = [
        b("b3", price=str(BID.price), sent_at=NOW - 9),
        b("b1", price=str(BID.price), sent_at=NOW - 8),
        b("b2", price=str(BID.price), sent_at=NOW - 1),
        a("a2", price=str(ASK.price), sent_at=NOW - 9),
        a("a1", price=str(ASK.price), sent_at=NOW - 1),
    ]
    expected = [
        Cancel("b1", BUY, T.DUPLICATE),
        Cancel("b3", BUY, T.DUPLICATE),
        Cancel("a2", SELL, T.DUPLICATE),
    ]
    assert decide(desired(), live, NOW, MARKET, MBB) == expected
    assert decide(desired(), live[::-1], NOW, MARKET, MBB) == expected


def test_decide_params_from_the_settings():
    config = {
        "requote_threshold_bps": "3.5",
        "stale_order_seconds": 60,
        "proximity_guard_bps": D("1"),
        "requote_mode": "cancel_first",
    }
    p = DecideParams.from_config(config, allow_overlap=False)
    assert (p.requote_threshold_bps, p.stale_order_seconds, p.proximity_guard_bps) == (
        D("3.5"),
        D("60"),
        D("1"),
    )
    assert (p.requote_mode, p.allow_overlap) == ("cancel_first", False)
    assert DecideParams.from_config(config | {"requote_mode": "make_before_break"}).allow_overlap
    with pytest.raises(ValueError, match="unknown requote_mode 'sometimes'"):
        DecideParams.from_config(config | {"requote_mode": "sometimes"})


def test_cancel_reasons_say_how_the_cancel_came():
    assert Cancel("x", BUY, T.DRIFT, CancelHow.FALLBACK).reason == "cancel_first_fallback:drift"
    assert Cancel("x", BUY, T.DRIFT, CancelHow.SWEEP).reason == "cancel_all:drift"
    assert Cancel("x", BUY, T.DRIFT).reason == "drift"
    assert not Cancel("x", BUY, T.PROXIMITY, CancelHow.SWEEP).urgent  # swept: not its own
