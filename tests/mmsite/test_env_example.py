""".env.example documents every variable the settings read (the per-account ones as
patterns) and nothing else, and the original variables keep their defaults."""

import re

from django.conf import settings

from mmsite import env
from tests.mmsite.startup import ROOT
from trading.fleet import accounts


def example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def account_variable(name: str) -> bool:
    """Per-account variables (STANDX_<NAME>_...) are documented as patterns, not one by one."""
    return any(
        re.fullmatch(p.replace("{NAME}", "[A-Z][A-Z0-9_]*"), name)
        for p in accounts.ACCOUNT_VARIABLE_PATTERNS
    )


def test_env_example_lists_every_variable_settings_read():
    assert settings.configured
    missing = {n for n in env.READ_VARIABLES - example_names() if not account_variable(n)}
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_documents_the_per_account_patterns():
    text = (ROOT / ".env.example").read_text()
    for pattern in accounts.ACCOUNT_VARIABLE_PATTERNS:
        assert "#   " + pattern.replace("{NAME}", "<NAME>") + "=" in text, pattern
    assert account_variable("STANDX_MAIN_JWT_TOKEN") and not account_variable("STANDX_JWT_TOKEN")


def test_env_example_has_no_variable_settings_ignore():
    extra = example_names() - env.READ_VARIABLES
    assert not extra, f".env.example lists unused {sorted(extra)}"


ORIGINAL_DEFAULTS = {
    "SYMBOL": "BTC-USD",
    "SPREAD_BPS": "50.0",
    "BID_NOTIONAL": "30.0",
    "ASK_NOTIONAL": "30.0",
    "REFRESH_INTERVAL": "1.0",
    "REQUOTE_THRESHOLD_BPS": "25.0",
    "PROXIMITY_GUARD_BPS": "1.0",
    # Issue 16: 10000 allowed a 330-fill position against 30 USD orders; 300 is ten fills.
    "MAX_NOTIONAL": "300",
    "MAX_CONSECUTIVE_FAILURES": "5",
    "STALE_ORDER_SECONDS": "30",
    "MAX_SPREAD_DEVIATION_BPS": "200",
    "UPTIME_TARGET_MINUTES": "30",
    "STANDX_CHAIN": "bsc",
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
    assert d["max_notional"] == Decimal("300") and d["max_consecutive_failures"] == 5
    assert d["stale_order_seconds"] == Decimal("30") and d["max_spread_deviation_bps"] == Decimal(
        "200"
    )
    assert d["uptime_target_minutes"] == 30 and d["uptime_band_bps"] == Decimal("10")
    assert d["requote_mode"] == "make_before_break"
    assert settings.STANDX_MODE == "sim" and settings.STANDX_CHAIN == "bsc"
    assert settings.STANDX_API_BASE == "https://perps.standx.com"
    assert settings.STANDX_WS_URL == "wss://perps.standx.com/ws-stream/v1"
    assert settings.WEB_HOST == "127.0.0.1" and settings.WEB_PORT == 8000
    assert settings.CHANNEL_LAYER == "memory"
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name, default in ORIGINAL_DEFAULTS.items():
        assert example[name] == default, name
