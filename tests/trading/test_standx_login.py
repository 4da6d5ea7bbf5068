"""manage.py standx_login against the real simulator over loopback: the wallet key is read
without echo and never written anywhere; .env gets the three credentials (other lines kept,
mode 600) and they work for signed requests; a bad key or a failed login changes nothing."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import select
import stat
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from eth_account import Account as EthAccount

from trading.management.commands.standx_login import auth_base
from trading.sim.runner import SimServer
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner, jwt_claims

ROOT = Path(__file__).resolve().parents[2]
WALLET_KEY = bytes(range(101, 133)).hex()  # 64 hex digits, no 0x
WALLET = EthAccount.from_key(bytes.fromhex(WALLET_KEY))
OLD_ENV = "# my settings\nSTANDX_MODE=sim\nSTANDX_JWT_TOKEN=old.token.value\nSPREAD_BPS=8\n"


@pytest.fixture
def sim(tmp_path):
    """A simulator on its own loop and thread (the command runs its own asyncio.run),
    logging its traffic so the test can check what reached it."""
    loop = asyncio.new_event_loop()
    server = SimServer(port=0, seed=7, log_requests=str(tmp_path / "sim-requests.jsonl"))
    ready = threading.Event()

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield server
    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def env_values(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def assert_key_nowhere(*texts: str) -> None:
    for text in texts:
        assert WALLET_KEY not in text.lower()


async def balance_and_signed_order(base: str, token: str, key: str) -> str:
    async with StandXRest(base, token=token, signer=RequestSigner(key)) as rest:
        balance = await rest.query_balance()
        ack = await rest.new_order("BTC-USD", "buy", "0.0010", "60000.00", "login-check")
        assert ack.code == 0
        return str(balance.equity)


def run_login(sim, env_file: Path, key_line: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "standx_login", "--base-url", sim.api_base]
        + ["--env-file", str(env_file)],
        cwd=ROOT,
        input=key_line,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal: the key comes from stdin
        env={**os.environ, **env},
    )


def test_login_writes_working_credentials_into_env(sim, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(OLD_ENV)
    env_file.chmod(0o644)
    done = run_login(sim, env_file, "0x" + WALLET_KEY + "\n")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    lines = env_file.read_text().splitlines()
    assert lines[:2] == ["# my settings", "STANDX_MODE=sim"]
    assert lines[2].startswith("STANDX_JWT_TOKEN=ey") and lines[3] == "SPREAD_BPS=8"
    values = env_values(env_file)
    assert values["STANDX_WALLET_ADDRESS"] == WALLET.address
    assert jwt_claims(values["STANDX_JWT_TOKEN"])["address"] == WALLET.address
    equity = asyncio.run(
        balance_and_signed_order(
            sim.api_base, values["STANDX_JWT_TOKEN"], values["STANDX_ED25519_PRIVATE_KEY"]
        )
    )
    assert Decimal(equity) == sim.exchange.config.initial_balance
    assert f"logged in as {WALLET.address}" in done.stdout
    assert values["STANDX_JWT_TOKEN"] not in done.stdout + done.stderr
    assert values["STANDX_ED25519_PRIVATE_KEY"] not in done.stdout + done.stderr
    sim_log = (tmp_path / "sim-requests.jsonl").read_text()
    assert '"path":"/v1/offchain/login","status":200' in sim_log
    assert_key_nowhere(done.stdout, done.stderr, env_file.read_text(), sim_log)


def test_a_second_login_replaces_the_credentials(sim, tmp_path):
    env_file = tmp_path / ".env"
    assert run_login(sim, env_file, WALLET_KEY + "\n").returncode == 0
    first = env_values(env_file)
    again = run_login(sim, env_file, WALLET_KEY + "\n", STANDX_JWT_TOKEN="from-the-shell")
    assert again.returncode == 0, again.stderr
    assert "STANDX_JWT_TOKEN also set in the environment" in again.stderr
    second = env_values(env_file)
    assert len(env_file.read_text().splitlines()) == 3
    assert second["STANDX_ED25519_PRIVATE_KEY"] != first["STANDX_ED25519_PRIVATE_KEY"]  # fresh
    assert second["STANDX_JWT_TOKEN"] != first["STANDX_JWT_TOKEN"]


@pytest.mark.parametrize("bad", ["0x1234", "not a key at all", WALLET_KEY[:-1] + "g"])
def test_a_bad_key_is_a_clear_error_and_env_is_unchanged(sim, tmp_path, bad):
    env_file = tmp_path / ".env"
    env_file.write_text(OLD_ENV)
    env_file.chmod(0o640)
    with pytest.raises(CommandError, match="64 hex digits") as caught:
        call_command(
            "standx_login", base_url=sim.api_base, env_file=str(env_file), stdin=io.StringIO(bad)
        )
    assert bad not in str(caught.value) and ".env was not changed" in str(caught.value)
    assert env_file.read_text() == OLD_ENV
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert not (tmp_path / "sim-requests.jsonl").exists()  # refused before the network


def test_a_refused_login_changes_nothing(sim, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(OLD_ENV)
    wrong_host = sim.api_base + "/elsewhere"  # a server without the auth paths: 404
    with pytest.raises(CommandError, match="login failed: .*not found") as caught:
        call_command(
            "standx_login",
            base_url=wrong_host,
            env_file=str(env_file),
            stdin=io.StringIO(WALLET_KEY),
        )
    assert ".env was not changed" in str(caught.value)
    assert env_file.read_text() == OLD_ENV
    with pytest.raises(CommandError, match="no wallet private key"):
        call_command(
            "standx_login", base_url=sim.api_base, env_file=str(env_file), stdin=io.StringIO("\n")
        )
    assert env_file.read_text() == OLD_ENV
    assert_key_nowhere((tmp_path / "sim-requests.jsonl").read_text())


def test_the_key_prompt_does_not_echo_at_a_terminal(sim, tmp_path):
    env_file = tmp_path / ".env"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "standx_login", "--base-url", sim.api_base]
        + ["--env-file", str(env_file)],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        seen = read_until(master, b"not echoed", proc)
        os.write(master, WALLET_KEY.encode() + b"\n")
        seen += read_until(master, b"checkaccount", proc)
        assert proc.wait(timeout=30) == 0, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
        os.close(master)
    text = seen.decode(errors="replace")
    assert "Wallet private key" in text and "logged in as" in text
    assert_key_nowhere(text)
    assert env_values(env_file)["STANDX_WALLET_ADDRESS"] == WALLET.address


def read_until(fd: int, marker: bytes, proc, timeout: float = 30.0) -> bytes:
    """What the terminal shows, up to and including `marker` (bounded by `timeout`)."""
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and proc.poll() in (None, 0), seen
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
    return seen


def test_where_it_logs_in():
    assert auth_base("http://127.0.0.1:8100/") == "http://127.0.0.1:8100"
    with pytest.raises(CommandError, match="--base-url must start with http"):
        auth_base("ftp://127.0.0.1")
    with override_settings(STANDX_MODE="live", STANDX_AUTH_BASE="https://auth.example"):
        assert auth_base("") == "https://auth.example"
    with override_settings(STANDX_MODE="sim", STANDX_API_BASE="http://127.0.0.1:8100"):
        assert auth_base("") == "http://127.0.0.1:8100"
    with (
        override_settings(STANDX_MODE="sim", STANDX_API_BASE="https://perps.standx.com"),
        pytest.raises(CommandError, match="set STANDX_MODE=live"),
    ):
        auth_base("")
