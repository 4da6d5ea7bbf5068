"""runsim and SimServer refuse to bind anything but loopback; runsim serves and stops on SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from bench.localproc import free_port as _free_port
from trading.sim.runner import SimServer, require_loopback

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(host):
    with pytest.raises(ValueError, match="loopback"):
        require_loopback(host)
    with pytest.raises(ValueError, match="loopback"):
        SimServer(host=host)


def test_runsim_refuses_all_interfaces():
    with pytest.raises(CommandError, match="loopback"):
        call_command("runsim", "--host", "0.0.0.0")


def test_runsim_rejects_bad_fault_values():
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("runsim", "--http-5xx-share", "1.5")


def start_runsim(port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runsim", "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_runsim_serves_and_stops_on_sigint():
    port = _free_port()
    proc = start_runsim(port, "--print-account")
    try:
        wait_for_health(proc, f"http://127.0.0.1:{port}")
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5.0).text == "OK"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0
        assert "ed25519_private_key" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def test_runsim_refuses_a_reward_schedule_that_fails_validation(tmp_path):
    with pytest.raises(CommandError, match="expected one of sip5a, uptime-original"):
        call_command("runsim", "--reward-schedule", "sip6")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nscoring = "median"\n')
    with pytest.raises(CommandError, match="scoring 'median' is not one of"):
        call_command("runsim", "--reward-schedule", str(bad))


def test_runsim_validates_faults_json():
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("runsim", "--faults-json", "{oops")
    with pytest.raises(CommandError, match="unknown fault fields"):
        call_command("runsim", "--faults-json", '{"nope": 1}')


def test_every_runsim_option_is_described():
    from trading.management.commands.runsim import Command

    parser = Command().create_parser("manage.py", "runsim")
    options = [a for a in parser._actions if a.option_strings]
    assert len(options) > 30
    undescribed = [a.option_strings[-1] for a in options if not (a.help or "").strip()]
    assert undescribed == []


def wait_for_health(proc: subprocess.Popen, base: str) -> None:
    """Until runsim at `base` answers (it must not have exited meanwhile), 30 s at most."""
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/api/health", timeout=1.0)
            return
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "runsim did not start"
            time.sleep(0.2)


def test_runsim_logs_requests_and_applies_max_leverage(tmp_path):
    port, log = _free_port(), tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runsim", "--port", str(port)]
        + ["--log-requests", str(log), "--max-leverage", "BTC-USD=40"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(proc, base)
        info = httpx.get(f"{base}/api/query_symbol_info", params={"symbol": "BTC-USD"}).json()
        assert info[0]["max_leverage"] == "40"
        missing = httpx.post(f"{base}/api/query_balance", timeout=5.0)
        assert missing.status_code == 405 and missing.json()["code"] == 405
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0 and f"logging requests to {log}" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows[-2]["path"] == "/api/query_symbol_info" and rows[-2]["status"] == 200
    assert rows[-1] == {
        "time": rows[-1]["time"],
        "kind": "http",
        "account": None,
        "method": "POST",
        "path": "/api/query_balance",
        "status": 405,
        "reason": "method POST not allowed on /api/query_balance (use GET, HEAD)",
    }


def test_runsim_refuses_a_replay_it_cannot_play(tmp_path):
    recording = ROOT / "bench" / "markets" / "sim-volatile-2m.jsonl.gz"
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    cases = [
        (("--replay", str(recording), "--scenario", "calm"), "--scenario do not apply"),
        (("--replay", str(recording), "--volatility-bps", "0"), "--volatility-bps do not"),
        (("--replay", str(recording), "--reference"), "--reference do not apply"),
        (("--speed", "2"), "go with --replay FILE"),
        (("--replay", str(recording), "--speed", "0"), "--speed must be above 0"),
        (("--replay", str(notes)), "notes.txt is not a recording"),
        (("--replay", str(tmp_path / "missing.gz")), "No such file"),
    ]
    for args, words in cases:
        with pytest.raises(CommandError, match=words):
            call_command("runsim", *args)


def test_runsim_replays_a_recording_with_its_symbol_and_fees(tmp_path):
    port = _free_port()
    recording = ROOT / "bench" / "markets" / "sim-volatile-2m.jsonl.gz"
    proc = start_runsim(port, "--replay", str(recording), "--speed", "4", "--taker-fee-bps", "5")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(proc, base)
        [info] = httpx.get(f"{base}/api/query_symbol_info").json()  # the recording's only
        assert info["symbol"] == "BTC-USD"
        assert (info["maker_fee"], info["taker_fee"]) == ("0.0001", "0.0005")  # flag wins
        token = httpx.post(f"{base}/sim/accounts", json={}).json()["token"]
        market = httpx.get(f"{base}/sim/stats", headers={"Authorization": f"Bearer {token}"})
        assert market.json()["market"]["source"] == "replay"
        assert market.json()["market"]["speed"] == 4.0
        scripted = httpx.post(f"{base}/sim/market", json={"symbol": "BTC-USD", "mid": "1"})
        assert scripted.status_code == 400
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert f"replaying {recording} (BTC-USD, 120 s at 4.0x)" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
