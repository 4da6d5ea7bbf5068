"""The bot's Maker Hours estimate matches the simulator's ground truth of the same formula
within 2 %, through requotes (young replacements not counted for 3 s), mark moves (weights
by distance) and a restart (the hour continued from the database).

The engine sees its orders through the order channel and the mark through the price feed,
a few milliseconds late; the simulator knows the moment each order rested and left and every
mark exactly (docs/standx-protocol.md §7.5, §9). The schedule is SIP-5A's with one tier from
the hour's first minute, so a test of seconds has Maker Hours to compare."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import replace
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from tests.trading.engine.conftest import FAST_OPTIONS, MID, SYMBOL, wait_until
from trading.core.maker_hours import hour_maker_hours
from trading.core.reward_schedule import parse_schedule
from trading.core.times import iso_epoch
from trading.models import UptimeHour
from trading.schedules import HERE

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(name: str) -> dict:
    data = tomllib.loads((HERE / "sip5a.toml").read_text())
    data = copy.deepcopy(data)
    data["name"] = name
    data["tiers"] = [{"name": "from the first minute", "minutes": 0, "multiplier": 1.0}]
    return data


SCHEDULE = parse_schedule(at_once("sip5a-at-once"))
OPTIONS = replace(FAST_OPTIONS, reward_schedule=SCHEDULE)


@sync_to_async
def engine_hours() -> list[UptimeHour]:
    return list(UptimeHour.objects.filter(bot="default").order_by("hour"))


async def counted_for(world, seconds: float) -> None:
    """Wait until the simulator has counted `seconds` more of the reward figure."""
    target = world.truth()["reward_seconds"] + seconds
    await wait_until(
        lambda: world.truth()["reward_seconds"] >= target,
        timeout=seconds + 10,
        what=f"{seconds} s more counted by the simulator",
    )


def move_mid(world, bps: str) -> None:
    world.exchange.market.set_mid(SYMBOL, MID * (1 + Decimal(bps) / 10000))


@pytest.mark.sim(reward_schedule=SCHEDULE)
async def test_the_estimate_matches_the_simulators_ground_truth_within_two_percent(
    world, start_engine
):
    running = await start_engine(options=OPTIONS)
    await counted_for(world, 2.5)  # both orders past the 3 s minimum rest, then counted
    move_mid(world, "2")  # orders now 3 and 7 bps from the mark: other weights
    await counted_for(world, 1.5)
    move_mid(world, "-3")  # 5 bps of drift: both sides requoted, replacements young again
    await counted_for(world, 2.5)
    await running.stop()

    running = await start_engine(options=OPTIONS)  # a restart: the hour continues
    await counted_for(world, 2.5)
    await running.stop()

    truth = world.truth()["hours"]
    ours = await engine_hours()
    assert [iso_epoch(r["hour"]) for r in truth] == [r.hour.timestamp() for r in ours]
    sim_weighted = sum(Decimal(r["weighted_size_seconds"]) for r in truth)
    sim_seconds = sum(r["reward_seconds"] for r in truth)
    sim_mh = sum(Decimal(r["maker_hours"]) for r in truth)
    our_weighted = sum(r.weighted_size_seconds for r in ours)
    our_seconds = sum(r.reward_seconds for r in ours)
    our_mh = sum(r.maker_hours for r in ours)
    assert sim_seconds > 8 and sim_mh > 0
    # The replacements' 3 s without counting happened: less was counted than was quoted.
    assert sim_seconds < world.truth()["two_sided_seconds"] - 2
    assert our_seconds == pytest.approx(sim_seconds, rel=0.02)
    assert our_weighted == pytest.approx(float(sim_weighted), rel=0.02)
    assert our_mh == pytest.approx(sim_mh, rel=Decimal("0.02"))
    # Each stored hour's Maker Hours are the schedule's arithmetic on its stored sums.
    for row in ours:
        terms = SCHEDULE.terms_for(SYMBOL)
        expected = hour_maker_hours(SCHEDULE, terms, row.weighted_size_seconds, row.reward_seconds)
        assert row.reward_schedule == "sip5a-at-once"
        assert row.maker_hours == pytest.approx(expected, abs=Decimal("1e-9"))
