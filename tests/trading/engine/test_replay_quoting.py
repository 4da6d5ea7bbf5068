"""The bot quotes on a replayed market: the real engine against `runsim --replay`'s
simulator (trading/sim/feed.py fed by trading/marketdata/replay.py) playing the repository's
recording, in band by the simulator's ground truth, around the recording's prices."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.trading.engine.conftest import FAST_OPTIONS, SYMBOL, Running, save_config, wait_until
from tests.trading.marketdata.helpers import EVERY_SOURCE, sequences
from trading.engine.engine import Engine
from trading.engine.feeds import SharedFeed
from trading.marketdata.replay import Replay
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner

pytestmark = pytest.mark.django_db(transaction=True)
RECORDING = Path(__file__).resolve().parents[3] / "bench" / "markets" / "sim-volatile-2m.jsonl.gz"


async def test_the_bot_quotes_on_a_replayed_recording():
    replay = SimServer(faults=FaultConfig(ack_latency_ms=20), feed=Replay(RECORDING, speed=2))
    await replay.start()
    account = replay.create_account()
    await save_config("replayed", spread_bps=Decimal("5"))
    rest = StandXRest(
        replay.api_base, token=account.token, signer=RequestSigner(account.private_key)
    )
    feed = SharedFeed(replay.ws_stream_url, account.token, "account replayed", stale_after=2.0)
    running = Running(Engine("replayed", rest, feed, "sim", FAST_OPTIONS), rest)
    truth = lambda: replay.exchange.stats(account.user)["symbols"][SYMBOL]  # noqa: E731
    try:
        await wait_until(lambda: truth()["in_band_seconds"] >= 5, 30, "5 s in band")
        orders = replay.exchange.matching.accounts[account.user].live_orders(SYMBOL)
        marks = sequences(RECORDING, EVERY_SOURCE)["price"]
        low, high = min(marks), max(marks)
        assert orders and all(
            low * Decimal("0.99") < o.price < high * Decimal("1.01") for o in orders
        )
        assert replay.exchange.stats(account.user)["market"]["source"] == "replay"
    finally:
        await running.stop()
        await replay.stop()
    assert truth()["two_sided_seconds"] >= 5
