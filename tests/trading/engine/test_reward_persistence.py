"""The uptime keeper's reward estimate survives a restart: each hour's weighted-size integral,
qualifying seconds, Maker Hours and (for the snapshot-scored schedule) its samples are stored
with the hour, and the next process continues the hour from them instead of starting at 0."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trading.core.domain import LiveOrder, OrderState, Side
from trading.engine.uptime_keeper import UptimeKeeper
from trading.models import UptimeHour
from trading.schedules import load_schedule

D = Decimal
HOUR0 = 1_800_000_000.0  # a UTC hour boundary
MARK = D("66000")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def resting(side: Side, price: str, qty: str, rested_at: float) -> LiveOrder:
    return LiveOrder(
        f"mmbot-{side}", side, D(price), D(qty), OrderState.OPEN, rested_at - 0.1, MARK, rested_at
    )


BID = resting(Side.BUY, "65967.00", "0.0020", HOUR0)  # 5 bps: weight 0.8 -> 0.0016
ASK = resting(Side.SELL, "66033.00", "0.0030", HOUR0)  # 5 bps: 0.0024


async def run_for(keeper: UptimeKeeper, clock: Clock, seconds: int) -> None:
    """Observed once a second, quoting both orders, then saved as the persist loop does."""
    for _ in range(seconds):
        keeper.observe(clock.now, BID, ASK, MARK, running=True, book=[BID, ASK])
        clock.now += 1
    keeper.observe(clock.now, BID, ASK, MARK, running=True, book=[BID, ASK])
    assert await keeper.save("BTC-USD")


@pytest.mark.django_db(transaction=True)
async def test_a_restart_continues_the_hours_reward_from_the_database():
    clock = Clock(HOUR0)
    first = UptimeKeeper(
        "default", clock, schedule=load_schedule("sip5a"), symbol=lambda: "BTC-USD"
    )
    await run_for(first, clock, 20)  # counted from 3 s: 17 s x 0.0016
    row = await UptimeHour.objects.aget(bot="default")
    assert row.weighted_size_seconds == pytest.approx(0.0016 * 17)
    assert row.reward_seconds == pytest.approx(17) and row.reward_schedule == "sip5a"
    assert row.maker_hours == 0  # under 30 minutes: no tier yet

    clock.now += 5  # the process was down; the orders rested on
    second = UptimeKeeper(
        "default", clock, schedule=load_schedule("sip5a"), symbol=lambda: "BTC-USD"
    )
    await second.load()
    await run_for(second, clock, 1800)  # half an hour more: the standard tier
    hour = second.hour_rewards(clock.now)[int(HOUR0)]
    assert hour.reward_seconds == pytest.approx(17 + 1800)
    assert hour.weighted_size_seconds == pytest.approx(0.0016 * 1817)
    assert hour.tier == "standard"
    expected = D("0.0016") * 1817 / 3600 / 2 * D("0.5")  # / 2 BTC a unit, x 0.5 standard
    assert hour.maker_hours == pytest.approx(expected)
    row = await UptimeHour.objects.aget(bot="default")
    assert row.maker_hours == pytest.approx(expected)
    view = second.reward(clock.now)
    assert view["tier"] == "standard" and view["maker_hours"] == view["today_maker_hours"]
    assert Decimal(view["maker_hours"]) == pytest.approx(expected, abs=D("1e-6"))


@pytest.mark.django_db(transaction=True)
async def test_the_snapshot_scored_schedule_keeps_its_samples_across_a_restart():
    clock = Clock(HOUR0)
    original = load_schedule("uptime-original")
    first = UptimeKeeper("default", clock, schedule=original, symbol=lambda: "BTC-USD")
    await run_for(first, clock, 1200)  # 20 minutes: about 20 of the hour's 60 samples
    taken = first.reward_sampler.of_hour(HOUR0)
    assert 5 <= len(taken) <= 40 and set(taken) == {0.002}  # min(0.002, 0.003), flat weight
    row = await UptimeHour.objects.aget(bot="default")
    assert row.size_samples == taken

    second = UptimeKeeper("default", clock, schedule=original, symbol=lambda: "BTC-USD")
    await second.load()
    await run_for(second, clock, 1500)  # 45 minutes in band: boosted
    samples = second.reward_sampler.of_hour(HOUR0)
    assert samples[: len(taken)] == taken and len(samples) > len(taken)
    hour = second.hour_rewards(clock.now)[int(HOUR0)]
    # Every sample is 0.002: X70 x 1.0 = 0.002 BTC / 2 BTC a unit.
    assert hour.tier == "boosted" and hour.maker_hours == D("0.001")


@pytest.mark.django_db(transaction=True)
async def test_a_symbol_the_schedule_does_not_pay_earns_nothing():
    clock = Clock(HOUR0)
    keeper = UptimeKeeper(
        "default", clock, schedule=load_schedule("uptime-original"), symbol=lambda: "ETH-USD"
    )
    await run_for(keeper, clock, 10)
    view = keeper.reward(clock.now)
    assert (view["paid"], view["maker_hours"], view["unit"]) == (False, "0", None)
    assert keeper.hour_rewards(clock.now)[int(HOUR0)].weighted_size_seconds == 0
