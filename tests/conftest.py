"""The suite's two halves, so the quick one can run alone and in parallel.

``serial`` test files start processes (runbot, runsim, daphne, Redis, PostgreSQL, git,
Chromium), drive a browser, or run the engine against the simulator in real time, where
what a busy neighbour does changes what they see: they run one at a time, after the rest
(`make test`). Every other test file is in-process: `make test-fast` runs those in
parallel under pytest-xdist (and `make test` runs them first, the same way).

The split is by file, listed here and nowhere else. ``-m serial`` and ``-m "not serial"``
are complements, so no test can fall between the two halves; a test outside the list that
starts a process fails, naming this file, so the list cannot silently go wrong either
(tests/test_suite_split.py checks that every entry still names test files).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

# Folders and files (relative to tests/) whose tests run serially.
SERIAL = (
    # Chromium driving the page of a real runbot.
    "e2e/",
    # PostgreSQL, Redis, daphne and runbot workers as processes.
    "integration/",
    # Benchmarks in small: simulators and bots as processes.
    "bench/",
    # The engine against the simulator in real time (apart from its pure parts, below).
    "trading/engine/",
    # runsim, market processes and simulator timing measured over seconds.
    "trading/sim/test_runsim.py",
    "trading/sim/test_market_process.py",
    "trading/sim/test_scenarios.py",
    "trading/sim/test_ws_connection_limits.py",
    # The pacer against the simulator's rate limiter in real time: a busy neighbour
    # bunches the paced requests up (seen: a 429 with the in-process half in parallel).
    "trading/standx/test_pacing.py",
    # schemathesis runs every operation inside one test item: under pytest-xdist only the
    # first ran (seen: 1 of 17), so the check that the fuzz reached every handler failed.
    "dashboard/test_api_fuzz.py",
    # Processes: manage.py commands, git, a second interpreter.
    "deploy/",
    "test_repo_hygiene.py",
    "test_suite_split.py",
    "mmsite/test_storage.py",
    "mmsite/test_values.py",
    "mmsite/test_data_dir.py",
    "mmsite/test_web_security.py",
    "mmsite/test_logs.py",
    "mmsite/test_envfile.py",
    "mmsite/test_env_example.py",
    "mmsite/test_accounts.py",
    "dashboard/test_database_unavailable.py",
    "dashboard/test_config_concurrency.py",
    "dashboard/test_loginlink_command.py",
    "trading/fleet/test_lease.py",
    "trading/fleet/test_venues.py",
    "trading/fleet/test_deep_json.py",
    "trading/fleet/test_sim_restart_fills.py",
    "mmsite/test_reference_settings.py",
    "dashboard/test_web_tier_answers.py",
    "trading/test_standx_login.py",
    "trading/test_checkaccount.py",
)
# In-process files inside a serial folder: the engine's pure pieces, tested on their own.
IN_PROCESS = (
    "trading/engine/test_event_log.py",
    "trading/engine/test_exchange_calls.py",
    "trading/engine/test_failures.py",
    "trading/engine/test_ops_metrics.py",
    "trading/engine/test_snapshot_summary.py",
)


def relative(path: Path) -> str:
    return path.resolve().relative_to(TESTS).as_posix()


def is_serial(path: Path) -> bool:
    name = relative(path)
    if name in IN_PROCESS:
        return False
    return any(
        name == entry or (entry.endswith("/") and name.startswith(entry)) for entry in SERIAL
    )


def pytest_configure(config: pytest.Config) -> None:
    sys.addaudithook(_refuse_processes)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_serial(item.path):
            item.add_marker(pytest.mark.serial)


# The in-process test running now (None between tests and in serial ones).
_in_process_test: str | None = None
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn"})


def _refuse_processes(event: str, args: tuple) -> None:
    if _in_process_test is not None and (event in _PROCESS_EVENTS or event.startswith("os.exec")):
        raise RuntimeError(
            f"{_in_process_test} starts a process ({event}): list its file in SERIAL in "
            f"tests/conftest.py (in-process tests run in parallel under make test-fast)"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    global _in_process_test
    _in_process_test = None if item.get_closest_marker("serial") else item.nodeid
    try:
        return (yield)
    finally:
        _in_process_test = None
