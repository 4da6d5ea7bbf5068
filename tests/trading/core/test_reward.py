"""Table tests of trading.core.reward: the hour's tier budget, StandX-style X70/X50 of
random samples, the sampler's moments, and order-lifetime statistics."""

from __future__ import annotations

import random

import pytest

from trading.core.reward import (
    AT_RISK,
    ON_TRACK,
    OUT_OF_REACH,
    SECURED,
    LifetimeStats,
    SizeSampler,
    percentile_descending,
    tier_budget,
)

HOUR0 = 1_800_000_000 - 1_800_000_000 % 3600  # an hour boundary


@pytest.mark.parametrize(
    "minute, in_band_min, standard, boosted",
    [
        (20, 20, ON_TRACK, ON_TRACK),  # all in band so far: pace 60/60
        (20, 12, ON_TRACK, AT_RISK),  # pace 36/h: 30 yes, 42 no
        (20, 5, AT_RISK, AT_RISK),  # boosted needs 37 of the 40 left: reachable
        (25, 5, AT_RISK, OUT_OF_REACH),  # boosted needs 37, 35 left
        (40, 30, SECURED, ON_TRACK),  # pace 45 min/h carries 30 to 45 >= 42
        (50, 42, SECURED, SECURED),
        (55, 20, OUT_OF_REACH, OUT_OF_REACH),  # 10 and 22 needed, 5 left
        (0, 0, AT_RISK, AT_RISK),  # the hour just began: nothing measured yet
    ],
)
def test_tier_status(minute, in_band_min, standard, boosted):
    elapsed, left, tiers = tier_budget(in_band_min * 60.0, HOUR0 + minute * 60)
    assert (elapsed, left) == (minute, 60 - minute)
    assert [t.status for t in tiers] == [standard, boosted]
    assert [t.minutes for t in tiers] == [30, 42]
    assert tiers[0].needed == max(0, 30 - in_band_min)


@pytest.mark.parametrize(
    "values, x70, x50",
    [
        ([], None, None),
        ([5.0], 5.0, 5.0),
        ([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 4, 6),  # sorted descending: 70th -> 4, 50th -> 6
        ([0, 0, 0, 30, 30, 30, 30, 30, 30, 30], 30, 30),
        ([0, 0, 0, 0, 30, 30, 30, 30, 30, 30], 0, 30),
    ],
)
def test_x70_x50_as_standx_sorts_them(values, x70, x50):
    assert percentile_descending(list(values), 0.7) == x70
    assert percentile_descending(list(values), 0.5) == x50


def test_sampler_takes_about_per_hour_samples_at_random_moments():
    sampler = SizeSampler(per_hour=60, rng=random.Random(1))
    for second in range(3600):
        sampler.observe(HOUR0 + second, 25.0 if second < 1800 else 0.0)
    samples = sampler.of_hour(HOUR0 + 10)
    assert 40 <= len(samples) <= 80
    assert set(samples) == {0.0, 25.0}  # sampled from both halves of the hour
    again = SizeSampler(per_hour=60, rng=random.Random(1))
    for second in range(3600):
        again.observe(HOUR0 + second, 25.0 if second < 1800 else 0.0)
    assert again.of_hour(HOUR0) == samples  # seeded: reproducible


def test_sampler_forgets_hours_before_the_previous_one():
    sampler = SizeSampler(per_hour=3600, rng=random.Random(2))
    for second in range(0, 4 * 3600, 5):
        sampler.observe(HOUR0 + second, 1.0)
    assert sorted(sampler.samples) == [HOUR0 + 2 * 3600, HOUR0 + 3 * 3600]


def test_lifetimes_count_young_cancels_and_the_median_life():
    stats = LifetimeStats(min_rest_s=3.0)
    assert stats.young_share is None and stats.median_life is None
    for life, ours in ((1.0, True), (2.5, True), (4.0, True), (10.0, False), (30.0, True)):
        stats.order_ended(life, ours)
    assert (stats.cancels, stats.young_cancels) == (4, 2)
    assert stats.young_share == 0.5
    assert stats.median_life == 4.0
