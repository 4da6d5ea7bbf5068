"""Table tests of the kill switch's input (trading/engine/failures.py): only an unbroken run
of failures trips it, any success resets the run, the total and the recent list keep all."""

from __future__ import annotations

import pytest

from trading.engine.failures import RECENT, Failures


def play(limit: int, script: str) -> tuple[Failures, list[bool]]:
    """'f' is a failure (its return: trip or not), 's' a success."""
    failures, trips = Failures(limit), []
    for now, step in enumerate(script):
        if step == "f":
            trips.append(failures.failure(f"call {now}", RuntimeError(f"boom {now}"), float(now)))
        else:
            failures.success()
    return failures, trips


@pytest.mark.parametrize(
    "limit, script, trips, consecutive, total",
    [
        (3, "", [], 0, 0),
        (3, "f", [False], 1, 1),
        (3, "ff", [False, False], 2, 2),
        (3, "fff", [False, False, True], 3, 3),  # trips exactly at the limit
        (3, "ffff", [False, False, True, True], 4, 4),  # and stays tripped past it
        (1, "f", [True], 1, 1),
        (3, "ffsff", [False] * 4, 2, 4),  # a success breaks the run
        (3, "fsfsfsf", [False] * 4, 1, 4),  # never consecutive: never trips
        (3, "ffsfff", [False, False, False, False, True], 3, 5),
        (3, "fffs", [False, False, True], 0, 3),  # success resets, total stays
        (2, "ssss", [], 0, 0),
    ],
)
def test_only_consecutive_failures_trip(limit, script, trips, consecutive, total):
    failures, got = play(limit, script)
    assert got == trips
    assert (failures.consecutive, failures.total) == (consecutive, total)


def test_seen_keeps_the_most_recent_failures_with_where_and_error():
    failures, _ = play(100, "f" * (RECENT + 3) + "s")
    assert len(failures.seen) == RECENT
    first = RECENT + 3 - RECENT  # the three oldest fell out
    assert [where for _, where, _ in failures.seen] == [
        f"call {n}" for n in range(first, RECENT + 3)
    ]
    now, where, error = failures.seen[-1]
    assert (now, where, error) == (
        float(RECENT + 2),
        f"call {RECENT + 2}",
        f"RuntimeError: boom {RECENT + 2}",
    )


def test_a_success_does_not_forget_what_was_seen():
    failures, _ = play(3, "ffs")
    assert [where for _, where, _ in failures.seen] == ["call 0", "call 1"]


def test_a_long_error_is_cut_to_300_characters():
    failures = Failures(3)
    failures.failure("x", RuntimeError("e" * 1000), 0.0)
    assert len(failures.seen[0][2]) == 300
