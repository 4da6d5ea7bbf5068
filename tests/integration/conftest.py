"""Real Redis and PostgreSQL servers for the split-deployment tests, started from Debian's
packages on 127.0.0.1 at free ports and torn down after the session.

Without the binaries the tests are skipped, unless REQUIRE_SERVICES=1 (CI sets it), where a
missing server is a failure. PostgreSQL refuses to run as root, so as root the cluster
belongs to the `postgres` user (created by Debian's package) and its commands run through
`runuser`; the data directory is a fresh temporary one, never the system cluster.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from bench.localproc import free_port, stop_process

START_TIMEOUT = 30.0


def missing(what: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is not installed (REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} is not installed")


def wait_for(check, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f}s")


# ------------------------------------------------------------------------------- Redis

def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: redis_answers(port) or process.poll() is not None, "redis-server")
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


# -------------------------------------------------------------------------- PostgreSQL

def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


@dataclass
class Postgres:
    bin: Path
    data: Path
    port: int
    as_user: list[str]

    def run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, *argv], capture_output=True, text=True,
                              timeout=timeout, check=True, cwd="/")

    def url(self, database: str) -> str:
        return f"postgres://mm@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self.run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                 "-U", "mm", name)
        return self.url(name)


def cluster_owner() -> tuple[list[str], str | None]:
    """How to run the cluster's commands: as ourselves, or as `postgres` when we are root."""
    if os.geteuid() != 0:
        return [], None
    if shutil.which("runuser") is None:
        missing("runuser")
    try:
        import pwd
        pwd.getpwnam("postgres")
    except KeyError:
        missing("the postgres user (Debian's postgresql package)")
    return ["runuser", "-u", "postgres", "--"], "postgres"


def start_cluster(bin_dir: Path, root: Path, as_user: list[str]) -> Postgres:
    data, port = root / "data", free_port()
    cluster = Postgres(bin_dir, data, port, as_user)
    cluster.run(str(bin_dir / "initdb"), "-D", str(data), "-U", "mm", "-A", "trust",
                "-E", "UTF8", "--no-sync")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    cluster.run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                "-l", str(root / "postgres.log"), "-w", "-t", str(int(START_TIMEOUT)), "start")
    return cluster


@pytest.fixture(scope="session")
def postgres():
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL (Debian's postgresql package)")
    as_user, owner = cluster_owner()
    root = Path(tempfile.mkdtemp(prefix="mm-pg-"))
    if owner:
        shutil.chown(root, owner, owner)
    cluster = None
    try:
        cluster = start_cluster(bin_dir, root, as_user)
        yield cluster
    except subprocess.CalledProcessError as exc:
        log = root / "postgres.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL failed to start: {exc.stderr}\n{tail}") from None
    finally:
        if cluster is not None:
            subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(cluster.data),
                            "-m", "immediate", "-w", "-t", "30", "stop"],
                           capture_output=True, timeout=60, cwd="/")
        shutil.rmtree(root, ignore_errors=True)
