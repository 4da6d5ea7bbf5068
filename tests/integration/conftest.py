"""Real Redis and PostgreSQL servers for the split-deployment tests, started from Debian's
packages on 127.0.0.1 at free ports and torn down after the session.

The servers come from bench/services.py, the same starters the scale benchmark uses.
Without the binaries the tests are skipped, unless REQUIRE_SERVICES=1 (CI sets it), where a
missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.localproc import free_port  # noqa: F401  (re-exported to the integration tests)
from bench.services import ServiceMissing, start_postgres, start_redis, wait_for  # noqa: F401


def missing(what: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is not installed (REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} is not installed")


def _start(starter, workdir: Path):
    try:
        return starter(workdir)
    except ServiceMissing as exc:
        missing(str(exc))


@pytest.fixture(scope="session")
def services_dir():
    path = Path(tempfile.mkdtemp(prefix="mm-services-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(services_dir):
    redis = _start(start_redis, services_dir)
    try:
        yield redis.url
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def postgres(services_dir):
    cluster = _start(start_postgres, services_dir)
    try:
        yield cluster
    finally:
        cluster.stop()
