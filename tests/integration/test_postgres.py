"""Django on a real PostgreSQL (psycopg), selected by DATABASE_URL exactly as a deployment
does: each test runs Django in a subprocess with the variable set, on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.trading.fleet import lease_cases

ROOT = lease_cases.ROOT


def django(code: str, **overrides: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="mmsite.settings", **overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_then_every_lease_case_including_the_race_on_postgres(postgres):
    url = postgres.create_database("mm_lease")
    result = lease_cases.run_in_subprocess({"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr[-3000:]
    for case in lease_cases.CASES:
        assert f"ok {case.__name__}" in result.stdout


def test_settings_reach_postgres_with_the_statement_timeout(postgres):
    url = postgres.create_database("mm_settings")
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('show statement_timeout'); print(connection.vendor, c.fetchone()[0]); "
        "c.execute('select pg_sleep(1)')"
    )
    result = django(code, DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT_MS="300")
    assert result.stdout.strip() == "postgresql 300ms"
    assert "canceling statement due to statement timeout" in result.stderr


def run_engine_worker(database_url: str) -> subprocess.CompletedProcess:
    """A one-second `runbot --engine-only` on that database, its output captured."""
    environment = dict(
        os.environ, DJANGO_SETTINGS_MODULE="mmsite.settings", DATABASE_URL=database_url
    )
    return subprocess.run(
        [sys.executable, "manage.py", "runbot", "--engine-only", "--duration", "1"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_runbot_refuses_an_unmigrated_postgres_database_clearly(postgres):
    result = run_engine_worker(postgres.create_database("mm_unmigrated"))
    assert result.returncode != 0
    assert "the database is not migrated" in result.stderr


def test_unreachable_postgres_is_a_clear_startup_error_without_the_password(tmp_path):
    from tests.integration.conftest import free_port

    result = run_engine_worker(f"postgres://mm:pw-SECRET@127.0.0.1:{free_port()}/nothing")
    assert result.returncode != 0
    assert "cannot open the database" in result.stderr
    assert "pw-SECRET" not in result.stdout + result.stderr
