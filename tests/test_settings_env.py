"""Settings: .env.example documents every variable, and bad values stop startup clearly."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from mmsite import env
from mmsite.env import Secret

ROOT = Path(__file__).resolve().parent.parent


def example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def test_env_example_lists_every_variable_settings_read():
    assert settings.configured
    missing = env.READ_VARIABLES - example_names()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_has_no_variable_settings_ignore():
    extra = example_names() - env.READ_VARIABLES
    assert not extra, f".env.example lists unused {sorted(extra)}"


ORIGINAL_DEFAULTS = {
    "SYMBOL": "BTC-USD", "SPREAD_BPS": "50.0", "BID_NOTIONAL": "30.0", "ASK_NOTIONAL": "30.0",
    "REFRESH_INTERVAL": "1.0", "REQUOTE_THRESHOLD_BPS": "25.0", "PROXIMITY_GUARD_BPS": "1.0",
    "MAX_NOTIONAL": "10000.0", "MAX_CONSECUTIVE_FAILURES": "5", "STALE_ORDER_SECONDS": "30",
    "MAX_SPREAD_DEVIATION_BPS": "200", "UPTIME_TARGET_MINUTES": "30", "STANDX_CHAIN": "bsc",
    "STANDX_API_BASE": "https://perps.standx.com",
    "STANDX_WS_URL": "wss://perps.standx.com/ws-stream/v1",
}


def test_original_variables_keep_their_defaults():
    from decimal import Decimal
    d = settings.BOT_DEFAULTS
    assert d["symbol"] == "BTC-USD"
    assert d["spread_bps"] == Decimal("50.0") and d["bid_notional"] == Decimal("30.0")
    assert d["ask_notional"] == Decimal("30.0") and d["refresh_interval"] == Decimal("1.0")
    assert d["requote_threshold_bps"] == Decimal("25") and d["proximity_guard_bps"] == Decimal("1")
    assert d["max_notional"] == Decimal("10000") and d["max_consecutive_failures"] == 5
    assert d["stale_order_seconds"] == Decimal("30") and d["max_spread_deviation_bps"] == Decimal("200")
    assert d["uptime_target_minutes"] == 30 and d["uptime_band_bps"] == Decimal("10")
    assert d["requote_mode"] == "make_before_break"
    assert settings.STANDX_MODE == "sim" and settings.STANDX_CHAIN == "bsc"
    assert settings.STANDX_API_BASE == "https://perps.standx.com"
    assert settings.STANDX_WS_URL == "wss://perps.standx.com/ws-stream/v1"
    assert settings.WEB_HOST == "127.0.0.1" and settings.WEB_PORT == 8000
    assert settings.CHANNEL_LAYER == "memory"
    example = dict(l.split("=", 1) for l in (ROOT / ".env.example").read_text().splitlines()
                   if l and not l.startswith("#"))
    for name, default in ORIGINAL_DEFAULTS.items():
        assert example[name] == default, name


def run_check(**overrides) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update(overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name,value,expected", [
    ("SPREAD_BPS", "abc", "SPREAD_BPS='abc' is not valid: expected a decimal number"),
    ("SPREAD_BPS", "-5", "SPREAD_BPS='-5' is not valid: expected a number greater than 0"),
    ("SPREAD_BPS", "NaN", "SPREAD_BPS='NaN' is not valid: expected a finite decimal number"),
    ("MAX_CONSECUTIVE_FAILURES", "2.5", "MAX_CONSECUTIVE_FAILURES='2.5' is not valid: expected a whole number"),
    ("STANDX_MODE", "paper", "STANDX_MODE='paper' is not valid: expected one of sim, live"),
    ("REQUOTE_MODE", "yolo", "expected one of make_before_break, cancel_first"),
    ("WEB_PORT", "70000", "WEB_PORT='70000' is not valid: expected a number of at most 65535"),
    ("STANDX_WS_URL", "perps.standx.com", "expected a URL starting with ws:// or wss://"),
])
def test_bad_value_stops_startup_naming_the_variable(name, value, expected):
    result = run_check(**{name: value})
    assert result.returncode != 0
    assert expected in result.stderr


def test_live_mode_without_credentials_refuses_to_start():
    result = run_check(STANDX_MODE="live")
    assert result.returncode != 0
    assert "STANDX_MODE=live needs STANDX_JWT_TOKEN and STANDX_ED25519_PRIVATE_KEY" in result.stderr


def test_live_mode_with_credentials_starts_and_never_prints_them():
    jwt, key = "header.payload.sig-SECRET-JWT", "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(STANDX_MODE="live", STANDX_JWT_TOKEN=jwt, STANDX_ED25519_PRIVATE_KEY=key)
    assert result.returncode == 0, result.stderr
    assert jwt not in result.stdout + result.stderr and key not in result.stdout + result.stderr


def test_secret_never_shows_in_repr_str_or_format():
    secret = Secret("super-secret-token")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr({"k": secret})):
        assert "super-secret-token" not in text
    assert secret.reveal() == "super-secret-token"
    assert repr(settings.STANDX_JWT_TOKEN).startswith("Secret(")
