"""The minimum rest (BAND_MIN_REST_SECONDS): StandX counts an order only after it rested
~3 s and penalises flicker-cancels, so no non-urgent cancel may hit an OPEN order younger
than that. Each case is run with the order young (rested 1 s) and old enough (rested the
full rest): what a trader loses if the rule slips is a young order cancelled for nothing.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from tests.trading.core.decide_cases import (
    ASK,
    BID,
    BUY,
    HIT_TOP,
    MARKET,
    NEW,
    NOW,
    SELL,
    a,
    b,
    desired,
)
from trading.core.actions import BandWindow, Cancel, CancelHow, Place
from trading.core.actions import Trigger as T
from trading.core.decide import DecideParams, decide, trigger_for
from trading.core.domain import LiveOrder

REST = 3.0
YOUNG, RESTED = NOW - 1.0, NOW - REST  # rested_at: 1 s ago, exactly the rest ago


def rested(order: LiveOrder, at: float) -> LiveOrder:
    return replace(order, rested_at=at)


RESTING = DecideParams(D("25"), D("30"), D("1"), min_rest_seconds=REST)


def rest_params(**kw) -> DecideParams:
    return replace(RESTING, **kw)


# A band window around 100.00 that holds today's quotes (99.50 / 100.50) but not a bid at
# 99.00 or an ask at 101.00 (both 100 bps out).
WINDOWS = {
    BUY: BandWindow(D("100"), D("-60"), D("-10")),
    SELL: BandWindow(D("100"), D("10"), D("60")),
}
BAND = rest_params(band=WINDOWS, window_only=True)


@pytest.mark.parametrize(
    ("why", "old", "params"),
    [
        ("stale", b(sent_at=NOW - 40), rest_params()),
        ("drift", b(ref_mid="100.40"), rest_params()),
        ("config", b(version=0), rest_params(strategy_version=1)),
    ],
)
@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_a_young_order_is_not_requoted_for_a_non_urgent_reason(why, old, params, rested_at):
    """Stale, drifted or priced under an old strategy: the order is replaced once it has
    rested, not before (the replacement would make it a flicker-cancel)."""
    ask = a(price=str(ASK.price), version=params.strategy_version)
    live = [rested(old, rested_at), ask]
    actions = decide(desired(), live, NOW, MARKET, params)
    if rested_at == YOUNG:
        assert actions == []
        assert trigger_for(live[0], BID, False, NOW, MARKET, params) is None
    else:
        assert actions == [Place(BID, T(why), replaces="b1")]


@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_without_overlap_the_fallback_cancel_waits_for_the_rest(rested_at):
    """make_before_break without overlap falls back to cancel-first, which leaves the side
    dark: never for an order that has not rested yet."""
    old = rested(b(price="99.00"), rested_at)  # 100 bps outside its window
    params = replace(BAND, allow_overlap=False)
    actions = decide(desired(), [old, a(price=str(ASK.price))], NOW, MARKET, params)
    if rested_at == YOUNG:
        assert actions == []
    else:
        assert actions == [Cancel("b1", BUY, T.BAND, CancelHow.FALLBACK)]


@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_the_old_order_beside_its_replacement_waits_for_the_rest(rested_at):
    """The band trigger places the replacement at once (the old order is leaving the band)
    but the old order is only cancelled, as REPLACED, once it has rested: until then both
    rest side by side."""
    old = rested(b(price="99.00"), rested_at)
    new = rested(b("b2", price=str(BID.price), sent_at=NOW - 0.5), NOW - 0.4)
    ask = a(price=str(ASK.price))
    assert decide(desired(), [old, ask], NOW, MARKET, BAND) == [Place(BID, T.BAND, replaces="b1")]
    actions = decide(desired(), [old, new, ask], NOW, MARKET, BAND)
    assert actions == ([] if rested_at == YOUNG else [Cancel("b1", BUY, T.REPLACED)])


@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_a_young_duplicate_waits_for_the_rest(rested_at):
    """Two untriggered orders on a side: the older one goes as a DUPLICATE once it rested."""
    old = rested(b(price=str(BID.price), sent_at=NOW - 2), rested_at)
    new = rested(b("b2", price=str(BID.price), sent_at=NOW - 0.5), NOW - 0.4)
    actions = decide(desired(), [old, new, a(price=str(ASK.price))], NOW, MARKET, rest_params())
    assert actions == ([] if rested_at == YOUNG else [Cancel("b1", BUY, T.DUPLICATE)])


@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_urgent_triggers_do_not_wait_for_the_rest(rested_at):
    """About to be hit: a fill costs more than a flicker, so the young order goes at once."""
    params = rest_params(proximity_guard_bps=D("2"))
    live = [rested(b(price=str(BID.price)), rested_at), rested(b("b2", price="99.10"), rested_at)]
    actions = decide(desired(), live, NOW, HIT_TOP, params)
    assert Cancel("b1", BUY, T.PROXIMITY) in actions


@pytest.mark.parametrize("rested_at", [YOUNG, RESTED])
def test_a_young_order_with_no_quote_on_its_side_is_cancelled(rested_at):
    live = [rested(b(), rested_at), rested(a(), rested_at)]
    actions = decide(desired(ask=None), live, NOW, MARKET, rest_params())
    assert Cancel("a1", SELL, T.NO_QUOTE) in actions


def test_the_rest_counts_from_when_the_order_rested_not_when_it_was_sent():
    """Sent 10 s ago, confirmed resting 1 s ago: still young."""
    old = rested(b(version=0, sent_at=NOW - 10), YOUNG)
    params = rest_params(strategy_version=1)
    ask = a(price=str(ASK.price), version=1)
    assert decide(desired(), [old, ask], NOW, MARKET, params) == []


def test_an_unconfirmed_order_is_not_young_and_a_stale_one_goes_at_once():
    """PENDING_NEW never rested: the rest rule does not hold it; a stale one is replaced
    and cancelled in the same batch (cancelling it cannot darken the side)."""
    pending = b(state=NEW, sent_at=NOW - 40)
    actions = decide(desired(), [pending, a(price=str(ASK.price))], NOW, MARKET, rest_params())
    assert actions == [Place(BID, T.STALE, replaces="b1"), Cancel("b1", BUY, T.STALE)]


def test_without_a_rest_setting_an_order_rested_a_moment_ago_is_requoted():
    old = rested(b(version=0), NOW - 0.01)
    params = rest_params(strategy_version=1, min_rest_seconds=0.0)
    assert decide(desired(), [old, a(price=str(ASK.price), version=1)], NOW, MARKET, params) == [
        Place(BID, T.CONFIG, replaces="b1")
    ]
