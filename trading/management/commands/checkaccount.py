"""`python manage.py checkaccount`: check credentials without trading.

Reads the token's expiry, the symbol's specs, balance, positions and open orders (each
attributed to the bot whose prefix it carries), and places nothing. In live mode it checks
every configured account (STANDX_ACCOUNTS; the default one when it has credentials), or
those named by --account. In sim mode (no credentials) it starts the bundled simulator and
checks a fresh simulated account, so the command can be tried before going live (and says
that it checked the simulator, not the trader's credentials). The symbols checked are those
the account's bots quote (their rows), or --symbol.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.core.orders import bot_prefix
from trading.core.thresholds import TOKEN_WARN_SECONDS
from trading.fleet.accounts import DEFAULT_ACCOUNT, settings_account_for_bot
from trading.models import BotConfig
from trading.sim.runner import SimServer
from trading.standx.errors import StandXError
from trading.standx.rest import StandXRest
from trading.standx.signing import KeyFormatError, RequestSigner, check_token_expiry, jwt_expiry


class Command(BaseCommand):
    help = "Check StandX credentials: token expiry, balance, positions, open orders. Never trades."

    def add_arguments(self, parser):
        parser.add_argument(
            "--symbol",
            default=None,
            help="check this symbol's specs; default: the symbols the account's bots quote "
            "(their stored rows), or SYMBOL when it has no bot",
        )
        parser.add_argument("--timeout", type=float, default=float(settings.HTTP_TIMEOUT_SECONDS))
        parser.add_argument(
            "--account",
            action="append",
            default=None,
            metavar="NAME",
            help="check this account (repeatable); default: every configured one",
        )

    def handle(
        self, *args, symbol: str | None, timeout: float, account: list[str] | None, **options
    ):
        names = account or configured_accounts()
        unknown = [n for n in names if n not in settings.STANDX_ACCOUNTS]
        if unknown:
            raise CommandError(
                f"unknown account {unknown[0]!r} (known: "
                f"{', '.join(sorted(settings.STANDX_ACCOUNTS))})"
            )
        owners = {name: bots_of(name) for name in names}
        try:
            asyncio.run(
                asyncio.wait_for(
                    self._check(names, owners, symbol, timeout), timeout * 10 * len(names)
                )
            )
        except (StandXError, KeyFormatError, TimeoutError) as exc:
            raise CommandError(f"check failed: {type(exc).__name__}: {exc}") from None

    async def _check(
        self, names: list[str], owners: dict, symbol: str | None, timeout: float
    ) -> None:
        async with AsyncExitStack() as stack:
            sim = await self._sim(stack)
            for name in names:
                bots = owners[name]
                self.stdout.write(f"account: {name} (bots: {', '.join(bots) or 'none'})")
                base, token, key = credentials(name) if sim is None else self._sim_account(sim)
                rest = StandXRest(
                    base, token=token, signer=RequestSigner(key), timeout=timeout, max_retries=1
                )
                stack.push_async_callback(rest.aclose)
                self._report_token(token)
                symbols = [symbol] if symbol else symbols_of(bots)
                await self._report_account(rest, symbols, list(bots))
        if sim is None:
            self.stdout.write(self.style.SUCCESS("OK: credentials work. Nothing was traded."))
        else:  # nothing of the trader's was used: say so, not "credentials work"
            self.stdout.write(
                self.style.SUCCESS(
                    "OK: the bundled simulator answered (sim mode: no credentials of yours "
                    "were checked; set STANDX_MODE=live to check them). Nothing was traded."
                )
            )

    async def _sim(self, stack: AsyncExitStack) -> SimServer | None:
        if settings.STANDX_MODE == "live":
            self.stdout.write(f"mode: live, {settings.STANDX_API_BASE}")
            return None
        sim = SimServer(host=settings.SIM_HOST, port=0, seed=settings.SIM_SEED)
        await sim.start()
        stack.push_async_callback(sim.stop)
        self.stdout.write(f"mode: sim (fresh simulated accounts on {sim.api_base})")
        return sim

    @staticmethod
    def _sim_account(sim: SimServer) -> tuple[str, str, str]:
        account = sim.create_account()
        return sim.api_base, account.token, account.private_key

    def _report_token(self, token: str) -> None:
        expires_at = jwt_expiry(token)
        if expires_at is None:
            self.stdout.write("token: no exp claim (expiry unknown)")
        else:
            hours = (expires_at - time.time()) / 3600
            self.stdout.write(
                f"token: expires {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(expires_at))}"
                f" ({hours:.1f} h left)"
            )
        problem = check_token_expiry(token, within_seconds=TOKEN_WARN_SECONDS)
        if problem:
            self.stdout.write(self.style.WARNING(f"token: {problem}"))

    async def _report_account(self, rest: StandXRest, symbols: list[str], bots: list[str]) -> None:
        specs = await rest.symbol_specs(symbols)
        for symbol in symbols:
            if symbol not in specs:
                raise CommandError(f"unknown symbol {symbol!r}: the exchange does not list it")
            spec = specs[symbol]
            self.stdout.write(
                f"{symbol}: price tick {spec.price_tick}, lot {spec.qty_tick}, "
                f"min qty {spec.min_qty}"
            )
        balance = await rest.query_balance()
        self.stdout.write(
            f"balance: {balance.balance} equity {balance.equity} "
            f"available {balance.cross_available}"
        )
        positions = await rest.query_positions()
        self.stdout.write(
            "positions: " + (", ".join(f"{p.symbol} {p.qty}" for p in positions) or "none")
        )
        orders = await rest.query_open_orders()
        self.stdout.write(f"open orders: {len(orders)}")
        prefixes = {bot_prefix(settings.CL_ORD_PREFIX, bot): bot for bot in bots}
        for order in orders:
            owner = next(
                (
                    f"bot {bot}"
                    for prefix, bot in prefixes.items()
                    if order.cl_ord_id.startswith(prefix)
                ),
                "not a bot's",
            )
            self.stdout.write(
                f"  {order.symbol} {order.side.value} {order.qty} @ {order.price} "
                f"({order.cl_ord_id}, {owner})"
            )


def configured_accounts() -> list[str]:
    """Live: every account with credentials (the default one may be unused); sim: one."""
    if settings.STANDX_MODE != "live":
        return [DEFAULT_ACCOUNT]
    return [
        name
        for name in settings.STANDX_ACCOUNTS
        if name != DEFAULT_ACCOUNT or settings.STANDX_JWT_TOKEN
    ]


def bots_of(account: str) -> dict[str, str]:
    """The account's bots and the symbol each one's row quotes (name -> symbol)."""
    rows = BotConfig.objects.order_by("name").values_list("name", "symbol")
    return {bot: symbol for bot, symbol in rows if settings_account_for_bot(bot).name == account}


def symbols_of(bots: dict[str, str]) -> list[str]:
    """What the account's bots quote (their rows, not SYMBOL: a row may have moved on);
    SYMBOL for an account without a bot."""
    return sorted(set(bots.values())) or [str(settings.BOT_DEFAULTS["symbol"])]


def credentials(account: str) -> tuple[str, str, str]:
    if account == DEFAULT_ACCOUNT:  # read at call time: the settings may be overridden
        token, key = settings.STANDX_JWT_TOKEN, settings.STANDX_ED25519_PRIVATE_KEY
    else:
        named = settings.STANDX_ACCOUNTS[account]
        token, key = named.token, named.private_key
    if not token or not key:
        raise CommandError(
            f"account {account!r} has no credentials "
            f"({' and '.join(settings.STANDX_ACCOUNTS[account].variables)})"
        )
    return settings.STANDX_API_BASE, token.reveal(), key.reveal()
