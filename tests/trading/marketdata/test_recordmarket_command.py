"""`manage.py recordmarket` as a trader runs it: STANDX_API_BASE / STANDX_WS_URL say where
(here the simulator standing in for StandX), a fraction of a minute is fine, a second run on
the same file resumes it, and bad input is one clear error that leaves files alone."""

from __future__ import annotations

import asyncio
import io
import socket
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from trading.marketdata.frames import Gap
from trading.marketdata.recording import read_header, read_items
from trading.sim.runner import SimServer


@pytest.fixture
async def standx(settings):
    """The simulator as StandX, where the settings point."""
    sim = SimServer(step_interval=0.05, push_interval=0.05, taker_trade_probability=0.3)
    await sim.start()
    settings.STANDX_API_BASE, settings.STANDX_WS_URL = sim.api_base, sim.ws_stream_url
    settings.HTTP_TIMEOUT_SECONDS = 2
    yield sim
    await sim.stop()


def recordmarket(*args: str) -> str:
    out = io.StringIO()
    call_command("recordmarket", *args, stdout=out)
    return out.getvalue()


async def run(*args: str) -> str:
    """The command in a thread (it runs its own event loop), the simulator in this one."""
    return await asyncio.to_thread(recordmarket, *args)


async def test_it_records_a_fraction_of_a_minute_and_resumes(standx, tmp_path):
    out = tmp_path / "btc.jsonl.gz"
    first = await run("--symbol", "BTC-USD", "--minutes", "0.02", "--out", str(out))
    assert first.startswith(f"recording BTC-USD from {standx.api_base}")
    assert f"recorded BTC-USD for 0.0 min to {out} (the time was up)" in first
    header = read_header(out)
    assert header.symbol == "BTC-USD" and header.api_base == standx.api_base
    assert header.symbol_info["price_tick_decimals"] == 2

    second = await run("--minutes", "0.02", "--out", str(out))
    assert f"resuming {out}" in second
    assert sum(isinstance(i, Gap) for i in read_items(out)) == 1


async def test_bad_input_is_one_clear_error_and_changes_nothing(standx, tmp_path):
    out = tmp_path / "btc.jsonl.gz"
    await run("--minutes", "0.01", "--out", str(out))
    before = out.read_bytes()
    cases = [
        (("--minutes", "0", "--out", str(out)), "--minutes must be above 0"),
        (("--minutes", "1", "--max-mb", "-1", "--out", str(out)), "--max-mb must be above 0"),
        (("--symbol", "DOGE-USD", "--minutes", "1", "--out", str(out)), "choose one of BTC-USD"),
        (("--minutes", "1", "--out", str(tmp_path / "no" / "x.gz")), "does not exist"),
        (("--symbol", "ETH-USD", "--minutes", "1", "--out", str(out)), "records BTC-USD, not"),
    ]
    for args, words in cases:
        with pytest.raises(CommandError, match=words):
            await run(*args)
    assert out.read_bytes() == before


async def test_an_unreachable_market_is_said(settings, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STANDX_API_BASE = f"http://127.0.0.1:{port}"
    settings.STANDX_WS_URL = f"ws://127.0.0.1:{port}/ws-stream/v1"
    out = tmp_path / "never.jsonl.gz"
    with pytest.raises(CommandError, match=f"query_symbol_info at http://127.0.0.1:{port}"):
        await run("--minutes", "1", "--out", str(out))
    assert not Path(out).exists()
