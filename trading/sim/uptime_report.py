"""Ground-truth reports: per-symbol stats (/sim/stats) and the hourly maker uptime
(/api/maker/uptime), from the exchange's own resting intervals and marks.

Per UTC hour, the Uptime Program's figures (docs/standx-protocol.md §7.2): in-band seconds
(bid and ask both within band of the mark); >= 42 min boosted, >= 30 min standard, else
none; uptime_pct = in_band_seconds / 3600 * 100; the counted size's time-weighted mean over
the part of the hour gone by, and X70 / X50 of the random snapshots taken so far.

And the reward schedule's (§7.5, the simulator's `reward_schedule`): the figure integrated
(`weighted_size_seconds`) and its mean, the seconds it was above zero and the tier they
reach, and the hour's Maker Hours (also as `eligible_hour`, StandX's name for it; None when
the schedule gives the symbol no unit). `total_eligible_hours` sums them."""

from __future__ import annotations

from decimal import Decimal

from trading.core.maker_hours import hour_maker_hours
from trading.sim.groundtruth import GroundTruth, mean_string
from trading.sim.truth_hours import HOUR, HourFigures, sampled, x_percentile
from trading.sim.util import iso_hour

BOOSTED_S = 42 * 60
STANDARD_S = 30 * 60
SIZE_PLACES = 8
MAKER_HOURS_PLACES = 12  # a small bot's hour is a fraction of a millionth of a Maker Hour


def stats_of(matching, user: str, now: float) -> dict:
    symbols = {}
    for symbol in matching.market.symbols:
        truth = matching.truth.get((user, symbol)) or matching.new_truth(symbol)
        symbols[symbol] = {**truth.snapshot(now), "hours": hour_rows(truth, now)}
    return {"symbols": symbols}


def tier_of(in_band_seconds: float) -> str:
    if in_band_seconds >= BOOSTED_S:
        return "boosted"
    if in_band_seconds >= STANDARD_S:
        return "standard"
    return "none"


def hourly_report(matching, user: str, symbol: str, now: float) -> dict:
    """GET /api/maker/uptime: the hours and their Maker Hours in total."""
    truth = matching.truth.get((user, symbol))
    hours = [] if truth is None else hour_rows(truth, now)
    eligible = [Decimal(h["eligible_hour"]) for h in hours if h["eligible_hour"] is not None]
    total = sum(eligible, Decimal(0))
    return {"total_eligible_hours": _size(total, MAKER_HOURS_PLACES), "hours": hours}


def hour_rows(truth: GroundTruth, now: float) -> list[dict]:
    return [
        hour_row(truth, hour, figures, now) for hour, figures in sorted(truth.hourly(now).items())
    ]


def hour_row(truth: GroundTruth, hour: int, figures: HourFigures, now: float) -> dict:
    elapsed = max(0.0, min(now, hour + HOUR) - hour)
    samples = sampled(figures.samples, truth.snapshots, hour, now)
    x70, x50 = x_percentile(samples, 0.7), x_percentile(samples, 0.5)
    maker_hours = _maker_hours(truth, figures, hour, now)
    reward_tier = truth.reward.tier_reached(figures.reward_s) if truth.reward else None
    return {
        "hour": iso_hour(hour),
        "two_sided_seconds": round(figures.two_sided, 3),
        "in_band_seconds": round(figures.in_band, 3),
        "uptime_pct": round(figures.in_band / 3600 * 100, 2),
        "tier": tier_of(figures.in_band),
        "counted_size_mean": mean_string(figures.counted_qty_s, elapsed, SIZE_PLACES),
        "counted_notional_mean": mean_string(figures.counted_usd_s, elapsed, 2),
        "snapshots": len(samples),
        "x70": _size(x70),
        "x50": _size(x50),
        "schedule": truth.reward.name if truth.reward else None,
        "weighted_size_seconds": _size(figures.weighted_s),
        "weighted_size_mean": mean_string(figures.weighted_s, elapsed, SIZE_PLACES),
        "reward_seconds": round(figures.reward_s, 3),
        "reward_tier": reward_tier.name if reward_tier else "none",
        "maker_hours": _size(maker_hours, MAKER_HOURS_PLACES),
        "eligible_hour": _size(maker_hours, MAKER_HOURS_PLACES),
    }


def _maker_hours(truth: GroundTruth, figures: HourFigures, hour: int, now: float):
    if truth.reward is None:
        return None
    figure_samples = sampled(figures.figure_samples, truth.snapshots, hour, now)
    return hour_maker_hours(
        truth.reward,
        truth.terms,
        float(figures.weighted_s),
        figures.reward_s,
        [float(v) for v in figure_samples],
    )


def _size(value: Decimal | None, places: int = SIZE_PLACES) -> str | None:
    return None if value is None else format(value.quantize(Decimal(1).scaleb(-places)), "f")
