"""Ground-truth reports: per-symbol stats (/sim/stats) and the hourly maker uptime
(/api/maker/uptime) computed the way the Uptime Program describes it: in-band seconds
(bid and ask both within band of the mark) per UTC hour; >= 42 min boosted, >= 30 min
standard, else none. uptime_pct = in_band_seconds / 3600 * 100."""
from __future__ import annotations

from trading.sim.groundtruth import GroundTruth
from trading.sim.util import iso_hour

BOOSTED_S = 42 * 60
STANDARD_S = 30 * 60


def stats_of(matching, user: str, now: float) -> dict:
    symbols = {}
    for symbol in matching.market.symbols:
        truth = matching.truth.get((user, symbol))
        symbols[symbol] = (truth or GroundTruth(matching.config.band_bps)).snapshot(now)
    return {"symbols": symbols}


def tier_of(in_band_seconds: float) -> str:
    if in_band_seconds >= BOOSTED_S:
        return "boosted"
    if in_band_seconds >= STANDARD_S:
        return "standard"
    return "none"


def hourly_report(matching, user: str, symbol: str, now: float) -> list[dict]:
    truth = matching.truth.get((user, symbol))
    if truth is None:
        return []
    rows = []
    for hour, figures in sorted(truth.hourly(now).items()):
        rows.append({
            "hour": iso_hour(hour), "two_sided_seconds": round(figures.two_sided, 3),
            "in_band_seconds": round(figures.in_band, 3),
            "uptime_pct": round(figures.in_band / 3600 * 100, 2),
            "tier": tier_of(figures.in_band),
        })
    return rows
