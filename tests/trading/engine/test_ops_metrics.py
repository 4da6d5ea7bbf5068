"""The snapshot's "ops" counters (trading/engine/ops_metrics.py): totals since the engine
started that only grow, though the hourly figures they come from restart every hour."""

from __future__ import annotations

from trading.core.uptime import HOUR, HourUptime
from trading.engine.ops_metrics import REACTION_BUCKETS_MS, OpsTally, ReactionHistogram

H = 1_800_000_000 - 1_800_000_000 % HOUR


def row(hour: int, in_band: float, two_sided: float, requotes: int = 0, fills: int = 0):
    return HourUptime(hour, two_sided, in_band, requotes=requotes, fills=fills)


def test_totals_start_at_zero_and_count_only_what_this_engine_saw():
    tally = OpsTally()
    earlier = {H - HOUR: row(H - HOUR, 1000, 1200, 5, 1), H: row(H, 300, 400, 2, 0)}
    assert set(tally.totals(earlier).values()) == {0.0}, "a restart's loaded hours are no news"
    later = {H - HOUR: earlier[H - HOUR], H: row(H, 360, 460, 3, 1)}
    assert tally.totals(later) == {
        "in_band_seconds": 60.0,
        "two_sided_seconds": 60.0,
        "requotes": 1.0,
        "fills": 1.0,
    }


def test_totals_keep_growing_across_hours_and_after_old_hours_are_folded():
    tally = OpsTally()
    tally.totals({H: row(H, 0, 0)})
    tally.totals({H: row(H, 3000, 3500, 10)})
    next_hour = {H: row(H, 3000, 3500, 10), H + HOUR: row(H + HOUR, 100, 120, 1)}
    assert tally.totals(next_hour)["in_band_seconds"] == 3100.0
    # Two hours later the first hour is folded (and the meter may prune it: no difference).
    hours = {H + HOUR: row(H + HOUR, 3500, 3600, 12), H + 2 * HOUR: row(H + 2 * HOUR, 50, 50)}
    for _ in range(3):
        totals = tally.totals(hours)
    assert totals == {
        "in_band_seconds": 3000 + 3500 + 50.0,
        "two_sided_seconds": 3500 + 3600 + 50.0,
        "requotes": 22.0,
        "fills": 0.0,
    }
    hours[H + 2 * HOUR] = row(H + 2 * HOUR, 60, 70)
    assert tally.totals({H: row(H, 3000, 3500, 10), **hours})["in_band_seconds"] == 6560.0


def test_reaction_histogram_is_cumulative_with_prometheus_bounds():
    histogram = ReactionHistogram()
    for ms in (0.3, 1.0, 1.5, 7, 40, 9000):
        histogram.observe(ms)
    view = histogram.view()
    buckets = dict(view["buckets"])
    assert [b for b, _ in view["buckets"]] == list(REACTION_BUCKETS_MS)
    assert (buckets[0.5], buckets[1], buckets[2], buckets[10], buckets[50]) == (1, 2, 3, 4, 5)
    assert buckets[5000] == 5 and view["count"] == 6, "9 s is only in +Inf (the count)"
    assert view["sum_ms"] == 9049.8
