"""The soak's result record, made at the end from what the watch saw and the fault log the run
kept: faults injected, requote time after each kind, dark seconds charged to a cause, orphans
and the bot process' figures. Only figures, no verdict (that is bench/soak_report.py)."""

from __future__ import annotations

import statistics

from bench.soak_watch import Watch

# Seconds after a fault's window in which a dark spell (or the return to two-sided) is still
# that fault's doing.
DARK_WINDOW = {
    "ws_drop": 5.0,
    "burst_429": 10.0,
    "stall": 5.0,
    "sim_restart": 20.0,
    "bot_kill": 30.0,
}


def fault_counts(events: list[dict], injected: dict) -> dict:
    kinds = [e["kind"] for e in events]
    return {
        "ws_drop": injected.get("ws_drop", 0),
        "http_5xx": injected.get("http_5xx", 0),
        "hang": injected.get("hang", 0),
        "http_429": injected.get("http_429", 0),
        "alo_reject": injected.get("alo_reject", 0),
        "burst_429_events": kinds.count("burst_429"),
        "stall_15s": kinds.count("stall"),
        "sim_restart": kinds.count("sim_restart"),
        "bot_sigkill": kinds.count("bot_kill"),
    }


def windows(watch: Watch, events: list[dict]) -> list[tuple[str, float, float]]:
    """(kind, start, end) of every fault, WebSocket drops included."""
    return sorted(
        [("ws_drop", t, t) for t in watch.drops]
        + [(e["kind"], e["start"], e["end"]) for e in events],
        key=lambda w: w[1],
    )


def dark_by_cause(watch: Watch, events: list[dict]) -> dict:
    """Ground-truth seconds not two-sided, charged to the fault whose window holds the
    start of the dark spell ("other" when none: background 5xx/hangs/ALO rejects)."""
    out: dict[str, float] = {}
    for start, length in watch.dark_spells():
        cause = next(
            (
                kind
                for kind, s, e in reversed(windows(watch, events))
                if s - 1.0 <= start <= e + DARK_WINDOW[kind]
            ),
            "other",
        )
        out[cause] = round(out.get(cause, 0.0) + length, 2)
    return out


def requote_times(watch: Watch, events: list[dict]) -> dict:
    by_kind: dict[str, list] = {}
    for kind, start, end in windows(watch, events):
        by_kind.setdefault(kind, []).append(watch.two_sided_at(start, end, DARK_WINDOW[kind]))
    return {kind: summarize(values) for kind, values in by_kind.items()}


def summarize(values: list[float | None]) -> dict:
    back = sorted(v for v in values if v is not None)
    if not back:
        return {"n": len(values), "never_back": len(values)}
    pick = lambda q: back[min(len(back) - 1, round(q * (len(back) - 1)))]  # noqa: E731
    return {
        "n": len(values),
        "never_back": len(values) - len(back),
        "p50": round(statistics.median(back), 2),
        "p99": round(pick(0.99), 2),
        "max": round(back[-1], 2),
    }


def orphans(watch: Watch, end_orders: list[dict]) -> dict:
    """Mismatches between the bot and the exchange that outlived the grace window, and
    our orders still resting after the clean stop."""
    return {
        "during_run": len(watch.orphans),
        "longest_s": round(max(watch.orphans.values(), default=0.0), 1),
        "ghosts": len(watch.ghosts),
        "at_end": len(end_orders),
        "seen": dict(sorted(watch.first_seen.items())[:10]),
        "bot_api_errors": watch.bot_errors,
    }


def bot_figures(watch: Watch, exit_code: int | None) -> dict:
    return {
        **{k: round(v, 2) for k, v in watch.res.items()},
        "exit_code": exit_code,
        "states_seen": dict(watch.bot_states),
        "state_reasons": sorted(watch.state_reasons),
    }
