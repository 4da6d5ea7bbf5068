"""`python manage.py checkaccount`: check credentials without trading.

Reads the token's expiry, the symbol's specs, balance, positions and open orders, and
places nothing. In sim mode (no credentials) it starts the bundled simulator and checks a
fresh simulated account, so the command can be tried before going live.
"""
from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trading.sim.runner import SimServer
from trading.standx.errors import StandXError
from trading.standx.rest import StandXRest
from trading.standx.signing import KeyFormatError, RequestSigner, check_token_expiry, jwt_expiry

TOKEN_WARNING_SECONDS = 24 * 3600


class Command(BaseCommand):
    help = "Check StandX credentials: token expiry, balance, positions, open orders. Never trades."

    def add_arguments(self, parser):
        parser.add_argument("--symbol", default=settings.BOT_DEFAULTS["symbol"])
        parser.add_argument("--timeout", type=float, default=float(settings.HTTP_TIMEOUT_SECONDS))

    def handle(self, *args, symbol: str, timeout: float, **options):
        try:
            asyncio.run(asyncio.wait_for(self._check(symbol, timeout), timeout * 10))
        except (StandXError, KeyFormatError, TimeoutError) as exc:
            raise CommandError(f"check failed: {type(exc).__name__}: {exc}") from None

    async def _check(self, symbol: str, timeout: float) -> None:
        async with AsyncExitStack() as stack:
            base, token, key = await self._target(stack)
            rest = StandXRest(base, token=token, signer=RequestSigner(key), timeout=timeout, max_retries=1)
            stack.push_async_callback(rest.aclose)
            self._report_token(token)
            await self._report_account(rest, symbol)
        self.stdout.write(self.style.SUCCESS("OK: credentials work. Nothing was traded."))

    async def _target(self, stack: AsyncExitStack) -> tuple[str, str, str]:
        if settings.STANDX_MODE == "live":
            self.stdout.write(f"mode: live, {settings.STANDX_API_BASE}")
            return (settings.STANDX_API_BASE, settings.STANDX_JWT_TOKEN.reveal(),
                    settings.STANDX_ED25519_PRIVATE_KEY.reveal())
        sim = SimServer(host=settings.SIM_HOST, port=0, seed=settings.SIM_SEED)
        await sim.start()
        stack.push_async_callback(sim.stop)
        account = sim.create_account()
        self.stdout.write(f"mode: sim (a fresh simulated account on {sim.api_base})")
        return sim.api_base, account.token, account.private_key

    def _report_token(self, token: str) -> None:
        expires_at = jwt_expiry(token)
        if expires_at is None:
            self.stdout.write("token: no exp claim (expiry unknown)")
        else:
            hours = (expires_at - time.time()) / 3600
            self.stdout.write(f"token: expires {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(expires_at))}"
                              f" ({hours:.1f} h left)")
        problem = check_token_expiry(token, within_seconds=TOKEN_WARNING_SECONDS)
        if problem:
            self.stdout.write(self.style.WARNING(f"token: {problem}"))

    async def _report_account(self, rest: StandXRest, symbol: str) -> None:
        specs = await rest.symbol_specs([symbol])
        if symbol not in specs:
            raise CommandError(f"unknown symbol {symbol!r}")
        spec = specs[symbol]
        self.stdout.write(f"{symbol}: price tick {spec.price_tick}, lot {spec.qty_tick}, min qty {spec.min_qty}")
        balance = await rest.query_balance()
        self.stdout.write(f"balance: {balance.balance} equity {balance.equity} available {balance.cross_available}")
        positions = await rest.query_positions()
        self.stdout.write("positions: " + (", ".join(f"{p.symbol} {p.qty}" for p in positions) or "none"))
        orders = await rest.query_open_orders()
        self.stdout.write(f"open orders: {len(orders)}")
        for order in orders:
            self.stdout.write(f"  {order.symbol} {order.side.value} {order.qty} @ {order.price} "
                              f"({order.cl_ord_id})")
