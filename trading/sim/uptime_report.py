"""Ground-truth reports: per-symbol stats (/sim/stats) and the hourly maker uptime
(/api/maker/uptime) computed the way the Uptime Program describes it (section 7.2):
in-band seconds (bid and ask both within band of the mark) per UTC hour; >= 42 min boosted,
>= 30 min standard, else none; uptime_pct = in_band_seconds / 3600 * 100. The hour's
counted size: its time-weighted mean over the part of the hour gone by, and X70 / X50 of
the random snapshots taken so far; maker_hours = max(X70 if boosted, X50 * 0.5 if standard
or boosted), 0 below 30 minutes."""

from __future__ import annotations

from decimal import Decimal

from trading.sim.groundtruth import GroundTruth, mean_string
from trading.sim.truth_hours import HOUR, HourFigures, sampled, x_percentile
from trading.sim.util import iso_hour

BOOSTED_S = 42 * 60
STANDARD_S = 30 * 60
SIZE_PLACES = 8


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


def hourly_report(matching, user: str, symbol: str, now: float) -> list[dict]:
    truth = matching.truth.get((user, symbol))
    return [] if truth is None else hour_rows(truth, now)


def hour_rows(truth: GroundTruth, now: float) -> list[dict]:
    return [
        hour_row(truth, hour, figures, now) for hour, figures in sorted(truth.hourly(now).items())
    ]


def hour_row(truth: GroundTruth, hour: int, figures: HourFigures, now: float) -> dict:
    elapsed = max(0.0, min(now, hour + HOUR) - hour)
    samples = sampled(figures, truth.snapshots, hour, now)
    x70, x50 = x_percentile(samples, 0.7), x_percentile(samples, 0.5)
    tier = tier_of(figures.in_band)
    return {
        "hour": iso_hour(hour),
        "two_sided_seconds": round(figures.two_sided, 3),
        "in_band_seconds": round(figures.in_band, 3),
        "uptime_pct": round(figures.in_band / 3600 * 100, 2),
        "tier": tier,
        "counted_size_mean": mean_string(figures.counted_qty_s, elapsed, SIZE_PLACES),
        "counted_notional_mean": mean_string(figures.counted_usd_s, elapsed, 2),
        "snapshots": len(samples),
        "x70": _size(x70),
        "x50": _size(x50),
        "maker_hours": _size(maker_hours(tier, x70, x50)),
    }


def maker_hours(tier: str, x70: Decimal | None, x50: Decimal | None) -> Decimal:
    candidates = [Decimal(0)]
    if tier == "boosted" and x70 is not None:
        candidates.append(x70)
    if tier in ("boosted", "standard") and x50 is not None:
        candidates.append(x50 * Decimal("0.5"))
    return max(candidates)


def _size(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal(1).scaleb(-SIZE_PLACES)))
