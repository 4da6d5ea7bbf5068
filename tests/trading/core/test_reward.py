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


@pytest.mark.parametrize(
    ("now_s", "in_band_s", "standard", "boosted"),
    [
        # Exactly as many minutes needed as are left: still reachable (every second in band).
        (1800, 0, AT_RISK, OUT_OF_REACH),  # standard needs 30 of the 30 left
        (2880, 1800, SECURED, AT_RISK),  # boosted needs 12 of the 12 left
        (1080, 0, AT_RISK, AT_RISK),  # boosted needs 42 of the 42 left
        # One second more needed than is left: out of reach.
        (1801, 0, OUT_OF_REACH, OUT_OF_REACH),
        (2880, 1799, ON_TRACK, OUT_OF_REACH),
        # One second less: reachable.
        (2880, 1801, SECURED, AT_RISK),
    ],
)
def test_a_tier_is_out_of_reach_only_when_more_is_needed_than_is_left(
    now_s, in_band_s, standard, boosted
):
    """A trader told "out of reach" stops trying for the hour: at exactly the minutes left
    the tier is still within reach (every remaining second in band secures it)."""
    _, _, tiers = tier_budget(float(in_band_s), HOUR0 + now_s)
    assert [t.status for t in tiers] == [standard, boosted]


@pytest.mark.parametrize(
    ("minute", "in_band_min", "running_min", "standard", "boosted"),
    [
        # 15 minutes in band out of 20 running (engine started at minute 10 of 30): pace 45/h
        # over the 30 left gives 37.5: standard on track, boosted at risk.
        (30, 15, 20, ON_TRACK, AT_RISK),
        # Judged over all 30 elapsed minutes instead, the pace is 30/h: 15 + 15 = 30.
        (30, 15, None, ON_TRACK, AT_RISK),
        (30, 10, 20, AT_RISK, OUT_OF_REACH),  # pace 30/h: 10 + 15 = 25 < 30
        (30, 10, 10, ON_TRACK, OUT_OF_REACH),  # pace 60/h: 10 + 30 = 40
        (30, 10, 15, ON_TRACK, OUT_OF_REACH),  # pace 40/h: 10 + 20 = 30, exactly the tier
        (30, 10, 0, AT_RISK, OUT_OF_REACH),  # nothing measured yet: no pace (boosted: 32 > 30 left)
        (30, 10, 90, AT_RISK, OUT_OF_REACH),  # running longer than the hour: the hour counts
    ],
)
def test_the_pace_is_measured_over_the_running_time(
    minute, in_band_min, running_min, standard, boosted
):
    running = None if running_min is None else running_min * 60.0
    elapsed, left, tiers = tier_budget(in_band_min * 60.0, HOUR0 + minute * 60, running)
    assert (elapsed, left) == (minute, 60 - minute)
    assert [t.status for t in tiers] == [standard, boosted]
    assert [t.needed for t in tiers] == [max(0, 30 - in_band_min), max(0, 42 - in_band_min)]


def test_tier_budget_rounds_to_a_tenth_of_a_minute_and_starts_each_utc_hour_anew():
    elapsed, left, tiers = tier_budget(61.0, HOUR0 + 3600 + 125)  # 2 min 5 s into the next hour
    assert (elapsed, left) == (2.1, 57.9)
    assert [t.needed for t in tiers] == [29.0, 41.0]
    assert [t.name for t in tiers] == ["standard", "boosted"]


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([3.0, 1.0, 2.0], 0.0, 3.0),  # the largest sample
        ([3.0, 1.0, 2.0], 1.0, 1.0),  # the smallest
        ([3.0, 1.0, 2.0], 0.34, 2.0),  # ceil(1.02) = 2nd
        ([3.0, 1.0, 2.0], 0.33, 3.0),  # ceil(0.99) = 1st
        ([4.0, 3.0, 2.0, 1.0], 0.5, 3.0),  # exactly half: the 2nd, not the 3rd
    ],
)
def test_percentile_picks_the_ceiling_rank_of_the_descending_samples(values, share, expected):
    assert percentile_descending(values, share) == expected


def test_the_sampler_takes_its_first_sample_a_random_gap_after_the_first_look():
    sampler = SizeSampler(per_hour=3600, rng=random.Random(5))  # about one a second
    sampler.observe(HOUR0, 1.0)
    assert sampler.of_hour(HOUR0) == []  # nothing yet: the first moment is in the future
    sampler.observe(HOUR0 + 30, 7.0)  # every moment that passed is sampled at this size
    taken = sampler.of_hour(HOUR0)
    assert 15 <= len(taken) <= 50 and set(taken) == {7.0}
    assert sampler.of_hour(HOUR0 + 3600) == []


def test_lifetimes_keep_the_most_recent_lives_only():
    stats = LifetimeStats(min_rest_s=3.0, keep=3)
    for life in (100.0, 1.0, 2.0, 3.0):
        stats.order_ended(life, cancelled_by_us=False)
    assert list(stats.lives) == [1.0, 2.0, 3.0] and stats.median_life == 2.0
    assert stats.young_share is None  # no cancel of ours: nothing to judge
    stats.order_ended(3.0, cancelled_by_us=True)  # exactly the rest: not young
    assert (stats.cancels, stats.young_cancels) == (1, 0)
