"""Throw-away Redis and PostgreSQL servers from Debian's packages, on 127.0.0.1 at free
ports, for the split-deployment tests (tests/integration/conftest.py) and benchmarks
(bench/scale.py): one implementation, so what the tests prove is what the bench measures.

    redis = start_redis(workdir)        # redis.url, redis.stop()
    pg = start_postgres(workdir)        # pg.url, pg.create_database(name) -> url, pg.stop()

A missing binary raises `ServiceMissing` (the tests turn it into a skip, or a failure under
REQUIRE_SERVICES=1). PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` user (created by Debian's package) and its commands run through `runuser`; the
data directory is always a fresh one, never the system cluster. Durability is switched off
(fsync, synchronous_commit): these servers live for one run and are deleted after it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.localproc import HOST, free_port, stop_process

START_TIMEOUT = 30.0


class ServiceMissing(RuntimeError):
    """A server binary (or what running it needs) is not installed."""


def missing_binary() -> str | None:
    """What of Redis and PostgreSQL is not installed (None: both are), without starting them."""
    if shutil.which("redis-server") is None:
        return "redis-server"
    return None if postgres_bin() is not None else "PostgreSQL (Debian's postgresql package)"


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
        with socket.create_connection((HOST, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class Redis:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        stop_process(self.process)


def start_redis(workdir: Path) -> Redis:
    """A redis-server with no persistence; its log goes to workdir/redis.log."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceMissing("redis-server")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            HOST,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
            "--logfile",
            str(Path(workdir) / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
    )
    try:
        wait_for(lambda: redis_answers(port) or process.poll() is not None, "redis-server")
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
    except BaseException:
        stop_process(process)
        raise
    return Redis(f"redis://{HOST}:{port}/0", process)


# -------------------------------------------------------------------------- PostgreSQL


def postgres_bin() -> Path | None:
    """The newest installed server's bin directory (Debian keeps one per major version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


@dataclass
class Postgres:
    bin: Path
    root: Path  # the cluster's own directory, removed by stop()
    port: int
    as_user: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        return f"postgres://mm@{HOST}:{self.port}/{database}"

    def run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
            cwd="/",
        )

    def create_database(self, name: str) -> str:
        self.run(str(self.bin / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "mm", name)
        return self.url_of(name)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def initdb(self) -> None:
        """A new cluster in data/: superuser `mm`, trust auth (loopback only, see start)."""
        self.run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "mm",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        """The server on 127.0.0.1 only, its socket in the cluster root, durability off."""
        options = (
            f"-c listen_addresses={HOST} -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "postgres.log"),
            "-w",
            "-t",
            str(int(START_TIMEOUT)),
            "start",
        )

    def stop(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "-t",
                "30",
                "stop",
            ],
            capture_output=True,
            timeout=60,
            cwd="/",
        )
        shutil.rmtree(self.root, ignore_errors=True)


def cluster_owner() -> tuple[list[str], str | None]:
    """How to run the cluster's commands: as ourselves, or as `postgres` when we are root."""
    if os.geteuid() != 0:
        return [], None
    if shutil.which("runuser") is None:
        raise ServiceMissing("runuser")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceMissing("the postgres user (Debian's postgresql package)") from None
    return ["runuser", "-u", "postgres", "--"], "postgres"


def others_can_enter(path: Path) -> bool:
    """Can another user (postgres, when we are root) reach a directory below `path`?"""
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in (path, *path.parents))


def cluster_root(workdir: Path, owner: str | None) -> Path:
    # mkdtemp makes 0700 directories: under a root-owned one the postgres user could not
    # reach its own cluster, so such a workdir gives way to the system temp directory.
    base = Path(workdir)
    if owner and not others_can_enter(base):
        base = Path(tempfile.gettempdir())
    root = Path(tempfile.mkdtemp(prefix="mm-pg-", dir=base))
    if owner:
        shutil.chown(root, owner, owner)
    return root


def start_postgres(workdir: Path) -> Postgres:
    """A fresh cluster (superuser `mm`, trust auth on 127.0.0.1); its log is
    <cluster root>/postgres.log."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise ServiceMissing("PostgreSQL (Debian's postgresql package)")
    as_user, owner = cluster_owner()
    root = cluster_root(workdir, owner)
    cluster = Postgres(bin_dir, root, free_port(), as_user)
    try:
        cluster.initdb()
        cluster.start()
    except subprocess.CalledProcessError as exc:
        log = root / "postgres.log"
        tail = log.read_text()[-2000:] if log.exists() else ""
        cluster.stop()
        raise RuntimeError(f"PostgreSQL failed to start: {exc.stderr}\n{tail}") from None
    except BaseException:
        cluster.stop()
        raise
    return cluster
