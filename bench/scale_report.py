"""The scale benchmark's pure parts (bench/scale.py measures, this turns what it saw into
figures): percentiles, frame intervals, ground-truth uptime over a window, the latency
roll-up across bots, one row per (shape, N) and the printed table."""

from __future__ import annotations

import itertools
import statistics


def percentile(values, q: float) -> float | None:
    """Nearest rank, the same pick as the engine's snapshot latency; None when empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


def intervals(arrivals: list[float]) -> list[float]:
    """Gaps between frames, leaving out the connect-time frame (sent at once, not on the tick)."""
    return [b - a for a, b in itertools.pairwise(arrivals[1:])]


def interval_stats(gaps: list[float]) -> dict:
    def pick(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return {
        "p50_s": pick(percentile(gaps, 0.50)),
        "p99_s": pick(percentile(gaps, 0.99)),
        "max_s": pick(max(gaps) if gaps else None),
        "frames": len(gaps),
    }


def two_sided_pct(before: dict, after: dict) -> float | None:
    """Share of the window both sides rested, from two /sim/stats entries of one symbol."""
    observed = after["observed_seconds"] - before["observed_seconds"]
    if observed <= 0:
        return None
    return round(100.0 * (after["two_sided_seconds"] - before["two_sided_seconds"]) / observed, 3)


def latency_summary(latencies: list[dict | None]) -> dict:
    found = [x for x in latencies if x and x.get("samples")]
    p99s = [x["reaction_p99_ms"] for x in found if x.get("reaction_p99_ms") is not None]
    p50s = [x["reaction_p50_ms"] for x in found if x.get("reaction_p50_ms") is not None]
    return {
        "reaction_p99_ms_max": max(p99s) if p99s else None,
        "reaction_p50_ms_median": round(statistics.median(p50s), 3) if p50s else None,
        "reaction_samples": sum(x["samples"] for x in found),
        "bots_with_latency": len(found),
    }


def request_summary(requests: dict[str, dict], seconds: float) -> dict:
    """Exchange requests per second over all bots, in total and by path: the per-IP budget
    (50/s) is what a host of busy bots runs out of first."""
    by_path: dict[str, int] = {}
    for paths in requests.values():
        for path, count in paths.items():
            by_path[path] = by_path.get(path, 0) + count
    return {
        "requests_per_s": round(sum(by_path.values()) / seconds, 2),
        "requests_by_path": dict(sorted(by_path.items())),
    }


def summarize(shape: str, n: int, seconds: float, raw: dict) -> dict:
    """One table row from what a window measured (`raw`, see measure())."""
    cpu_pct = 100.0 * raw["cpu_seconds"] / seconds
    uptimes = [u for u in raw["two_sided_pct"].values() if u is not None]
    overview_gaps = [
        g for arrivals in raw["overview_arrivals"].values() for g in intervals(arrivals)
    ]
    return {
        "shape": shape,
        "n": n,
        "seconds": seconds,
        "processes": raw["processes"],
        "cpu_total_pct": round(cpu_pct, 1),
        "cpu_per_bot_pct": round(cpu_pct / n, 2),
        "rss_total_mb": round(raw["rss_peak_mb"], 1),
        "rss_per_bot_mb": round(raw["rss_peak_mb"] / n, 1),
        **latency_summary(list(raw["latency"].values())),
        "page": interval_stats(intervals(raw["page_arrivals"])),
        "overview": interval_stats(overview_gaps),
        "requotes_per_s": round(sum(raw["requotes"].values()) / seconds, 2),
        "requotes": raw["requotes"],
        **request_summary(raw.get("requests") or {}, seconds),
        "two_sided_pct_min": min(uptimes) if len(uptimes) == n else None,
        "two_sided_pct": raw["two_sided_pct"],
        "states": raw["states"],
        "reasons": raw.get("reasons", {}),
        "rate_limited": raw.get("rate_limited"),
        "sim_cpu_pct": round(100.0 * raw["sim_cpu_seconds"] / seconds, 1),
        "infra_cpu_pct": round(100.0 * raw["infra_cpu_seconds"] / seconds, 1),
        "host_busy_pct": raw.get("host_busy_pct"),
        "orders_left": raw.get("orders_left"),
        "log_errors": raw.get("log_errors"),
    }


COLUMNS = (  # header, width, how to show a row
    ("shape", 6, lambda r: r["shape"]),
    ("N", 3, lambda r: str(r["n"])),
    ("procs", 5, lambda r: str(r["processes"])),
    ("CPU %", 6, lambda r: f"{r['cpu_total_pct']:.0f}"),
    ("%/bot", 6, lambda r: f"{r['cpu_per_bot_pct']:.1f}"),
    ("RSS MB", 7, lambda r: f"{r['rss_total_mb']:.0f}"),
    ("MB/bot", 6, lambda r: f"{r['rss_per_bot_mb']:.0f}"),
    ("rq/s", 5, lambda r: f"{r['requotes_per_s']:.1f}"),
    ("req/s", 5, lambda r: f"{r.get('requests_per_s', 0):.1f}"),
    ("p50 ms", 7, lambda r: _num(r["reaction_p50_ms_median"], ".2f")),
    ("p99 ms", 7, lambda r: _num(r["reaction_p99_ms_max"], ".2f")),
    ("page s p50/p99/max", 19, lambda r: _gaps(r["page"])),
    ("overview s p50/p99/max", 22, lambda r: _gaps(r["overview"])),
    ("2-sided %", 9, lambda r: _num(r["two_sided_pct_min"], ".2f")),
    ("429s", 5, lambda r: _num(r["rate_limited"], "d")),
    ("sim %", 6, lambda r: f"{r['sim_cpu_pct']:.0f}"),
    ("infra %", 7, lambda r: f"{r['infra_cpu_pct']:.0f}"),
    ("host %", 6, lambda r: _num(r["host_busy_pct"], ".0f")),
)


def _num(value, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _gaps(stats: dict) -> str:
    return "/".join(_num(stats[k], ".2f") for k in ("p50_s", "p99_s", "max_s"))


def table(rows: list[dict]) -> str:
    """The printed table: one line per (shape, N)."""
    line = lambda cells: "  ".join(f"{c:>{w}}" for c, (_, w, _) in zip(cells, COLUMNS, strict=True))  # noqa: E731
    out = [line([h for h, _, _ in COLUMNS])]
    out += [line([show(r) for _, _, show in COLUMNS]) for r in rows]
    return "\n".join(out)
