"""Table tests of the band strategy's planning (trading.core.band, trading.core.strategy_band)
and its measurements (trading.core.market_meter)."""

from __future__ import annotations

import math
import random
from decimal import Decimal as D

import pytest

from trading.core.band import BandInputs, exit_margin, plan_band
from trading.core.bot_settings import DEFAULTS
from trading.core.domain import BookTop, Side
from trading.core.market_meter import MarketMeter
from trading.core.strategies import earn_problem, plan_pass
from trading.core.strategy import Measured

TOP = BookTop("BTC-USD", D("65999.99"), D("66000.01"))  # mid 66000, a 2-tick book


def inputs(band="10", margin="0", guard="1", vol=1.0, latency=0.05) -> BandInputs:
    return BandInputs(D(band), D(margin), D(guard), vol, latency)


@pytest.mark.parametrize(
    "vol, latency, margin, expected",
    [
        (None, None, "0", D("0.5")),  # nothing measured: the floor
        (1.0, 0.05, "0", D("0.58")),  # 1.5 x 1 x sqrt(0.15)
        (4.0, 0.05, "0", D("2.32")),
        (8.0, 0.5, "0", D("5")),  # never more than half the band
        (1.0, 0.05, "2", D("2")),  # BAND_MARGIN_BPS is a floor
    ],
)
def test_exit_margin_from_volatility_and_latency(vol, latency, margin, expected):
    assert exit_margin(inputs(margin=margin, vol=vol, latency=latency)) == expected


def test_with_the_mark_at_the_mid_each_side_sits_between_edge_and_touch_nearer_the_edge():
    plan = plan_band(TOP, TOP.mid, inputs())
    edge = D("10") - plan.margin_bps  # 9.42
    near = D("1") - D("0.0015") + D("1.5")  # the guard, a 1-tick touch, 1.5 bp
    assert plan.bid.in_band and plan.ask.in_band
    assert plan.bid.keep_low == -edge and plan.ask.keep_high == edge
    assert abs(plan.bid.target + edge - (edge - near) * D("0.4")) < D("0.01")
    assert abs(plan.ask.target - edge + (edge - near) * D("0.4")) < D("0.01")
    assert plan.price(Side.BUY) < TOP.best_bid < TOP.best_ask < plan.price(Side.SELL)


@pytest.mark.parametrize(
    "vol, guard, urgent",
    [(None, "1", D("1")), (1.0, "1", D("1")), (4.0, "1", D("2.32")), (4.0, "5", D("5"))],
)
def test_the_urgent_distance_widens_the_guard_in_a_fast_market(vol, guard, urgent):
    assert plan_band(TOP, TOP.mid, inputs(guard=guard, vol=vol)).urgent_bps == urgent


def test_a_mark_far_above_the_mid_leaves_no_bid_in_band_but_the_ask_can_cross_the_mark():
    mark = TOP.mid * D("1.0012")  # 12 bps above the mid
    plan = plan_band(TOP, mark, inputs())
    assert not plan.bid.in_band  # the bid must stay under the touch
    assert plan.price(Side.BUY) < TOP.best_ask * D("0.9999")
    assert plan.ask.in_band and plan.ask.keep_low < 0 < plan.ask.keep_high


def test_a_wide_gap_tightens_that_side_to_the_plain_guard_to_stay_in_band():
    mark = TOP.mid * D("1.0007")  # 7 bps above the mid
    wide = inputs(vol=4.0)  # margins of 2.3 bps each
    plan = plan_band(TOP, mark, wide)
    assert plan.bid.in_band and plan.bid.urgent == D("1")  # tight: the plain guard
    assert plan.ask.urgent == D("2.32") and plan.urgent_bps == D("1")
    assert abs((plan.price(Side.BUY) - mark) / mark * 10000) <= 10


@pytest.mark.parametrize(
    "values, can_earn, words",
    [
        ({"quote_strategy": "spread", "spread_bps": "50"}, False, "SPREAD_BPS 50 is not inside"),
        ({"quote_strategy": "spread", "spread_bps": "8"}, True, None),
        ({"quote_strategy": "spread", "spread_bps": "10"}, False, "earn nothing"),
        ({"quote_strategy": "band"}, True, None),
        ({"quote_strategy": "band", "uptime_band_bps": "1.5"}, False, "leaves no room"),
    ],
)
def test_whether_the_configuration_can_earn(values, can_earn, words):
    settings = DEFAULTS.updated({"uptime_band_bps": "10", "proximity_guard_bps": "1", **values})
    problem = earn_problem(settings, TOP, Measured(1.0, 0.05))
    assert (problem is None) is can_earn
    assert (problem is None) if words is None else words in problem


def test_band_plans_windows_rest_and_no_stale_or_drift_requotes():
    plan = plan_pass(
        DEFAULTS.updated(
            {
                "quote_strategy": "band",
                "uptime_band_bps": "10",
                "proximity_guard_bps": "1",
                "band_min_rest_seconds": "3",
            }
        ),
        TOP,
        TOP.mid,
        Measured(1.0, 0.05, requests_per_minute=20),
    )
    assert plan.window_only and plan.min_rest_seconds == 3.0 and not plan.holding
    assert plan.anchors == (plan.band.price(Side.BUY), plan.band.price(Side.SELL))
    assert plan.windows[Side.BUY].high < 0 < plan.windows[Side.SELL].low


def test_over_the_request_cap_the_touch_side_of_the_window_widens_to_the_urgent_limit():
    values = DEFAULTS.updated(
        {
            "quote_strategy": "band",
            "uptime_band_bps": "10",
            "proximity_guard_bps": "1",
            "band_max_requests_per_minute": 60,
        }
    )
    calm = plan_pass(values, TOP, TOP.mid, Measured(1.0, 0.05, requests_per_minute=59))
    busy = plan_pass(values, TOP, TOP.mid, Measured(1.0, 0.05, requests_per_minute=61))
    assert busy.holding and not calm.holding
    assert busy.windows[Side.BUY].low == calm.windows[Side.BUY].low  # the band edge
    assert calm.windows[Side.BUY].high < busy.windows[Side.BUY].high < 0
    assert busy.windows[Side.BUY].high > -D("1.01")  # the guard


def test_band_without_a_mark_plans_nothing_yet():
    plan = plan_pass(DEFAULTS.updated({"quote_strategy": "band"}), TOP, None, Measured())
    assert plan.anchors is None and "mark" in plan.note


def test_the_meter_measures_a_random_walks_volatility_and_the_ack_latency():
    rng, meter, mark = random.Random(3), MarketMeter(), D("66000")
    assert meter.volatility_bps is None and meter.latency_s is None
    for step in range(3000):  # 0.2 s steps, 2 bps per sqrt(s)
        mark *= 1 + D(str(rng.gauss(0, 2 * math.sqrt(0.2)))) / 10000
        meter.on_mark(step * 0.2, mark)
    assert 1.6 < meter.volatility_bps < 2.4
    for latency in (0.05, 0.06, 0.04, 0.05):
        meter.on_ack(latency)
    assert 0.04 <= meter.latency_s <= 0.06
