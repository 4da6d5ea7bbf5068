"""checkaccount reads a live-style account over HTTP and never trades."""

import asyncio
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from mmsite.env import Secret
from trading.core.domain import Side
from trading.core.orders import bot_prefix
from trading.fleet.accounts import Account
from trading.models import BotConfig
from trading.sim.runner import SimServer
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner


@pytest.fixture
def sim_in_thread():
    """A simulator on its own loop, so the command's asyncio.run() can talk to it."""
    loop = asyncio.new_event_loop()
    sim = SimServer(port=0, seed=7)
    ready = threading.Event()

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(sim.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield sim, loop
    asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


pytestmark = pytest.mark.django_db


def on_loop(loop, coro):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(10)


async def place_manual_order(sim, account, cl_ord_id="manual-1"):
    async with StandXRest(
        sim.api_base, token=account.token, signer=RequestSigner(account.private_key)
    ) as rest:
        await rest.new_order("BTC-USD", Side.BUY, Decimal("0.001"), Decimal("60000.00"), cl_ord_id)
        for _ in range(50):
            if await rest.query_open_orders():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("manual order never rested")


def live_settings(sim, token, key):
    return override_settings(
        STANDX_MODE="live",
        STANDX_API_BASE=sim.api_base,
        STANDX_JWT_TOKEN=Secret(token),
        STANDX_ED25519_PRIVATE_KEY=Secret(key),
    )


def test_live_check_reports_account_and_trades_nothing(sim_in_thread, capsys):
    sim, loop = sim_in_thread
    account = sim.create_account()
    on_loop(loop, place_manual_order(sim, account))
    with live_settings(sim, account.token, account.private_key):
        call_command("checkaccount", "--symbol", "BTC-USD")
    out = capsys.readouterr().out
    assert "mode: live" in out and "lot 0.0001" in out and "balance: 100000" in out
    assert "open orders: 1" in out and "manual-1" in out
    assert account.token not in out and account.private_key not in out
    stats = sim.exchange.stats(account.user)["symbols"]["BTC-USD"]
    assert stats["open_orders"] == 1 and stats["fills"] == 0


def test_wrong_token_fails_with_a_clear_error(sim_in_thread):
    sim, _ = sim_in_thread
    account = sim.create_account()
    other = sim.create_account()
    with (
        live_settings(sim, "not-a-jwt", account.private_key),
        pytest.raises(CommandError, match="AuthError"),
    ):
        call_command("checkaccount")
    # A valid token with a key of another session still reads (GETs need no signature).
    with live_settings(sim, account.token, other.private_key):
        call_command("checkaccount")


def test_every_account_is_checked_and_orders_are_attributed_to_their_bot(sim_in_thread, capsys):
    sim, loop = sim_in_thread
    main, alt = sim.create_account(), sim.create_account()
    BotConfig.load("default"), BotConfig.load("eth")
    on_loop(loop, place_manual_order(sim, alt, bot_prefix("mmbot-", "eth") + "run1-1b"))
    on_loop(loop, place_manual_order(sim, alt, "by-hand-2"))
    accounts = {
        "default": Account("default", Secret(main.token), Secret(main.private_key)),
        "alt": Account("alt", Secret(alt.token), Secret(alt.private_key)),
    }
    with (
        live_settings(sim, main.token, main.private_key),
        override_settings(STANDX_ACCOUNTS=accounts, BOT_ACCOUNTS={"eth": "alt"}),
    ):
        call_command("checkaccount")
        out = capsys.readouterr().out
        assert "account: default (bots: default)" in out and "account: alt (bots: eth)" in out
        assert out.count("balance: 100000") == 2
        assert "run1-1b, bot eth)" in out and "(by-hand-2, not a bot's)" in out
        with pytest.raises(CommandError, match="unknown account 'nope'"):
            call_command("checkaccount", "--account", "nope")
    for account in (main, alt):
        assert account.token not in out and account.private_key not in out


def test_sim_mode_says_it_checked_the_simulator_and_the_bots_symbol(capsys, settings):
    """No credentials are used in sim mode: "credentials work" would be a false comfort. The
    symbol checked is the bot's row's (switched to ETH-USD in the dashboard), not SYMBOL."""
    settings.STANDX_MODE = "sim"
    row = BotConfig.load("default")
    row.symbol = "ETH-USD"
    row.save()
    call_command("checkaccount")
    out = capsys.readouterr().out
    assert "mode: sim" in out and "account: default (bots: default)" in out
    assert "ETH-USD: price tick" in out and "BTC-USD: price tick" not in out
    assert "OK: the bundled simulator answered" in out
    assert "no credentials of yours were checked" in out
    assert "credentials work" not in out


def test_live_mode_checks_the_symbol_of_each_bots_row(sim_in_thread, capsys):
    sim, _ = sim_in_thread
    account = sim.create_account()
    BotConfig.load("default"), BotConfig.load("gold")
    BotConfig.objects.filter(name="gold").update(symbol="XAU-USD")
    with live_settings(sim, account.token, account.private_key):
        call_command("checkaccount")
    out = capsys.readouterr().out
    assert "BTC-USD: price tick" in out and "XAU-USD: price tick" in out
    assert "OK: credentials work" in out
