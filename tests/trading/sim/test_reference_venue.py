"""The simulator's reference venue (issue 23): a price process that leads StandX by the
measured lag and covers the measured share of moves (measured from seeded runs of
Market.step), served as Binance's bookTicker and Hyperliquid's allMids over real websockets
on loopback, with the scripting tests and benches use."""

from __future__ import annotations

import asyncio
import json
import math
import statistics
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from trading.management.commands.runsim import reference_config
from trading.sim.config import SimConfig
from trading.sim.market import Market
from trading.sim.reference import LeadModel, ReferenceConfig
from trading.sim.scenarios import reference_paths, scenario

WAIT = 5.0  # every wait on the venue is bounded


# ---- the price process (no server) -------------------------------------------------------------


def test_lags_follow_the_measured_median_and_25th_percentile():
    lead = LeadModel(ReferenceConfig(), step_interval=0.1, mark_lag=0.3, seed=1)
    lags = sorted(lead.lag_s() for _ in range(20_000))
    assert statistics.median(lags) == pytest.approx(2.6, abs=0.05)
    assert lags[len(lags) // 4] == pytest.approx(1.8, abs=0.05)
    fixed = LeadModel(ReferenceConfig(lag_s=1.0, lag_p25_s=1.0), 0.1, 0.3, seed=1)
    assert {fixed.lag_s() for _ in range(10)} == {1.0}


def mid_path(config: SimConfig, steps: int) -> list[Decimal]:
    market = Market(replace(config, symbols=("BTC-USD",)))
    path = []
    for _ in range(steps):
        market.step()
        path.append(market.get("BTC-USD").mid)
    return path


def test_standx_makes_the_same_moves_later_so_its_market_is_unchanged():
    base = SimConfig(seed=3, **scenario("harsh").market)
    # A fixed lead of 2 s to the mark: the mid lags by 2 s less the mark's ~0.95 s.
    led = replace(base, reference=ReferenceConfig(lag_s=2.0, lag_p25_s=2.0))
    lead = Market(led).lead
    assert lead is not None
    delay = round((2.0 - lead.mark_delay_s) / base.step_interval)
    assert delay == 11
    without, with_lead = mid_path(base, 600), mid_path(led, 600 + delay)
    assert with_lead[delay:] == without
    assert set(with_lead[:delay]) == {with_lead[0]}  # nothing reached StandX before its lag


def test_the_reference_leads_and_standx_covers_its_share_of_the_movement():
    config = SimConfig(
        seed=5,
        **scenario("volatile").market,
        reference=ReferenceConfig(lag_s=2.0, lag_p25_s=2.0, coverage=0.61, basis_bps=3.0),
    )
    mids, refs = reference_paths(config, 3600)
    log_mid = [math.log(m) for m in mids]
    log_ref = [math.log(r) for r in refs]
    # The basis: the reference sits 3 bps over StandX on average.
    gaps = [(r - m) * 1e4 for r, m in zip(log_ref, log_mid, strict=True)]
    assert statistics.fmean(gaps) == pytest.approx(3.0, abs=1.0)
    # The lead: StandX's 1 s moves match the reference's best about 2 s (less the mark's
    # 0.3 s) earlier.
    horizon = 10

    def correlation(shift: int) -> float:
        ref_moves = [log_ref[i + horizon] - log_ref[i] for i in range(len(log_ref) - 100)]
        mid_moves = [
            log_mid[i + shift + horizon] - log_mid[i + shift] for i in range(len(log_mid) - 100)
        ]
        return statistics.correlation(ref_moves, mid_moves)

    best = max(range(40), key=correlation)
    assert 15 <= best <= 19  # 1.7 s of mid lag, in 0.1 s steps
    # The coverage: StandX makes 61 % of the reference's movement (variance of its 1 s
    # moves: a horizon within the lag, as the measurement's).

    def variance(path: list[float], span: int = 10) -> float:
        return statistics.pvariance([path[i + span] - path[i] for i in range(len(path) - span)])

    assert variance(log_mid) / variance(log_ref) == pytest.approx(0.61, abs=0.06)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lag_s": -1}, "lag_s"),
        ({"lag_s": 2, "lag_p25_s": 3}, "lag_p25_s"),
        ({"coverage": 0}, "coverage"),
        ({"coverage": 1.5}, "coverage"),
        ({"basis_bps": 5000}, "basis_bps"),
        ({"lagg_s": 1}, "unknown"),
    ],
)
def test_bad_reference_options_are_refused(options, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ReferenceConfig.from_options(options)


def test_runsim_flags_turn_the_venue_on():
    assert reference_config({"reference": False}) is None
    assert reference_config({"reference": True}) == ReferenceConfig()
    config = reference_config({"reference": False, "reference_lag_s": 1.3})
    assert config is not None and config.lag_s == 1.3
    assert config.lag_p25_s == pytest.approx(0.9)  # the measured spread kept


# ---- the venue on a real server ----------------------------------------------------------------


@pytest.fixture
async def venue_sim(make_sim):
    """A quiet market with a reference venue (no walk: scripted jumps only)."""
    return await make_sim(reference=ReferenceConfig(lag_s=0.5, lag_p25_s=0.5))


@pytest.fixture
async def venue_http(venue_sim):
    async with httpx.AsyncClient(base_url=venue_sim.api_base, timeout=WAIT) as client:
        yield client


async def recv_json(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def recv_until(ws, predicate) -> dict:
    async with asyncio.timeout(WAIT):
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message


async def test_binance_book_ticker_stream(venue_sim):
    url = venue_sim.reference_ws_url("binance") + "/ws/btcusdt@bookTicker"
    async with connect(url) as ws:
        first = await recv_json(ws)
        assert set(first) == {"e", "u", "s", "b", "B", "a", "A", "T", "E"}
        assert first["e"] == "bookTicker" and first["s"] == "BTCUSDT"
        assert all(isinstance(first[k], str) for k in "bBaA")
        assert all(isinstance(first[k], int) for k in "uTE")
        mid = venue_sim.exchange.market.get("BTC-USD").mid
        assert Decimal(first["b"]) <= mid < Decimal(first["a"])
        venue_sim.exchange.reference.script_jump("BTC-USD", 20.0, lag_s=60)
        moved = await recv_json(ws)
        assert moved["u"] > first["u"]
        assert Decimal(moved["b"]) == pytest.approx(mid * Decimal("1.002"), abs=Decimal("0.02"))


async def test_an_unknown_binance_stream_is_closed(venue_sim):
    url = venue_sim.reference_ws_url("binance") + "/ws/dogeusdt@bookTicker"
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_hyperliquid_all_mids_subscription_ping_and_errors(venue_sim):
    async with connect(venue_sim.reference_ws_url("hyperliquid")) as ws:
        request = {"method": "subscribe", "subscription": {"type": "allMids"}}
        await ws.send(json.dumps(request))
        assert await recv_json(ws) == {"channel": "subscriptionResponse", "data": request}
        mids = await recv_json(ws)
        assert mids["channel"] == "allMids"
        assert set(mids["data"]["mids"]) == {"BTC", "ETH", "XAU", "XAG"}
        assert Decimal(mids["data"]["mids"]["BTC"]) == venue_sim.exchange.market.get("BTC-USD").mid
        await ws.send(json.dumps({"method": "ping"}))
        assert await recv_until(ws, lambda m: m["channel"] != "allMids") == {"channel": "pong"}
        await ws.send("not json")
        error = await recv_until(ws, lambda m: m["channel"] != "allMids")
        assert error["channel"] == "error"


async def test_a_scripted_jump_reaches_the_reference_first_and_standx_after_its_lag(venue_sim):
    exchange = venue_sim.exchange
    market = exchange.market.get("BTC-USD")
    start_mid, start_mark = market.mid, market.mark
    landed = asyncio.Event()
    exchange.market.listeners.append(
        lambda symbol: landed.set() if market.mid != start_mid else None
    )
    loop = asyncio.get_running_loop()
    scripted_at = loop.time()
    assert exchange.reference.script_jump("BTC-USD", -30.0, lag_s=0.5) == 0.5
    assert exchange.reference.price("BTC-USD") == (start_mid * Decimal("0.997")).quantize(
        Decimal("0.01")
    )
    assert market.mid == start_mid  # StandX has not moved yet
    await asyncio.wait_for(landed.wait(), WAIT)
    assert loop.time() - scripted_at >= 0.45
    assert market.mid == (start_mid * Decimal("0.997")).quantize(Decimal("0.01"))
    # ... and so did the mark (less the noise of its own the walk adds each step)
    assert abs(market.mark / (start_mark * Decimal("0.997")) - 1) < Decimal("0.0001")
    assert exchange.reference.price("BTC-USD") == market.mid  # priced in


async def test_an_uncovered_jump_is_taken_back_by_the_reference(venue_sim, venue_http):
    exchange = venue_sim.exchange
    start = exchange.market.get("BTC-USD").mid
    answer = await venue_http.post(
        "/sim/reference", json={"symbol": "BTC-USD", "jump_bps": 25, "lag_s": 0.2, "covered": False}
    )
    assert answer.status_code == 200 and answer.json()["lag_s"] == 0.2
    assert Decimal(answer.json()["prices"]["BTC-USD"]) > start
    url = venue_sim.reference_ws_url("binance") + "/ws/btcusdt@bookTicker"
    async with connect(url) as ws:
        back = await recv_until(ws, lambda m: Decimal(m["b"]) <= start)
    assert Decimal(back["b"]) == start and exchange.market.get("BTC-USD").mid == start


async def test_silent_drop_and_injected_frames(venue_sim, venue_http):
    venue = venue_sim.exchange.reference
    url = venue_sim.reference_ws_url("binance") + "/ws/btcusdt@bookTicker"
    async with connect(url) as ws:
        await recv_json(ws)
        assert (await venue_http.post("/sim/reference", json={"silent": True})).json()["silent"]
        venue.script_jump("BTC-USD", 10.0, lag_s=60)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.5)  # silent: nothing comes, the socket stays
        venue.inject("{not json")
        assert await asyncio.wait_for(ws.recv(), WAIT) == "{not json"
        await venue_http.post("/sim/reference", json={"silent": False})
        assert (await recv_json(ws))["e"] == "bookTicker"
        await venue_http.post("/sim/reference", json={"drop": True})
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), WAIT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011


@pytest.mark.parametrize(
    "body",
    [
        {"silent": "yes"},
        {"drop": 1},
        {"symbol": "BTC-USD", "jump_bps": "10"},
        {"symbol": "NOPE", "jump_bps": 10},
        {"symbol": "BTC-USD", "jump_bps": 10, "lag_s": -1},
        {"symbol": "BTC-USD", "jump_bps": 10, "covered": "no"},
    ],
)
async def test_bad_scripts_are_refused_and_change_nothing(venue_sim, venue_http, body):
    before = venue_sim.exchange.reference.price("BTC-USD")
    answer = await venue_http.post("/sim/reference", json=body)
    assert answer.status_code == 400 and answer.json()["code"] == 400
    assert venue_sim.exchange.reference.price("BTC-USD") == before
    assert not venue_sim.exchange.reference.silent


async def test_without_a_reference_there_is_no_venue(sim, http):
    assert sim.exchange.reference is None
    answer = await http.post("/sim/reference", json={"silent": True})
    assert answer.status_code == 400 and "--reference" in answer.json()["message"]
    with pytest.raises(Exception):  # noqa: B017  the handshake is refused (404)
        async with connect(sim.reference_ws_url("hyperliquid")):
            pass
