"""Ground truth equals the exact figures of scripted scenarios. The exchange clock is a fake
one the test moves by hand and acks are instant, so every interval is known exactly."""

from __future__ import annotations

from decimal import Decimal

from tests.trading.sim.helpers import place


async def test_two_sided_and_in_band_seconds_are_exact(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65940.00", "bid")  # 9.1 bps under the mark
    clock.advance(5)
    ask = await place(api, stream, "sell", "66050.00", "ask")  # 7.6 bps over the mark
    clock.advance(4)
    sim.exchange.market.set_mark("BTC-USD", Decimal("66100.00"))  # the bid leaves the band
    clock.advance(3)
    await api.post("/api/cancel_order", {"order_id": ask["id"]})
    await stream.order_status("ask", "canceled")
    clock.advance(8)

    figures = sim.exchange.stats(user)["symbols"]["BTC-USD"]
    assert {
        k: figures[k]
        for k in (
            "two_sided_seconds",
            "in_band_seconds",
            "observed_seconds",
            "open_orders",
            "fills",
        )
    } == {
        "two_sided_seconds": 7.0,
        "in_band_seconds": 4.0,
        "observed_seconds": 20.0,
        "open_orders": 1,
        "fills": 0,
    }
    # 0.001 BTC a side counted for the 4 in-band seconds, at the 66000 mark, over 20 s.
    assert figures["counted_size_mean"] == "0.00020000"
    assert figures["counted_notional_mean"] == "13.20"
    # The ask rested from 5 s to 12 s of the 20: dark for 13 s; the bid never was.
    assert (figures["bid_dark_seconds"], figures["ask_dark_seconds"]) == (0.0, 13.0)
    r = await api.get("/sim/stats")
    assert r.json()["symbols"]["BTC-USD"]["two_sided_seconds"] == 7.0
    assert r.json()["symbols"]["ETH-USD"]["observed_seconds"] == 0.0


async def test_observed_stops_when_the_last_order_leaves(scripted):
    sim, clock, api, stream, user = scripted
    bid = await place(api, stream, "buy", "65990.00", "bid")
    clock.advance(30)
    await api.post("/api/cancel_order", {"cl_ord_id": "bid"})
    await stream.order_status("bid", "canceled")
    clock.advance(100)
    figures = sim.exchange.stats(user)["symbols"]["BTC-USD"]
    assert figures["observed_seconds"] == 30.0 and figures["two_sided_seconds"] == 0.0
    # Dark time keeps counting while nothing rests: the ask never rested, the bid left at 30.
    assert (figures["bid_dark_seconds"], figures["ask_dark_seconds"]) == (100.0, 130.0)
    assert bid["status"] == "open"


async def test_hourly_uptime_splits_at_hour_boundaries(scripted):
    sim, clock, api, stream, user = scripted
    clock.advance(3600 - 600)  # 10 minutes before the hour
    await place(api, stream, "buy", "65990.00", "bid")
    await place(api, stream, "sell", "66010.00", "ask")
    clock.advance(600 + 45 * 60)  # 45 min into the next hour
    r = await api.get("/api/maker/uptime")
    assert r.status_code == 200
    hours = r.json()["hours"]
    assert [h["hour"] for h in hours] == ["2027-01-15T08:00:00Z", "2027-01-15T09:00:00Z"]
    assert hours[0]["in_band_seconds"] == 600.0 and hours[0]["tier"] == "none"
    assert hours[1]["two_sided_seconds"] == 2700.0 and hours[1]["tier"] == "boosted"
    assert hours[1]["uptime_pct"] == 75.0


async def test_fill_ends_the_two_sided_interval(scripted):
    sim, clock, api, stream, user = scripted
    await place(api, stream, "buy", "65990.00", "bid")
    await place(api, stream, "sell", "66010.00", "ask")
    clock.advance(10)
    sim.exchange.market.set_mid("BTC-USD", Decimal("66020.00"))  # trades through the ask
    await stream.order_status("ask", "filled")
    clock.advance(10)
    figures = sim.exchange.stats(user)["symbols"]["BTC-USD"]
    assert figures["two_sided_seconds"] == 10.0 and figures["fills"] == 1
    assert figures["in_band_seconds"] == 10.0


async def test_stats_and_uptime_need_a_token(scripted):
    sim, clock, api, stream, user = scripted
    assert (await api.http.get("/sim/stats")).status_code == 401
    assert (await api.http.get("/api/maker/uptime")).status_code == 401
    assert (await api.get("/api/maker/uptime")).json() == {
        "total_eligible_hours": "0.000000000000",
        "hours": [],
    }
