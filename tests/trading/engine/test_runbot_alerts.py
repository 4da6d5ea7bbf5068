"""`runbot` with ALERT_URLS, as a real process: it says hello at start, the kill switch
(tripped by injected 5xx on the simulator) reaches a webhook receiver on 127.0.0.1, and the
alert URL (a secret: it holds the service's token) never appears in its output. A URL that
Apprise cannot use stops the start with one clear paragraph that does not show it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import pytest

from tests.trading.alerts.receiver import receiver
from tests.trading.engine.conftest import MID, ROOT, SYMBOL, wait_until
from tests.trading.engine.test_runbot_process import start_runbot, wait_exit

SECRET_PATH = "hook-T0KEN-5b0c2e9a7d41f3c8"


@pytest.mark.django_db(transaction=True)
async def test_runbot_alerts_the_kill_switch_to_a_webhook(world, data_dir):
    with receiver() as hook:
        data_dir["env"].update(
            {
                "ALERT_URLS": hook.url(SECRET_PATH),
                "MAX_CONSECUTIVE_FAILURES": "3",
                "LOG_LEVEL": "debug",  # even at debug the URL must not be logged
            }
        )
        process = await start_runbot(data_dir)
        try:
            await wait_until(lambda: bool(hook.messages), timeout=30, what="the hello alert")
            assert "runbot started: alerts on for default" in hook.bodies()[0]
            await wait_until(world.two_sided, timeout=20, what="quotes")
            world.exchange.set_faults(http_5xx_share=1.0)
            for step in range(1, 60):  # the mid moves: requotes meet the 5xx
                world.exchange.market.set_mid(SYMBOL, MID + step * 40)
                await asyncio.sleep(0.5)
                if any("kill switch engaged" in b for b in hook.bodies()):
                    break
            assert any(
                "kill switch engaged: kill switch: 3 consecutive" in b for b in hook.bodies()
            ), hook.bodies()
            world.exchange.set_faults(http_5xx_share=0.0)
        finally:
            process.send_signal(signal.SIGTERM)
            code = await wait_exit(process, 40)
        output = data_dir["log"].read_text()
        assert code == 0, output[-3000:]
        assert hook.bodies()[-1].endswith(
            "runbot stopped cleanly: every order of ours cancelled and checked gone"
        )
        assert set(hook.paths) == {f"/{SECRET_PATH}"}
        assert SECRET_PATH not in output
        for body in hook.bodies():
            assert world.token not in body and world.private_key not in body


def test_an_alert_url_apprise_cannot_use_stops_the_start_without_showing_it(tmp_path):
    secret = "notaservice://user:pa55w0rd-5b0c2e9a@example.invalid/x"
    env = {
        "DJANGO_SETTINGS_MODULE": "mmsite.settings",
        "DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    env["ALERT_URLS"] = f"json://127.0.0.1:9/ok,{secret}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ALERT_URLS entry 2 of 2 (scheme 'notaservice')" in output
    assert "pa55w0rd" not in output
