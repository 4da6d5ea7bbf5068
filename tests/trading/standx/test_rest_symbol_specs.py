"""symbol_specs() prefers the exchange's answer and falls back to the built-in table."""

from __future__ import annotations

import logging
from decimal import Decimal

from tests.trading.standx.conftest import ScriptedExchange
from tests.trading.standx.test_response_parsing import SYMBOL_INFO_ROW
from trading.standx.protocol import FALLBACK_SPECS


async def test_live_specs_win_over_the_table(make_client):
    row = SYMBOL_INFO_ROW | {"qty_tick_decimals": 3, "min_order_qty": "0.001"}
    specs = await make_client(ScriptedExchange((200, [row]))).symbol_specs(["BTC-USD"])
    assert specs["BTC-USD"].qty_tick == Decimal("0.001")
    assert specs["BTC-USD"] != FALLBACK_SPECS["BTC-USD"]


async def test_a_failed_call_falls_back_with_a_warning(make_client, caplog):
    client = make_client(ScriptedExchange((503, "")), max_retries=1)
    with caplog.at_level(logging.WARNING, logger="trading.standx.rest"):
        specs = await client.symbol_specs(["BTC-USD", "XAG-USD", "NOPE-USD"])
    assert specs == {"BTC-USD": FALLBACK_SPECS["BTC-USD"], "XAG-USD": FALLBACK_SPECS["XAG-USD"]}
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "built-in" in messages and "NOPE-USD" in messages


async def test_a_malformed_answer_falls_back_too(make_client):
    specs = await make_client(ScriptedExchange((200, "<html>"))).symbol_specs(["ETH-USD"])
    assert specs == {"ETH-USD": FALLBACK_SPECS["ETH-USD"]}


async def test_a_symbol_missing_from_the_answer_uses_the_table(make_client):
    specs = await make_client(ScriptedExchange((200, [SYMBOL_INFO_ROW]))).symbol_specs(
        ["BTC-USD", "XAU-USD"]
    )
    assert specs["BTC-USD"].max_open_orders == 100  # live
    assert specs["XAU-USD"] == FALLBACK_SPECS["XAU-USD"]
