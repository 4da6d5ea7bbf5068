"""`manage.py runbot` as a real process: the end of the run (--duration, like SIGTERM) says
what happened to the position in its exit output, and with FLATTEN_ON_STOP=on leaves the
simulator's own ledger flat with no order of ours open."""

from __future__ import annotations

import pytest

from tests.trading.engine.conftest import wait_until
from tests.trading.engine.test_inventory_control import sim_position, take_position
from tests.trading.engine.test_runbot_process import start_runbot, wait_exit
from trading.core.domain import Side

pytestmark = pytest.mark.django_db(transaction=True)


async def test_runbot_flattens_at_its_end_and_says_so(world, data_dir):
    await take_position(world, Side.BUY, "0.002")
    data_dir["env"].update({"FLATTEN_ON_STOP": "on", "FLATTEN_MAKER_SECONDS": "0.5"})
    process = await start_runbot(data_dir, "--duration", "3")
    await wait_until(lambda: bool(world.ours()), timeout=20, what="quotes")
    assert await wait_exit(process, timeout=40) == 0
    output = data_dir["log"].read_text()
    assert "bot default: flattened long 0.002 BTC-USD (taker)" in output
    assert sim_position(world) == 0 and world.ours() == []


async def test_runbot_says_a_kept_position(world, data_dir):
    await take_position(world, Side.SELL, "0.001")
    process = await start_runbot(data_dir, "--duration", "2")
    await wait_until(lambda: bool(world.ours()), timeout=20, what="quotes")
    assert await wait_exit(process, timeout=40) == 0
    output = data_dir["log"].read_text()
    assert "bot default: position short 0.001 BTC-USD kept (flatten on stop is off)" in output
    assert str(sim_position(world)) == "-0.001"  # untouched by the bot
