"""The band strategy against the simulator (issue 13), judged from its ground truth: in-band
time as StandX counts it (both sides within 10 bps of the MARK), dark sides, and cancels of
orders younger than the minimum rest."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)

BAND = dict(quote_strategy="band", band_min_rest_seconds=Decimal("3"))


def in_band_seconds(truth: dict) -> float:
    return truth["in_band_seconds"]


async def second_account(bench, start_engine, bot: str, **config):
    """Another bot on its own account of the same simulator (same market path)."""
    account = bench.sim.create_account()
    from trading.standx.rest import StandXRest
    from trading.standx.signing import RequestSigner
    rest = StandXRest(bench.sim.api_base, token=account.token,
                      signer=RequestSigner(account.private_key), timeout=2.0, max_retries=0)
    running = await start_engine(bot, rest=rest, token=account.token, **config)
    return running, account.user


async def test_band_holds_in_band_time_where_spread_at_the_same_distance_drifts_out(
        bench, start_engine):
    """The mark pulls away from the mid (it lags a moving market, or leads it): quotes priced
    from the mid end up out of band, quotes held around the mark stay in."""
    spread = await start_engine("spread5", spread_bps=Decimal("5"))
    band, band_user = await second_account(bench, start_engine, "band", **BAND)
    await wait_until(lambda: bench.two_sided() and len(bench.exchange.matching.accounts[
        band_user].live_orders(SYMBOL)) >= 2, timeout=10, what="both bots quoting")
    await asyncio.sleep(1.0)
    stats = bench.exchange.stats
    before = {"spread": in_band_seconds(bench.truth()),
              "band": in_band_seconds(stats(band_user)["symbols"][SYMBOL])}
    for step in range(1, 13):               # the mark walks 6 bps above the mid in 3 s
        bench.exchange.market.set_mark(SYMBOL, MID * (1 + Decimal(step) / 2 / 10000))
        await asyncio.sleep(0.25)
    await asyncio.sleep(3.0)                # and stays there
    spent = 6.0
    got = {"spread": in_band_seconds(bench.truth()) - before["spread"],
           "band": in_band_seconds(stats(band_user)["symbols"][SYMBOL]) - before["band"]}
    assert got["band"] >= 0.95 * spent, got
    assert got["spread"] <= 0.7 * spent, got
    for running in (spread, band):
        await running.stop()


@pytest.mark.sim(volatility_bps=0.45)       # about 2 bps per sqrt(second) in 50 ms steps
async def test_a_band_requote_never_darkens_a_side_nor_cancels_a_young_order(
        bench, start_engine):
    running = await start_engine(**BAND)
    await wait_until(bench.two_sided, what="first quotes")
    bench.exchange.market.unfreeze()
    dark = 0
    for _ in range(800):                    # 6 s, sampled every ~7 ms
        if not bench.two_sided():
            dark += 1
        await asyncio.sleep(0.007)
    truth = bench.truth()
    events = running.engine.events.recent()
    assert truth["cancels"] >= 1 or any(e["message"].startswith("band") for e in events), \
        "the market moved too little to make the strategy requote"
    assert dark == 0
    assert truth["cancels_under_3s"] == 0, truth
    snapshot = running.engine.lifetimes
    assert snapshot.young_cancels == 0
    await running.stop()


async def test_band_mode_publishes_its_plan_and_the_tier_budget(bench, start_engine):
    running = await start_engine(**BAND)
    await wait_until(bench.two_sided, what="first quotes")
    await wait_until(lambda: running.engine.quoter.last_plan is not None, what="a plan")
    view = running.engine.quoter.view()
    assert view["name"] == "band" and view["can_earn"] is True
    assert Decimal(view["target_bps"]) > 0 and Decimal(view["margin_bps"]) > 0
    bid = next(o for o in bench.resting() if o.side is Side.BUY)
    mark = bench.exchange.market.get(SYMBOL).mark
    assert abs((bid.price - mark) / mark * 10000) <= 10
    tier = running.engine.uptime.tier(running.engine.clock())
    assert [t["name"] for t in tier["tiers"]] == ["standard", "boosted"]
    assert tier["next_hour"].endswith(":00 UTC")
    await running.stop()
