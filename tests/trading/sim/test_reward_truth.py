"""Reward ground truth on scripted scenarios, exact: the counted size (min of the in-band
sides, capped at 2 BTC), its X70/X50 at the hour's random snapshot moments, order lifetimes
and young cancels, and the requests each account sent. The exchange clock is a fake one the
test moves by hand and acks are instant, so every figure is known in advance."""

from __future__ import annotations

from decimal import Decimal

from tests.trading.sim.conftest import HOUR_START
from tests.trading.sim.helpers import alo, place
from trading.sim.market import PublicTrade
from trading.sim.truth_hours import SnapshotClock


def btc(figures: dict) -> dict:
    return figures["symbols"]["BTC-USD"]


async def cancel(api, stream, cl: str) -> None:
    assert (await api.post("/api/cancel_order", {"cl_ord_id": cl})).status_code == 200
    await stream.order_status(cl, "canceled")


async def test_counted_size_is_the_smaller_in_band_side(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65990.00", "b1", qty="0.0030")
    await place(api, stream, "buy", "65980.00", "b2", qty="0.0010")
    await place(api, stream, "sell", "66010.00", "a1", qty="0.0020")
    await place(api, stream, "sell", "66200.00", "far", qty="0.0500")  # 30 bps: not counted
    clock.advance(10)  # bids 0.004 in band, asks 0.002 in band -> 0.002
    # A synthetic taker sells 0.0015 into our best bid: the bids shrink to 0.0025, still more.
    sim.exchange.matching.on_taker_trade(
        PublicTrade("BTC-USD", Decimal("65990.00"), Decimal("0.0015"), False, clock())
    )
    clock.advance(10)
    await cancel(api, stream, "a1")
    clock.advance(20)  # one side only: nothing counts
    figures = btc(sim.exchange.stats(user))
    assert figures["observed_seconds"] == 40.0 and figures["in_band_seconds"] == 20.0
    # 0.002 BTC for 20 s of 40 observed: 0.001 BTC on average, 66 USD at the 66000 mark.
    assert figures["counted_size_mean"] == "0.00100000"
    assert figures["counted_notional_mean"] == "66.00"
    assert figures["counted_size_cap"] == "2"


async def test_counted_size_is_capped_at_two_btc_a_side(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65990.00", "bid", qty="3.0000")
    await place(api, stream, "sell", "66010.00", "ask", qty="2.5000")
    clock.advance(30)
    figures = btc(sim.exchange.stats(user))
    assert figures["counted_size_mean"] == "2.00000000"
    assert figures["counted_notional_mean"] == "132000.00"
    assert sim.exchange.stats(user)["symbols"]["ETH-USD"]["counted_size_cap"] is None


async def test_order_lifetimes_young_cancels_and_median(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65900.00", "young")
    clock.advance(1.5)
    await cancel(api, stream, "young")  # 1.5 s: a flicker
    await place(api, stream, "buy", "65900.00", "old")
    clock.advance(5)
    await cancel(api, stream, "old")  # 5 s
    await place(api, stream, "sell", "66010.00", "filled")
    clock.advance(2)
    sim.exchange.market.set_mid("BTC-USD", Decimal("66020.00"))  # trades through: 2 s
    await stream.order_status("filled", "filled")
    await place(api, stream, "buy", "65000.00", "resting")  # still on the book: no life yet
    clock.advance(100)
    figures = btc(sim.exchange.stats(user))
    assert figures["orders_left"] == 3 and figures["orders_filled"] == 1
    assert figures["cancels"] == 2 and figures["cancels_under_3s"] == 1
    assert figures["cancels_under_3s_share"] == 0.5
    assert figures["median_order_life_s"] == 2.0  # of 1.5, 2 and 5 s


async def test_x70_x50_come_from_the_snapshot_moments(make_scripted):
    sim, clock, api, stream, user = await make_scripted(
        uptime_snapshots_per_hour=10, reward_schedule="uptime-original"
    )
    hour = int(HOUR_START)
    moments = SnapshotClock(42, 10).times(hour)
    assert moments == sim.exchange.matching.snapshots.times(hour)  # seeded: reproducible
    # 0.003 BTC a side through the 5th moment, 0.001 through the 8th, then nothing.
    await place(api, stream, "buy", "65990.00", "b3", qty="0.0030")
    await place(api, stream, "sell", "66010.00", "a3", qty="0.0030")
    clock.now = (moments[4] + moments[5]) / 2
    await cancel(api, stream, "b3")
    await place(api, stream, "buy", "65990.00", "b1", qty="0.0010")
    clock.now = (moments[7] + moments[8]) / 2
    await cancel(api, stream, "b1")
    in_band = clock.now - HOUR_START
    clock.now = HOUR_START + 3600 + 60  # the hour is over
    r = await api.get("/api/maker/uptime")
    row = r.json()["hours"][0]
    assert row["snapshots"] == 10
    # Descending [0.003 x5, 0.001 x3, 0 x2]: X70 is the 7th value, X50 the 5th.
    assert row["x70"] == "0.00100000" and row["x50"] == "0.00300000"
    assert row["in_band_seconds"] == round(in_band, 3)
    # The original programme: max(X70 x 1.0 if boosted, X50 x 0.5) / 2 BTC a unit.
    expected = {"boosted": "0.00075", "standard": "0.00075", "none": "0"}
    assert row["reward_tier"] == row["tier"]  # no minimum rest, every order in band counts
    assert Decimal(row["maker_hours"]) == Decimal(expected[row["tier"]])
    assert row["eligible_hour"] == row["maker_hours"]
    assert set(row) == {
        "hour",
        "two_sided_seconds",
        "in_band_seconds",
        "uptime_pct",
        "tier",
        "counted_size_mean",
        "counted_notional_mean",
        "snapshots",
        "x70",
        "x50",
        "schedule",
        "weighted_size_seconds",
        "weighted_size_mean",
        "reward_seconds",
        "reward_tier",
        "maker_hours",
        "eligible_hour",
    }
    stats_row = btc(sim.exchange.stats(user))["hours"][0]
    assert stats_row == row


async def test_hour_rows_average_the_counted_size_over_the_hour(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65990.00", "bid", qty="0.0020")
    await place(api, stream, "sell", "66010.00", "ask", qty="0.0020")
    clock.advance(45 * 60)
    await cancel(api, stream, "ask")
    clock.advance(15 * 60 + 600)  # into the next hour, where nothing counts
    rows = (await api.get("/api/maker/uptime")).json()["hours"]
    assert len(rows) == 1 and rows[0]["tier"] == "boosted"
    assert rows[0]["counted_size_mean"] == "0.00150000"  # 0.002 for 45 of 60 min
    assert rows[0]["counted_notional_mean"] == "99.00"
    assert rows[0]["snapshots"] == 60


async def test_partial_snapshot_count_during_the_hour(make_scripted):
    sim, clock, api, stream, user = await make_scripted(uptime_snapshots_per_hour=10)
    moments = sim.exchange.matching.snapshots.times(int(HOUR_START))
    await place(api, stream, "buy", "65990.00", "bid")
    await place(api, stream, "sell", "66010.00", "ask")
    clock.now = (moments[2] + moments[3]) / 2
    row = (await api.get("/api/maker/uptime")).json()["hours"][0]
    assert row["snapshots"] == 3 and row["x50"] == "0.00100000"


async def test_requests_by_path_per_account(make_scripted):
    # 900 credits, 45 per request, refilled at 1 credit/s: the 21st request gets 429.
    sim, clock, api, stream, user = await make_scripted(credits_refill_per_s=1)
    await place(api, stream, "buy", "65990.00", "bid")
    await cancel(api, stream, "bid")
    for _ in range(3):
        assert (await api.get("/api/query_open_orders", symbol="BTC-USD")).status_code == 200
    assert (await api.http.get("/api/query_symbol_info")).status_code == 200  # no token
    assert (await api.get("/sim/orders")).status_code == 200  # a control
    clock.advance(30)
    requests = sim.exchange.stats(user)["requests"]
    assert requests["by_path"] == {
        "/api/cancel_order": 1,
        "/api/new_order": 1,
        "/api/query_open_orders": 3,
    }
    assert requests["total"] == 5 and requests["rate_limited"] == 0
    assert requests["seconds"] == 30.0 and requests["per_minute"] == 10.0
    codes = [(await api.get("/api/query_balance")).status_code for _ in range(16)]
    assert codes.count(429) == 1  # 5 + 15 = 20 allowed, the 21st refused
    requests = sim.exchange.stats(user)["requests"]
    assert requests["total"] == 21 and requests["rate_limited"] == 1
    assert requests["rejections"] == {"429 too many requests (per-account limit)": 1}
    other = sim.create_account()
    assert sim.exchange.stats(other.user)["requests"] == {
        "total": 0,
        "by_path": {},
        "rate_limited": 0,
        "rejections": {},
        "seconds": 0.0,
        "per_minute": None,
    }


# ---- the reward schedule's figure (sip5a by default; docs/standx-protocol.md §7.5) ----------


async def test_the_weighted_figure_counts_from_the_minimum_rest_with_each_distance_weight(scripted):
    sim, clock, api, stream, user = scripted
    # 2.5 bps from the 66000 mark weighs 1.4, 5 bps 0.8: bid 0.003 -> 0.0042, ask 0.002 -> 0.0016.
    await place(api, stream, "buy", "65983.50", "bid", qty="0.0030")
    await place(api, stream, "sell", "66033.00", "ask", qty="0.0020")
    clock.advance(2)  # younger than 3 s: nothing counts yet
    figures = btc(sim.exchange.stats(user))
    assert figures["reward_seconds"] == 0 and figures["weighted_size_mean"] == "0.00000000"
    clock.advance(10)  # counted from 3 s to 12 s: 9 s x 0.0016
    row = (await api.get("/api/maker/uptime")).json()["hours"][0]
    assert row["schedule"] == "sip5a"
    assert row["weighted_size_seconds"] == "0.01440000"
    assert row["reward_seconds"] == 9.0 and row["reward_tier"] == "none"
    assert row["maker_hours"] == row["eligible_hour"] == "0.000000000000"  # under 30 minutes


async def test_maker_hours_of_a_boosted_hour(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65967.00", "bid", qty="0.0020")  # 5 bps: 0.8
    await place(api, stream, "sell", "66066.00", "ask", qty="0.0050")  # 10 bps: 0.4 -> 0.002
    clock.advance(45 * 60)
    await cancel(api, stream, "ask")
    clock.advance(15 * 60 + 60)  # the hour is over
    body = (await api.get("/api/maker/uptime")).json()
    row = body["hours"][0]
    counted = 45 * 60 - 3  # from the minimum rest to the cancel
    assert row["reward_seconds"] == counted and row["reward_tier"] == "boosted"
    # min(0.0016, 0.0020) for 2697 s, over the hour, / 2 BTC a unit, x 1.0 boosted
    expected = Decimal("0.0016") * counted / 3600 / 2
    assert row["maker_hours"] == str(expected.quantize(Decimal("1E-12")))
    assert body["total_eligible_hours"] == row["eligible_hour"] == row["maker_hours"]


async def test_metals_score_a_tenth_outside_their_new_york_session(scripted):
    sim, clock, api, stream, user = scripted
    sim.exchange.market.set_mid("XAU-USD", Decimal("5000.0"))
    friday_close = HOUR_START + 14 * 3600  # HOUR_START is Friday 03:00 in New York (UTC-5)
    clock.now = friday_close - 13  # rest at 16:59:47: counted from 16:59:50
    for side, price, cl in (("buy", "4997.5", "bid"), ("sell", "5002.5", "ask")):  # 5 bps
        body = alo(side, price, "0.10", cl_ord_id=cl, symbol="XAU-USD")  # 0.1 x 0.8 counted
        assert (await api.post("/api/new_order", body)).status_code == 200
        await stream.order_status(cl, "open")
    clock.now = friday_close + 10
    rows = sim.exchange.stats(user)["symbols"]["XAU-USD"]["hours"]
    # 17:00 in New York is 22:00 UTC: 10 s at full weight in one hour, 10 s at 10 % after.
    assert [r["weighted_size_seconds"] for r in rows] == ["0.80000000", "0.08000000"]
    assert [r["reward_seconds"] for r in rows] == [10.0, 10.0]
    assert [r["maker_hours"] for r in rows] == [None, None]  # SIP-5A gives XAU no unit
