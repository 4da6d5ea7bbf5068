"""The scale benchmark's pure parts: percentiles, frame intervals, ground-truth uptime over a
window, the latency roll-up across bots, a row and the printed table, the flags, and the
environment that gives every bot its own account (the run itself is `python -m bench.scale`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import scale, scale_deploy
from bench import scale_report as report


def test_percentile_is_the_engines_nearest_rank_and_none_when_empty():
    values = list(range(1, 101))
    assert report.percentile(values, 0.50) == 51
    assert report.percentile(values, 0.99) == 100
    assert report.percentile([3.0], 0.99) == 3.0
    assert report.percentile([], 0.5) is None


def test_intervals_leave_out_the_connect_frame():
    # connect at 0.0 (sent at once), then the 1 Hz tick at 0.4, 1.4, 2.5
    assert report.intervals([0.0, 0.4, 1.4, 2.5]) == pytest.approx([1.0, 1.1])
    assert report.intervals([0.0, 0.4]) == []
    stats = report.interval_stats([1.0, 1.1, 0.9])
    assert stats == {"p50_s": 1.0, "p99_s": 1.1, "max_s": 1.1, "frames": 3}
    assert report.interval_stats([])["p99_s"] is None


def test_two_sided_share_is_taken_over_the_window_only():
    before = {"two_sided_seconds": 50.0, "observed_seconds": 100.0}
    after = {"two_sided_seconds": 109.4, "observed_seconds": 160.0}
    assert report.two_sided_pct(before, after) == pytest.approx(99.0)
    assert report.two_sided_pct(before, before) is None  # nothing observed in between


def test_latency_rollup_is_the_worst_p99_and_the_median_p50():
    latencies = [
        {"reaction_p50_ms": 1.0, "reaction_p99_ms": 4.0, "samples": 10},
        {"reaction_p50_ms": 3.0, "reaction_p99_ms": 9.0, "samples": 20},
        {"reaction_p50_ms": 2.0, "reaction_p99_ms": 5.0, "samples": 30},
        {"reaction_p50_ms": None, "reaction_p99_ms": None, "samples": 0},
        None,
    ]
    assert report.latency_summary(latencies) == {
        "reaction_p99_ms_max": 9.0,
        "reaction_p50_ms_median": 2.0,
        "reaction_samples": 60,
        "bots_with_latency": 3,
    }
    assert report.latency_summary([None])["reaction_p99_ms_max"] is None


def raw_window(n: int) -> dict:
    bots = scale_deploy.bot_names(n)
    return {
        "cpu_seconds": 12.0,
        "sim_cpu_seconds": 3.0,
        "infra_cpu_seconds": 0.6,
        "rss_peak_mb": 400.0,
        "processes": 1,
        "latency": {
            b: {"reaction_p50_ms": 1.0, "reaction_p99_ms": 2.0, "samples": 5} for b in bots
        },
        "states": dict.fromkeys(bots, "running"),
        "page_arrivals": [0.0, 0.3, 1.3, 2.3],
        "overview_arrivals": {b: [0.0, 0.5, 1.5, 2.6] for b in bots},
        "two_sided_pct": {b: 99.5 - i for i, b in enumerate(bots)},
        "requotes": {bots[0]: 120},
        "orders_left": 0,
        "log_errors": 0,
    }


def test_a_row_divides_by_the_window_and_the_bot_count():
    row = report.summarize("one", 4, 60.0, raw_window(4))
    assert row["cpu_total_pct"] == 20.0 and row["cpu_per_bot_pct"] == 5.0
    assert row["rss_total_mb"] == 400.0 and row["rss_per_bot_mb"] == 100.0
    assert row["sim_cpu_pct"] == 5.0 and row["infra_cpu_pct"] == 1.0
    assert row["two_sided_pct_min"] == 96.5 and row["requotes_per_s"] == 2.0
    assert row["page"]["p50_s"] == 1.0 and row["page"]["frames"] == 2
    assert row["overview"]["frames"] == 8 and row["overview"]["max_s"] == 1.1


def test_a_bot_without_ground_truth_leaves_the_minimum_unknown():
    raw = raw_window(2)
    raw["two_sided_pct"]["bot02"] = None
    assert report.summarize("split", 2, 60.0, raw)["two_sided_pct_min"] is None


def test_the_table_has_a_line_per_point_and_dashes_for_missing_figures():
    rows = [
        report.summarize("one", 1, 60.0, raw_window(1)),
        report.summarize("split", 16, 60.0, {**raw_window(16), "latency": {}, "page_arrivals": []}),
    ]
    lines = report.table(rows).splitlines()
    assert len(lines) == 3 and "shape" in lines[0] and "2-sided %" in lines[0]
    assert lines[1].split()[:2] == ["one", "1"] and lines[2].split()[:2] == ["split", "16"]
    assert "-/-/-" in lines[2]
    assert len({len(line) for line in lines}) == 1  # columns line up


def test_flags():
    quick = scale.parse_args(["--quick"])
    assert (quick.seconds, quick.warmup, quick.ns, quick.shapes) == (
        15.0,
        5.0,
        [1, 4],
        ["one", "split"],
    )
    full = scale.parse_args([])
    assert (full.seconds, full.ns) == (60.0, [1, 4, 16])
    assert scale.parse_args(["--ns", "2", "--shapes", "split"]).ns == [2]
    with pytest.raises(SystemExit):
        scale.parse_args(["--shapes", "three"])


def test_each_bot_gets_its_own_account_and_the_env_never_leaks_ours(monkeypatch):
    monkeypatch.setenv("STANDX_JWT_TOKEN", "not-for-the-bench")
    accounts = {
        b: {"token": f"t-{b}", "key": f"k-{b}", "symbol": s}
        for b, s in zip(scale_deploy.bot_names(2), scale_deploy.SYMBOLS, strict=False)
    }
    env = scale_deploy.bot_env(Path("/tmp/x"), "http://127.0.0.1:9", accounts)
    assert env["STANDX_ACCOUNTS"] == "acct01,acct02"
    assert env["BOT_ACCOUNTS"] == "bot01:acct01,bot02:acct02"
    assert env["STANDX_ACCT02_JWT_TOKEN"] == "t-bot02"
    assert env["STANDX_ACCT02_ED25519_PRIVATE_KEY"] == "k-bot02"
    assert env["STANDX_WS_URL"] == "ws://127.0.0.1:9/ws-stream/v1"
    assert "STANDX_JWT_TOKEN" not in env


def snapshot(requotes: int, state: str = "running") -> dict:
    return {
        "state": state,
        "uptime": {"requotes": requotes},
        "latency": {"reaction_p50_ms": 1.0, "reaction_p99_ms": 3.0, "samples": 9},
    }


def test_the_probe_counts_requotes_in_the_window_and_rows_per_bot():
    probe = scale.Probe(["bot01", "bot02", "bot03"])
    for bot, counts in (("bot01", (10, 40)), ("bot02", (3000, 5))):  # bot02: a new hour
        for count in counts:
            probe.on_snapshot(bot, snapshot(count))
    probe.on_overview('<tr id="row-bot01">..</tr><tr id="row-bot02">', 1.0)
    probe.on_overview('<tr id="row-bot02">', 2.0)
    probe.on_overview('<div id="overview-clock">', 2.5)
    figures = probe.figures()
    assert figures["requotes"] == {"bot01": 30}
    assert figures["states"] == {"bot01": "running", "bot02": "running", "bot03": None}
    assert figures["latency"]["bot03"] is None
    assert figures["overview_arrivals"] == {"bot01": [1.0], "bot02": [1.0, 2.0], "*": [2.5]}


def test_make_bench_measures_the_one_process_shape_alone_without_the_split_servers(monkeypatch):
    from bench import run_all, services

    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    assert services.missing_binary() == "redis-server"
    assert run_all.scale_args() == ["--shapes", "one"]
    monkeypatch.setattr(services, "missing_binary", lambda: None)
    assert run_all.scale_args() == []


def test_split_workers_share_the_hosts_ip_budget():
    assert scale_deploy.ip_share(1) == "50.00"
    assert scale_deploy.ip_share(16) == "3.12"  # rounded down: never above the share
    assert scale_deploy.ip_share(99) == "1.00"  # the setting's minimum
