"""trading.core.quoting.loop_problems against the rules it is derived from: compute_quotes and
decide.trigger_for. Settings it accepts never make a fresh quote its own requote trigger;
settings it refuses do, on an ordinary one-tick book."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from trading.core.decide import DecideParams, trigger_for
from trading.core.domain import BookTop, LiveOrder, OrderState, SymbolSpec
from trading.core.quoting import QuoteParams, compute_quotes, loop_problems

TICKS = [D("0.001"), D("0.01"), D("0.1"), D("0.5"), D("1")]


def values(spread, guard, deviation="200") -> dict:
    return {
        "spread_bps": D(spread),
        "proximity_guard_bps": D(guard),
        "max_spread_deviation_bps": D(deviation),
    }


@pytest.mark.parametrize(
    "spread,guard,deviation,fields",
    [
        ("50", "1", "200", set()),  # the defaults
        ("1.01", "1", "200", set()),
        ("0.5", "0", "200", set()),  # no guard: nothing is near the touch
        ("0.5", "1", "200", {"spread_bps"}),  # the storm
        ("0.9", "1", "200", {"spread_bps"}),
        ("2", "5", "200", {"spread_bps"}),
        ("1", "1", "200", {"spread_bps"}),  # on the guard's edge: refused too
        ("3", "5", "4", {"spread_bps", "max_spread_deviation_bps"}),
        ("50", "5", "5", {"max_spread_deviation_bps"}),  # every quote clamped into the guard
    ],
)
def test_the_table(spread, guard, deviation, fields):
    assert set(loop_problems(values(spread, guard, deviation))) == fields


def test_the_message_says_why_and_what_to_do():
    message = loop_problems(values("0.5", "1"))["spread_bps"]
    assert message.startswith("SPREAD_BPS (0.5) is not wider than PROXIMITY_GUARD_BPS (1).")
    assert "every new bid would be within PROXIMITY_GUARD_BPS of the best ask" in message
    assert (
        "replaced at once: a requote loop; make SPREAD_BPS wider than PROXIMITY_GUARD_BPS"
        in message
    )
    assert (
        "MAX_SPREAD_DEVIATION_BPS wider"
        in loop_problems(values("9", "5", "5"))["max_spread_deviation_bps"]
    )


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"proximity_guard_bps": None, "spread_bps": D("1")},
        {"proximity_guard_bps": "abc", "spread_bps": "0.1"},
        {"proximity_guard_bps": "1", "spread_bps": None, "max_spread_deviation_bps": "NaN"},
        {"proximity_guard_bps": D("Infinity"), "spread_bps": D("1")},
        {"proximity_guard_bps": D("1"), "spread_bps": D("-5"), "max_spread_deviation_bps": D("0")},
        {"proximity_guard_bps": D("-1"), "spread_bps": D("-5")},
    ],
)
def test_values_invalid_on_their_own_are_left_to_their_own_validation(broken):
    assert loop_problems(broken) == {}


def triggers(
    top: BookTop, spec: SymbolSpec, spread: D, guard: D, deviation: D, guard_aware: bool = True
) -> set:
    """decide's verdict, one round later, on the orders quoting proposes now: as the engine
    quotes (keeping out of the guard), or by the raw rule mid ± spread (guard_aware=False),
    which is what the settings rule judges."""
    quotes = compute_quotes(
        top,
        spec,
        QuoteParams(
            spread, D("100"), D("100"), deviation, D("1e12"), guard if guard_aware else D("0")
        ),
    )
    params = DecideParams(D("25"), D("30"), guard)
    verdicts = set()
    for quote in filter(None, (quotes.bid, quotes.ask)):
        order = LiveOrder(
            f"o-{quote.side.value}",
            quote.side,
            quote.price,
            quote.qty,
            OrderState.OPEN,
            sent_at=0.0,
            ref_mid=top.mid,
        )
        verdicts.add(trigger_for(order, quote, False, 0.0, top, params))
    return verdicts


bps = st.decimals(D("0.01"), D("500"), places=2)


@settings(max_examples=500, deadline=None)
@given(
    tick=st.sampled_from(TICKS),
    best_bid_ticks=st.integers(100, 10_000_000),
    width_ticks=st.integers(1, 50),
    guard=bps,
    spread=bps,
    extra_deviation=bps,
)
def test_accepted_settings_never_trigger_on_their_own_fresh_quotes(
    tick, best_bid_ticks, width_ticks, guard, spread, extra_deviation
):
    deviation = spread + extra_deviation  # BotConfig.clean: spread <= deviation
    assume(not loop_problems(values(spread, guard, deviation)))
    spec = SymbolSpec("X", tick, D("0.001"), D("0.001"))
    top = BookTop("X", tick * best_bid_ticks, tick * (best_bid_ticks + width_ticks))
    assert "proximity" not in triggers(top, spec, spread, guard, deviation)


@settings(max_examples=300, deadline=None)
@given(
    tick=st.sampled_from(TICKS),
    best_bid_ticks=st.integers(100_000, 10_000_000),
    guard=st.decimals(D("1"), D("500"), places=2),
    data=st.data(),
)
def test_refused_settings_loop_on_a_one_tick_book(tick, best_bid_ticks, guard, data):
    """A liquid market's book is one tick wide; the guard must exceed the spread by more
    than the tick rounding (the mid is at least 100,000 ticks here: a tick < 0.1 bps). The
    raw rule would loop; quoting keeps the engine's quotes out of the guard anyway."""
    spread = data.draw(st.decimals(D("0.01"), guard - D("0.2"), places=2))
    assert "spread_bps" in loop_problems(values(spread, guard, "1000"))
    spec = SymbolSpec("X", tick, D("0.001"), D("0.001"))
    top = BookTop("X", tick * best_bid_ticks, tick * (best_bid_ticks + 1))
    assert triggers(top, spec, spread, guard, D("1000"), guard_aware=False) == {"proximity"}
    assert "proximity" not in triggers(top, spec, spread, guard, D("1000"))
