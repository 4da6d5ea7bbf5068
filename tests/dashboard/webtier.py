"""A real web tier in its own process, for tests that need truly concurrent requests.

uvicorn serves mmsite.asgi as runbot does (each request's view on its own thread), on a
migrated SQLite file in a temporary DATA_DIR, or on PostgreSQL when `database_url` is
given. pytest-django's live_server cannot stand in: with the in-memory test database its
threads share one SQLite connection, so concurrent transactions would interleave on it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.localproc import HOST, free_port, migrate, stop_process
from bench.services import wait_for

ROOT = Path(__file__).resolve().parents[2]
API_TOKEN = "webtier-test-token-5b0c2e9a7d41f3"


def _environment(data_dir: Path, database_url: str) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SQLITE_", "DATABASE_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "mmsite.settings",
            "DATA_DIR": str(data_dir),
            "API_TOKEN": API_TOKEN,
            "LOG_LEVEL": "warning",
            "DATABASE_URL": database_url,
        }
    )
    return env


@contextlib.contextmanager
def web_tier(data_dir: Path, database_url: str = "") -> Iterator[str]:
    """The base URL of a running web tier; stopped (bounded) when the block ends."""
    env = _environment(data_dir, database_url)
    migrate(env)
    port = free_port()
    with open(data_dir / "web.log", "ab") as log:  # the child keeps its own copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "mmsite.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{HOST}:{port}"
    try:
        wait_for(lambda: _answers(base, process), "the web tier", timeout=60)
        yield base
    finally:
        stop_process(process)


def _answers(base: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the web tier exited with {process.returncode}")
    try:
        return httpx.get(f"{base}/api/status", headers=auth(), timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def auth() -> dict:
    return {"Authorization": f"Bearer {API_TOKEN}"}


def post_at_once(base: str, path: str, *bodies: dict) -> list[httpx.Response]:
    """POST each body on its own thread and connection, released together by a barrier
    (the connections are opened beforehand), so the requests reach the server at once."""
    barrier = threading.Barrier(len(bodies))
    results: list[httpx.Response | BaseException | None] = [None] * len(bodies)

    def run(index: int, body: dict) -> None:
        try:
            with httpx.Client(base_url=base, headers=auth(), timeout=30) as client:
                client.get("/api/status").raise_for_status()  # opens the connection
                barrier.wait(timeout=30)
                results[index] = client.post(path, json=body)
        except BaseException as exc:  # noqa: BLE001  reported in the test's thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    responses = []
    for result in results:
        if not isinstance(result, httpx.Response):
            raise AssertionError(f"a concurrent request did not complete: {result!r}")
        responses.append(result)
    return responses


# ------------------------------------------------------------- the scenarios, for any database


def stored_config(base: str) -> dict:
    response = httpx.get(f"{base}/api/status", headers=auth(), timeout=10)
    response.raise_for_status()
    return response.json()["config"]


def changes_to_different_fields_both_survive(base: str, pairs: int) -> None:
    """The issue's probe: spread_bps and bid_notional posted together, `pairs` times."""
    for i in range(pairs):
        spread, bid = f"{10 + i}", f"{40 + i}"
        first, second = post_at_once(
            base, "/api/config", {"spread_bps": spread}, {"bid_notional": bid}
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        stored = stored_config(base)
        assert (stored["spread_bps"], stored["bid_notional"]) == (spread, bid), (
            f"pair {i}: a change was lost, stored {stored}"
        )


def a_pair_that_loops_only_together_is_refused(base: str, rounds: int) -> None:
    """Each change is valid against the row it started from; together they are a requote
    loop (spread 3 <= guard 5). Judged against the latest row, the second one is refused."""
    for i in range(rounds):
        reset = httpx.post(
            f"{base}/api/config",
            headers=auth(),
            timeout=10,
            json={"spread_bps": "50", "proximity_guard_bps": "1"},
        )
        assert reset.status_code == 200, reset.text
        responses = post_at_once(
            base, "/api/config", {"spread_bps": "3"}, {"proximity_guard_bps": "5"}
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], f"round {i}: {[r.text for r in responses]}"
        refused = next(r for r in responses if r.status_code == 409)
        assert "requote loop" in refused.text
        stored = stored_config(base)
        assert (stored["spread_bps"], stored["proximity_guard_bps"]) in {("3", "1"), ("50", "5")}, (
            f"round {i}: stored {stored}"
        )
