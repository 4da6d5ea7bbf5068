"""Concurrent config changes on a web tier over PostgreSQL (the split deployment), where the
row lock is SELECT ... FOR UPDATE: the same scenarios as tests/dashboard's SQLite run."""

from __future__ import annotations

import secrets

import pytest

from tests.dashboard import webtier


@pytest.fixture(scope="module")
def base(postgres, tmp_path_factory):
    url = postgres.create_database(f"mm_config_{secrets.token_hex(4)}")
    with webtier.web_tier(tmp_path_factory.mktemp("webtier-pg"), database_url=url) as web:
        yield web


def test_concurrent_changes_to_different_fields_both_survive(base):
    webtier.changes_to_different_fields_both_survive(base, pairs=30)


def test_concurrent_changes_that_loop_together_are_judged_on_the_latest_row(base):
    webtier.a_pair_that_loops_only_together_is_refused(base, rounds=15)
