"""The reference venue's settings (REFERENCE_*) are read strictly: off by default, each
venue's own URL unless one is given, an empty URL (as in .env.example) is the default, and a
bad value stops the start naming the variable."""

from __future__ import annotations

import json

import pytest

from tests.mmsite.startup import run_python

SHOW = """
from django.conf import settings as s
print(json.dumps([s.REFERENCE_FEED, s.REFERENCE_SYMBOL, s.REFERENCE_WS_URL,
                  str(s.REFERENCE_STALE_SECONDS)]))
"""


def read(tmp_path, **env) -> list:
    result = run_python("import json\n" + SHOW, DATA_DIR=str(tmp_path), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_off_by_default_and_each_venue_s_own_url(tmp_path):
    assert read(tmp_path) == ["off", "", "wss://fstream.binance.com", "3"]
    assert read(tmp_path, REFERENCE_FEED="hyperliquid", REFERENCE_WS_URL="") == [
        "hyperliquid",
        "",
        "wss://api.hyperliquid.xyz/ws",
        "3",
    ]
    assert read(
        tmp_path,
        REFERENCE_FEED="binance",
        REFERENCE_SYMBOL="ETHUSDT",
        REFERENCE_WS_URL="ws://127.0.0.1:8100/",
        REFERENCE_STALE_SECONDS="1.5",
    ) == ["binance", "ethusdt", "ws://127.0.0.1:8100", "1.5"]


@pytest.mark.parametrize(
    "env, named",
    [
        ({"REFERENCE_FEED": "bybit"}, "REFERENCE_FEED"),
        ({"REFERENCE_FEED": "binance", "REFERENCE_SYMBOL": "btc/usdt"}, "REFERENCE_SYMBOL"),
        ({"REFERENCE_WS_URL": "https://fstream.binance.com"}, "REFERENCE_WS_URL"),
        ({"REFERENCE_STALE_SECONDS": "0.1"}, "REFERENCE_STALE_SECONDS"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(tmp_path, env, named):
    result = run_python("", DATA_DIR=str(tmp_path), **env)
    assert result.returncode != 0 and named in result.stderr
