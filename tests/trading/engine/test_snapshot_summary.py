"""The overview's summary of a snapshot, and the reaction latency figures snapshots carry."""

from __future__ import annotations

from trading.core.summary import summarize
from trading.engine.snapshot import LATENCY_WINDOW, reaction_latency


def test_latency_percentiles_of_the_latest_window_only():
    assert reaction_latency([]) == {"reaction_p50_ms": None, "reaction_p99_ms": None, "samples": 0}
    old_slow = [500.0] * 50
    recent = [float(n) for n in range(1, LATENCY_WINDOW + 1)]  # 1..1000 ms
    figures = reaction_latency(old_slow + recent)
    assert figures == {
        "reaction_p50_ms": 501.0,
        "reaction_p99_ms": 991.0,
        "samples": LATENCY_WINDOW,
    }


def test_summary_keeps_what_the_overview_shows_and_drops_the_rest():
    snapshot = {
        "bot": "eth",
        "state": "running",
        "state_reason": "",
        "mode": "sim",
        "symbol": "ETH-USD",
        "feed": {"market": "connected", "account": "connected", "last_message_age_s": 0.1},
        "quotes": {"bid": {"price": "2999.1", "qty": "0.1"}, "ask": None},
        "orders": [{"cl_ord_id": "a"}, {"cl_ord_id": "b"}, {"cl_ord_id": "c"}],
        "uptime": {
            "hour": "h",
            "two_sided_seconds": 30,
            "in_band_seconds": 20,
            "elapsed_seconds": 60,
            "target_minutes": 30,
            "requotes": 9,
        },
        "history": [{"hour": "h"}] * 24,
        "events": [{"kind": "place"}] * 30,
        "failures": {"consecutive": 1, "max": 5},
        "position": {"qty": "0"},
        "latency": {"reaction_p99_ms": 2.5},
        "updated_at": "t",
    }
    summary = summarize(snapshot)
    assert summary["bid"] == "2999.1" and summary["ask"] is None
    assert summary["orders"] == 3 and summary["feed"] == "connected"
    assert summary["engine"] is True  # an engine's snapshot has no "engine" key
    assert "requotes" not in summary["uptime"] and "history" not in summary
    assert "events" not in summary and summary["latency"] == {"reaction_p99_ms": 2.5}
    assert summarize({"bot": "x", "engine": False})["engine"] is False
