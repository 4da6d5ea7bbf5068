"""Concurrent config changes on a real web tier (uvicorn, a SQLite file): none is lost, and
the rules judge the row as it is when the change lands, not as it was when it was read.

Against the old read-merge-save (every field written from a stale read), the first test
lost one change in about a third of the pairs and the second stored both halves of a loop
or lost one; see tests/dashboard/webtier.py for the server and the scenarios."""

from __future__ import annotations

import pytest

from tests.dashboard import webtier


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with webtier.web_tier(tmp_path_factory.mktemp("webtier")) as url:
        yield url


def test_concurrent_changes_to_different_fields_both_survive(base):
    webtier.changes_to_different_fields_both_survive(base, pairs=30)


def test_concurrent_changes_that_loop_together_are_judged_on_the_latest_row(base):
    webtier.a_pair_that_loops_only_together_is_refused(base, rounds=15)
