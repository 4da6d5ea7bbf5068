"""Health and metrics in the split deployment, as processes: a `runbot --engine-only` worker
(its bundled simulator) and a separate uvicorn web tier share Redis (channel layer and the
`snapshots` cache) and one SQLite file. The web tier's /healthz and /metrics are built from
the worker's snapshots only: ok while it quotes, degraded when it is killed through the web
tier's API, and degraded again ("no engine") once the worker is SIGKILLed, a dead bot that
must not look alive."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.dashboard.webtier import ROOT, _environment, auth, web_tier
from tests.integration.conftest import wait_for


def scrape(base: str) -> dict:
    response = httpx.get(f"{base}/metrics", headers=auth(), timeout=5)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def health(base: str) -> tuple[int, dict]:
    response = httpx.get(f"{base}/healthz", timeout=5)
    return response.status_code, response.json()


@pytest.fixture
def split_env(redis_url, monkeypatch, tmp_path):
    for name, value in {
        "CHANNEL_LAYER": "redis",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"mmops{tmp_path.name[-6:].replace('-', '')}",
        "SPREAD_BPS": "5",
        "REFRESH_INTERVAL": "0.2",
        "REQUOTE_THRESHOLD_BPS": "3",
        "MAX_SPREAD_DEVIATION_BPS": "50",
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_the_web_tier_reports_a_workers_health_and_metrics(split_env):
    bot = (("bot", "default"),)
    with web_tier(split_env) as base:
        env = _environment(split_env, "")  # the web tier's environment: the same settings
        with open(split_env / "worker.log", "ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "runbot", "--engine-only"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for(lambda: health(base)[0] == 200, "a healthy bot on the web tier", 60)
            wait_for(
                lambda: (
                    scrape(base)[
                        ("mmbot_exchange_requests_total", (*bot, ("path", "/api/new_order")))
                    ]
                    >= 2
                ),
                "orders placed, seen in the metrics",
                30,
            )
            wait_for(lambda: scrape(base)[("mmbot_two_sided_seconds_total", bot)] > 1, "uptime", 30)
            metrics = scrape(base)
            assert metrics[("mmbot_up", bot)] == 1
            assert metrics[("mmbot_state", (*bot, ("state", "running")))] == 1
            assert metrics[("mmbot_reaction_latency_seconds_count", bot)] >= 1

            killed = httpx.post(f"{base}/api/kill", headers=auth(), timeout=10)
            assert killed.status_code == 200, killed.text
            wait_for(lambda: health(base)[0] == 503, "degraded after the kill", 20)
            assert health(base)[1]["problems"][0].startswith("default: kill switch engaged")
            assert scrape(base)[("mmbot_state", (*bot, ("state", "killed")))] == 1

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            wait_for(
                lambda: (
                    health(base)[1]["problems"]
                    == ["default: no engine is publishing this bot's state"]
                ),
                "the dead worker seen as dead",
                20,
            )
            assert scrape(base)[("mmbot_up", bot)] == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
