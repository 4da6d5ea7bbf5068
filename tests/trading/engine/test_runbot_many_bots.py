"""`runbot` runs several bots in one process: two bots on the same account and symbol, and a
third on an account of its own (STANDX_ACCOUNTS/BOT_ACCOUNTS). Each quotes with its own
order prefix; SIGTERM stops all of them cleanly; without --bot every configured bot runs,
including one added while running, and a deleted one stops cleanly."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import pytest

from tests.trading.engine.conftest import wait_until
from tests.trading.engine.test_runbot_process import ROOT, start_runbot, wait_exit
from trading.core.domain import Side
from trading.core.orders import bot_prefix

pytestmark = pytest.mark.django_db(transaction=True)

BOTS = ("default", "eth", "alt")


def resting_by_bot(world) -> dict[str, set]:
    """bot -> sides resting on the exchange, over every account of the simulator."""
    sides: dict[str, set] = {bot: set() for bot in BOTS}
    for account in world.exchange.matching.accounts.values():
        for order in account.live_orders(None):
            for bot in BOTS:
                if order.status == "open" and order.cl_ord_id.startswith(bot_prefix("mmbot-", bot)):
                    sides[bot].add(order.side)
    return sides


def users_of(world, bot: str) -> set[str]:
    return {
        account_user
        for account_user, account in world.exchange.matching.accounts.items()
        for order in account.live_orders(None)
        if order.cl_ord_id.startswith(bot_prefix("mmbot-", bot))
    }


def all_quoting(world) -> bool:
    return all(sides == {Side.BUY, Side.SELL} for sides in resting_by_bot(world).values())


def nothing_left(world) -> bool:
    return not any(
        account.live_orders(None) for account in world.exchange.matching.accounts.values()
    )


@pytest.fixture
def accounts_env(data_dir):
    data_dir["env"].update(
        {"STANDX_ACCOUNTS": "alt", "BOT_ACCOUNTS": "alt:alt", "LOG_LEVEL": "info"}
    )
    return data_dir


async def test_three_bots_in_one_process_quote_apart_and_stop_together(world, accounts_env):
    process = await start_runbot(accounts_env, "--bot", "default", "--bot", "eth", "--bot", "alt")
    try:
        await wait_until(lambda: all_quoting(world), timeout=30, what="every bot quoting")
        assert users_of(world, "default") == users_of(world, "eth") == {world.user}
        assert users_of(world, "alt") and world.user not in users_of(world, "alt")
    finally:
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0, accounts_env["log"].read_text()[-3000:]
    assert nothing_left(world)
    log = accounts_env["log"].read_text()
    for bot, account in (("default", "default"), ("eth", "default"), ("alt", "alt")):
        assert (
            f"bot: {bot}  symbol: BTC-USD  account: {account}  "
            f"orders: {bot_prefix('mmbot-', bot)}*" in log
        )
    assert log.count("held by this worker") == 3 and "runbot stopped cleanly" in log


async def test_without_bot_every_configured_bot_runs(world, accounts_env):
    first = await start_runbot(accounts_env, "--bot", "default", "--bot", "eth", "--duration", "1")
    assert await wait_exit(first) == 0
    process = await start_runbot(accounts_env, "--duration", "30")
    try:
        await wait_until(
            lambda: resting_by_bot(world)["eth"] and resting_by_bot(world)["default"],
            timeout=30,
            what="default and eth quoting",
        )
    finally:
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0
    assert resting_by_bot(world)["alt"] == set()  # never configured: not run
    assert nothing_left(world)


def manage_shell(setup: dict, code: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=setup["env"],
        check=True,
        timeout=60,
    )


async def test_a_bot_added_while_running_starts_and_a_deleted_one_stops(world, accounts_env):
    first = await start_runbot(accounts_env, "--bot", "default", "--duration", "1")
    assert await wait_exit(first) == 0
    process = await start_runbot(accounts_env, "--duration", "60")
    try:
        await wait_until(
            lambda: resting_by_bot(world)["default"] == {Side.BUY, Side.SELL},
            timeout=30,
            what="default quoting",
        )
        await asyncio.to_thread(
            manage_shell,
            accounts_env,
            "from trading.models import BotConfig; BotConfig.load('eth')",
        )
        await wait_until(
            lambda: resting_by_bot(world)["eth"] == {Side.BUY, Side.SELL},
            timeout=30,
            what="eth started by the watcher",
        )
        default_ids = {
            o.cl_ord_id
            for o in world.ours()
            if o.cl_ord_id.startswith(bot_prefix("mmbot-", "default"))
        }
        await asyncio.to_thread(
            manage_shell,
            accounts_env,
            "from trading.models import BotConfig; BotConfig.objects.filter(name='eth').delete()",
        )
        await wait_until(
            lambda: not resting_by_bot(world)["eth"],
            timeout=30,
            what="the deleted bot's orders canceled",
        )
        assert resting_by_bot(world)["default"] == {Side.BUY, Side.SELL}
        assert default_ids & {o.cl_ord_id for o in world.ours()}, "default kept its quotes"
    finally:
        process.send_signal(signal.SIGTERM)
    assert await wait_exit(process) == 0, accounts_env["log"].read_text()[-3000:]
    assert nothing_left(world)
    assert "bot eth was deleted: stopping it" in accounts_env["log"].read_text()


def test_more_accounts_than_the_exchange_allows_connections_is_said_at_start(settings):
    from mmsite.env import Secret
    from trading.fleet import runner
    from trading.fleet.accounts import Account

    names = [f"a{i}" for i in range(11)]
    settings.STANDX_ACCOUNTS = {n: Account(n, Secret(""), Secret("")) for n in ["default", *names]}
    settings.BOT_ACCOUNTS = {f"bot{i}": n for i, n in enumerate(names)}
    said: list[str] = []
    command = runner.Runner({"bot": None})
    command.say = said.append
    command.check_connection_budget([f"bot{i}" for i in range(10)])  # 10 accounts: fine
    assert said == []
    command.check_connection_budget([f"bot{i}" for i in range(11)])
    assert said and "11 bots on 11 accounts need 11 exchange connections" in said[0]
    assert "allows 10 per IP" in said[0]
