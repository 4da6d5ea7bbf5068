"""trading.core.strategies: one table from the QUOTE_STRATEGY value to its strategy, each
behind one interface (plan a pass, whether the settings can earn, describe itself)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from trading.core.bot_settings import DEFAULTS, SPEC
from trading.core.domain import BPS, BookTop, SymbolSpec
from trading.core.quoting import QuoteParams, compute_quotes
from trading.core.strategies import (
    STRATEGIES,
    UnknownStrategy,
    describe,
    earn_problem,
    plan_pass,
    strategy_for,
)
from trading.core.strategy import Measured, Strategy

TOP = BookTop("BTC-USD", D("65999.99"), D("66000.01"))
BTC = SymbolSpec("BTC-USD", price_tick=D("0.01"), qty_tick=D("0.0001"), min_qty=D("0.0001"))
SPREAD = DEFAULTS.updated({"quote_strategy": "spread", "spread_bps": "5"})
BAND = DEFAULTS.updated({"quote_strategy": "band"})


def test_the_table_and_the_settings_choices_name_the_same_strategies():
    assert set(STRATEGIES) == set(SPEC["quote_strategy"].values)
    for name, strategy in STRATEGIES.items():
        assert isinstance(strategy, Strategy) and strategy.name == name


def test_a_value_with_no_strategy_is_refused_by_name():
    unregistered = dataclasses.replace(DEFAULTS, quote_strategy="fixed")  # past the spec
    with pytest.raises(UnknownStrategy, match="'fixed' has no registered strategy"):
        strategy_for(unregistered)
    with pytest.raises(UnknownStrategy):
        plan_pass(unregistered, TOP, TOP.mid, Measured())


def test_spread_aims_at_mid_plus_minus_the_spread_as_quoting_always_did():
    plan = plan_pass(SPREAD, TOP, TOP.mid, Measured())
    spread = D("5") / BPS
    assert plan.anchors == (TOP.mid * (1 - spread), TOP.mid * (1 + spread))
    params = QuoteParams.from_settings(SPREAD)
    assert compute_quotes(TOP, BTC, params, anchors=plan.anchors) == compute_quotes(
        TOP, BTC, params
    )
    assert plan.windows is not None and not plan.window_only and plan.min_rest_seconds == 0


def test_spread_keeps_quoting_without_a_mark_and_band_waits_for_one():
    assert plan_pass(SPREAD, TOP, None, Measured()).anchors is not None
    waiting = plan_pass(BAND, TOP, None, Measured())
    assert waiting.anchors is None and waiting.windows is None
    assert waiting.note == "waiting for the first mark price"


def test_the_band_anchors_on_the_mark_not_the_mid():
    mark = TOP.mid * (1 + D("3") / BPS)
    plan = plan_pass(BAND, TOP, mark, Measured(1.0, 0.05))
    assert plan.band is not None and plan.band.mark == mark
    assert plan.anchors is not None
    bid, ask = plan.anchors
    assert bid == mark * (1 + plan.band.bid.target / BPS)
    assert ask == mark * (1 + plan.band.ask.target / BPS)
    assert bid < mark < ask


def test_each_strategy_describes_itself_from_the_settings():
    assert describe(SPREAD) == "5 bps each side of the mid, requote beyond 25 bps"
    assert describe(BAND.updated({"band_margin_bps": "1.5"})) == (
        "both sides inside 10 bps of the mark (margin 1.5 bps, min rest 3s, at most 300 "
        "requests a minute)"
    )


def test_without_a_book_only_the_spread_can_say_it_cannot_earn():
    assert "SPREAD_BPS 50 is not inside UPTIME_BAND_BPS 10" in (
        earn_problem(DEFAULTS, None, Measured()) or ""
    )
    narrow = BAND.updated({"uptime_band_bps": "1.5"})
    assert earn_problem(narrow, None, Measured()) is None  # only a book tells
    assert "leaves no room" in (earn_problem(narrow, TOP, Measured(1.0, 0.05)) or "")
