"""The seeded price process: reproducible for a seed, prices on tick, a mark that lags the
mid, a book with a spread of a few ticks; background tasks survive a failing step."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from trading.sim.config import SimConfig
from trading.sim.market import Market
from trading.sim.symbols import SYMBOLS


def _path(seed: int, steps: int = 200) -> list[tuple[Decimal, Decimal]]:
    market = Market(SimConfig(seed=seed, volatility_bps=2.0, jump_probability=0.05))
    out = []
    for _ in range(steps):
        market.step()
        m = market.get("BTC-USD")
        out.append((m.mid, m.mark))
    return out


def test_same_seed_same_path_and_different_seed_differs():
    assert _path(42) == _path(42)
    assert _path(42) != _path(43)


def test_prices_stay_on_tick_and_mark_lags_the_mid():
    market = Market(SimConfig(seed=1, volatility_bps=3.0))
    differs = 0
    for _ in range(300):
        market.step()
        for symbol, m in market.symbols.items():
            tick = SYMBOLS[symbol].price_tick
            assert m.mid % tick == 0 and m.mark % tick == 0
            assert m.bids[0].price < m.mid < m.asks[0].price
            assert (m.asks[0].price - m.bids[0].price) == 2 * 2 * tick
            assert all(
                lv.qty % SYMBOLS[symbol].qty_tick == 0 and lv.qty > 0 for lv in m.bids + m.asks
            )
        differs += market.get("BTC-USD").mark != market.get("BTC-USD").mid
    assert differs > 100


def test_frozen_symbol_does_not_move_and_set_mid_snaps_the_mark():
    market = Market(SimConfig(seed=3, volatility_bps=5.0))
    market.freeze("ETH-USD")
    before = market.get("ETH-USD").mid
    for _ in range(50):
        market.step()
    assert market.get("ETH-USD").mid == before
    market.set_mid("ETH-USD", Decimal("3456.78"))  # rounded to the 0.1 tick
    assert market.get("ETH-USD").mid == Decimal("3456.8") == market.get("ETH-USD").mark


def test_start_prices():
    market = Market(SimConfig())
    mids = {s: market.get(s).mid for s in market.symbols}
    assert mids == {
        "BTC-USD": Decimal("66000.00"),
        "ETH-USD": Decimal("3500.0"),
        "XAU-USD": Decimal("5000.0"),
        "XAG-USD": Decimal("30.00"),
    }


async def test_market_loop_restarts_after_an_exception(make_sim, caplog):
    sim = await make_sim(step_interval=0.02, volatility_bps=1.0)
    real_step = sim.exchange.market.step
    calls = {"n": 0}

    def flaky_step():
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        real_step()

    sim.exchange.market.step = flaky_step
    with caplog.at_level(logging.ERROR, logger="trading.sim.loops"):
        async with asyncio.timeout(5):
            while calls["n"] < 5:
                await asyncio.sleep(0.05)
    assert any("restarting" in r.getMessage() for r in caplog.records)


async def test_public_trades_on_stream_and_rest(make_sim):
    from tests.trading.sim.helpers import Stream

    sim = await make_sim(taker_trade_probability=1.0, step_interval=0.05)
    stream = await Stream.open(sim.ws_stream_url)
    await stream.send({"subscribe": {"channel": "public_trade", "symbol": "XAG-USD"}})
    frame = await stream.wait_for(lambda f: f.get("channel") == "public_trade")
    assert set(frame["data"]) == {"symbol", "price", "qty", "quote_qty", "is_buyer_taker", "time"}
    await stream.close()
    import httpx

    async with httpx.AsyncClient(base_url=sim.api_base) as http:
        trades = (await http.get("/api/query_recent_trades", params={"symbol": "XAG-USD"})).json()
        assert trades and trades[0]["symbol"] == "XAG-USD"
        market = (await http.get("/api/query_symbol_market", params={"symbol": "XAG-USD"})).json()
        assert market["last_price"] is not None and len(market["spread"]) == 2
