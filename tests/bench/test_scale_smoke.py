"""The scale benchmark end to end, very short: two bots as one `runbot` process and as a
daphne web tier + two engine workers on Redis + PostgreSQL, against `runsim`. Asserts what
the run must show, never how fast: every point is there with its figures, each bot's JSON
stream, page and overview row arrived, every bot ran and rested both sides, and the clean
stop left no order and no traceback. (Speed is bench/scale.py's table, not a test.)"""

from __future__ import annotations

import json

from bench import scale
from bench.services import ServiceMissing
from tests.integration.conftest import missing


def test_quick_scale_run_has_every_point_with_its_figures(tmp_path):
    output = tmp_path / "scale.json"
    try:
        scale.main(
            [
                "--ns",
                "2",
                "--shapes",
                "one,split",
                "--seconds",
                "4",
                "--warmup",
                "1",
                "--output",
                str(output),
            ]
        )
    except ServiceMissing as exc:
        missing(str(exc))
    result = json.loads(output.read_text())
    points = {(p["shape"], p["n"]): p for p in result["points"]}
    assert set(points) == {("one", 2), ("split", 2)}
    assert points["one", 2]["processes"] == 1 and points["split", 2]["processes"] == 3
    for point in points.values():
        assert point["states"] == {"bot01": "running", "bot02": "running"}
        assert point["cpu_total_pct"] > 0 and point["rss_total_mb"] > 0
        assert point["bots_with_latency"] == 2 and point["reaction_samples"] > 0
        assert point["reaction_p99_ms_max"] is not None
        assert point["page"]["frames"] >= 1 and point["overview"]["frames"] >= 1
        assert point["two_sided_pct_min"] is not None
        assert point["orders_left"] == 0 and point["log_errors"] == 0
