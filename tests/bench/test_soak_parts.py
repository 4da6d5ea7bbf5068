"""The soak's pure parts: the seeded fault plan, requote timing and dark spells from samples,
the verdict (the phases' too), and the log scan (the soak itself is `make soak`, not a test)."""

from __future__ import annotations

from bench import soak_faults
from bench.soak_procs import count_tracebacks
from bench.soak_report import evaluate
from bench.soak_watch import Watch


def test_plan_is_seeded_and_has_every_one_shot():
    a, b = soak_faults.plan(3, 120), soak_faults.plan(3, 120)
    assert a == b
    kinds = [e.kind for e in a]
    for kind in ("stall", "sim_restart", "bot_kill"):
        assert kinds.count(kind) == 1
    assert kinds.count("burst_429") >= 1
    assert [e.at for e in a] == sorted(e.at for e in a)
    assert all(0 < e.at < 120 for e in a)


def test_drop_intervals_stay_in_range():
    drops = soak_faults.DropIntervals(5)
    assert all(20 <= drops.next() <= 60 for _ in range(100))


def _watch(samples):
    w = Watch("http://127.0.0.1:1", "t", "http://127.0.0.1:2", "a", "mmbot-", 5.0)
    w.samples = samples
    return w


def test_requote_time_counts_from_the_fault_end():
    w = _watch([(10.0, True), (11.0, False), (12.0, False), (13.5, True), (20.0, True)])
    assert w.two_sided_at(10.5, 12.0, 5.0) == 1.5
    assert w.two_sided_at(15.0, 16.0, 2.0) == 0.0  # never went dark
    assert _watch([(1.0, False), (2.0, False)]).two_sided_at(0.0, 1.0, 5.0) is None


def test_dark_spells_start_at_the_last_two_sided_sample():
    w = _watch([(0.0, True), (1.0, False), (2.0, False), (3.0, True), (4.0, False)])
    assert w.dark_spells() == [(0.0, 3.0), (3.0, 1.0)]


STORM_KILL_MET = {
    "two_sided_before_s": 0.1,
    "breaker_engaged": True,
    "places_last_s_at_kill": 3,
    "cleared_s": 0.2,
    "created_after_kill": 0,
    "says_killed_s": 0.3,
    "state_reason": "manual kill",
    "phantoms_after_kill": 0,
    "two_sided_after_start_s": 0.5,
}
FROZEN_STOP_MET = {
    "two_sided_before_s": 0.1,
    "exit_code": 1,
    "stop_s": 20.2,
    "may_remain_line": "CommandError: orders may remain on the exchange: ...",
    "resting_at_exit": 2,
    "orphans_cleared_s": 1.0,
    "two_sided_after_restart_s": 1.2,
}


def _result(storm_kill=None, frozen_stop=None, **changes):
    base = {
        "orphans": {"at_end": 0, "during_run": 0, "longest_s": 0.0},
        "tracebacks": {"count": 0, "samples": []},
        "history": {
            "rows_lost": 0,
            "seconds_lost_at_kill": 3.0,
            "account_survived_sim_restart": True,
        },
        "bot": {"exit_code": 0},
        "phases": {
            "storm_kill": {**STORM_KILL_MET, **(storm_kill or {})},
            "frozen_stop": {**FROZEN_STOP_MET, **(frozen_stop or {})},
        },
    }
    for key, value in changes.items():
        base[key] = {**base[key], **value}
    return base


def test_verdict_names_each_failed_hard_target():
    assert evaluate(_result(), 10.0) == []
    assert "still open" in evaluate(_result(orphans={"at_end": 2}), 10.0)[0]
    assert "traceback" in evaluate(_result(tracebacks={"count": 1, "samples": ["X"]}), 10.0)[0]
    assert "history lost" in evaluate(_result(history={"seconds_lost_at_kill": 11.0}), 10.0)[0]
    assert "account" in evaluate(_result(history={"account_survived_sim_restart": False}), 10.0)[0]


def test_verdict_judges_the_kill_and_the_frozen_stop_by_ground_truth():
    late = evaluate(_result(storm_kill={"created_after_kill": 1}), 10.0)
    assert len(late) == 1 and "1 created more than 1 s after the kill" in late[0]
    assert "mid-storm" in evaluate(_result(storm_kill={"places_last_s_at_kill": 0}), 10.0)[0]
    assert "did not say killed" in evaluate(_result(storm_kill={"says_killed_s": None}), 10.0)[0]
    # Orders rested, yet runbot said nothing and exited 0: the lie the issue reports.
    quiet = evaluate(_result(frozen_stop={"exit_code": 0, "may_remain_line": None}), 10.0)
    assert len(quiet) == 1 and "2 order(s) rested but runbot exited 0" in quiet[0]
    assert "SIGKILL" in evaluate(_result(frozen_stop={"stop_s": 31.0}), 10.0)[0]
    assert "orphans" in evaluate(_result(frozen_stop={"orphans_cleared_s": None}), 10.0)[0]
    # Nothing rested at the exit: a non-zero exit is not required then.
    assert (
        evaluate(
            _result(frozen_stop={"resting_at_exit": 0, "exit_code": 0, "may_remain_line": None}),
            10.0,
        )
        == []
    )


def test_traceback_scan_reports_the_exception_line(tmp_path):
    log = tmp_path / "bot.log"
    log.write_text(
        'ok\nTraceback (most recent call last):\n  File "x", line 1\n'
        "ValueError: boom\nERROR unhandled exception in task\n"
    )
    count, samples = count_tracebacks(log)
    assert count == 2 and samples[0] == "ValueError: boom"


def test_a_mismatch_counts_only_after_the_grace_window():
    w = _watch([])
    seen, out = {}, {}
    w._track({"mmbot-a", "mmbot-b"}, seen, out, 100.0, "orphan")
    w._track({"mmbot-a"}, seen, out, 103.0, "orphan")  # b resolved within grace: not counted
    assert out == {}
    w._track({"mmbot-a"}, seen, out, 106.0, "orphan")  # a outlived the 5 s grace
    assert out == {"mmbot-a": 6.0} and list(w.first_seen) == ["mmbot-a"]
    assert w.first_seen["mmbot-a"].startswith("orphan ")  # when it began, to find it in logs
    w._track(set(), seen, out, 107.0, "orphan")
    assert out == {"mmbot-a": 6.0} and seen == {}
