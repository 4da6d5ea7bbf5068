"""What the band strategy measures (trading.core.market_meter): the mark's volatility in bps
per sqrt(second) and the ack latency. Too low a volatility puts orders too close to the band's
edge (they leave it before a replacement lands); too high wastes the band."""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest

from trading.core.market_meter import MarketMeter


def looks(*marks: tuple[float, str]) -> MarketMeter:
    meter = MarketMeter()
    for at, mark in marks:
        meter.on_mark(at, D(mark))
    return meter


@pytest.mark.parametrize(
    ("marks", "variance"),
    [
        ([(0, "100")], None),  # one look: nothing to compare
        ([(0, "100"), (0.99, "100.5")], None),  # under a second apart: not a sample
        ([(0, "100"), (1, "100.02")], 4.0),  # 2 bps in 1 s
        ([(0, "100"), (4, "100.04")], 4.0),  # 4 bps in 4 s: the same rate
        ([(0, "100"), (0.5, "100.05"), (1, "100.02")], 4.0),  # measured from the last sample
        ([(0, "100"), (1, "99.98")], 4.0),  # down as up
        ([(0, "100"), (1, "100.02"), (2, "100.02")], 2.0),  # a plain mean of few samples
        ([(0, "100"), (1, "100.02"), (2, "100.02"), (3, "100.02")], 4 / 3),
        # The clock stepped back: the later look starts again from there.
        ([(0, "100"), (5, "100.1"), (3, "100"), (4, "100.02")], (20.0 + 4.0) / 2),
    ],
)
def test_volatility_is_the_root_mean_squared_move_per_second(marks, variance):
    meter = looks(*marks)
    if variance is None:
        assert meter.volatility_bps is None
    else:
        assert meter.volatility_bps == pytest.approx(math.sqrt(variance))


def test_a_long_run_forgets_with_a_two_minute_half_life():
    meter = MarketMeter()
    for second in range(1001):  # 1000 samples of 2 bps a second
        meter.on_mark(float(second), D("100") + D("0.02") * (second % 2))
    rate = meter.volatility_bps**2
    assert rate == pytest.approx(4.0, rel=1e-3)
    meter.on_mark(1000.0 + 120.0, D("100"))  # still for two minutes: half the weight
    assert meter.volatility_bps**2 == pytest.approx(rate / 2)
    meter.on_mark(1000.0 + 121.0, D("100"))  # one quiet second: 1 - 0.5 ** (1/120) of it
    weight = 1 - 0.5 ** (1 / 120)
    assert meter.volatility_bps**2 == pytest.approx(rate / 2 * (1 - weight))


@pytest.mark.parametrize(
    ("acks", "latency"),
    [
        ([], None),
        ([0.05], 0.05),
        ([0.0], 0.0),  # an instant ack is a measurement
        ([-0.01], None),  # a negative one (clock trouble) is not
        ([0.05, -1.0], 0.05),
        ([0.1, 0.2], 0.1 + (1 - 0.5 ** (1 / 20)) * 0.1),  # half-life of 20 acks
        ([0.2, 0.1], 0.2 - (1 - 0.5 ** (1 / 20)) * 0.1),
    ],
)
def test_latency_is_an_average_with_a_half_life_of_twenty_acks(acks, latency):
    meter = MarketMeter()
    for ack in acks:
        meter.on_ack(ack)
    assert meter.latency_s == (None if latency is None else pytest.approx(latency))


def test_twenty_slow_acks_move_the_average_half_way():
    meter = MarketMeter()
    meter.on_ack(0.1)
    for _ in range(20):
        meter.on_ack(0.3)
    assert meter.latency_s == pytest.approx(0.2)
