"""The account's positions (every symbol, not only the bot's) and its balance, as the
exchange reports them: the `position` channel as it happens, `query_positions` and
`query_balance` every few seconds and soon after a `balance` frame (that channel carries
the wallet record, not equity or available margin). Never counts toward the kill switch:
a failed look is logged and tried again at the next refresh.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from decimal import Decimal

from trading.core.domain import Balance, Position, plain_or_none
from trading.core.times import iso_time
from trading.engine.state import BotState
from trading.standx.errors import StandXError
from trading.standx.rest import StandXRest

log = logging.getLogger(__name__)


class AccountWatch:
    def __init__(
        self, rest: StandXRest, state: BotState, clock: Callable[[], float], timeout: float = 5.0
    ):
        self.rest, self.state, self._clock, self.timeout = rest, state, clock, timeout
        self.positions: dict[str, Position] = {}
        self.balance: Balance | None = None
        self.updated_at: float | None = None
        self.next_at = 0.0  # when to ask REST next (the first pass asks at once)
        self._failing = False

    # ------------------------------------------------------------------ inputs

    def on_position(self, position: Position) -> None:
        """A `position` frame: it has no mark or upnl, so what REST said last is kept."""
        old = self.positions.get(position.symbol)
        if position.qty == 0:
            self.positions.pop(position.symbol, None)
            return
        if old is not None:
            position = dataclasses.replace(
                position,
                mark_price=position.mark_price or old.mark_price,
                leverage=position.leverage or old.leverage,
                margin=position.margin if position.margin is not None else old.margin,
            )
        self.positions[position.symbol] = position

    def refresh_soon(self, within: float = 0.0) -> None:
        """Ask REST within `within` seconds: at once after a fill of ours; within a couple
        of seconds after a `balance` frame, which every order placed or cancelled sends
        too (a requoting bot would otherwise ask twice a second)."""
        self.next_at = min(self.next_at, self._clock() + within)

    async def refresh(self) -> bool:
        """Positions and balance from REST, each bounded by the timeout."""
        try:
            async with asyncio.timeout(self.timeout):
                positions = await self.rest.query_positions()
            async with asyncio.timeout(self.timeout):
                balance = await self.rest.query_balance()
        except (StandXError, TimeoutError) as exc:
            if not self._failing:
                log.warning("account refresh failed (%s); retrying", type(exc).__name__)
            self._failing = True
            return False
        self._failing = False
        self.positions = {p.symbol: p for p in positions if p.qty != 0}
        self.balance, self.updated_at = balance, self._clock()
        return True

    # ------------------------------------------------------------------ views

    def mark_of(self, symbol: str) -> Decimal | None:
        """The live mark for the bot's symbol; REST's last mark for the others."""
        if symbol == self.state.symbol and self.state.market.mark is not None:
            return self.state.market.mark
        position = self.positions.get(symbol)
        return None if position is None else position.mark_price

    def upnl_of(self, symbol: str) -> Decimal:
        position = self.positions.get(symbol)
        if position is None:
            return Decimal("0")
        mark = self.mark_of(symbol)
        return position.upnl if mark is None else (mark - position.entry_price) * position.qty

    def margin_of(self, position: Position) -> Decimal | None:
        mark = self.mark_of(position.symbol)
        if mark is None or not position.leverage:
            return position.margin
        return abs(position.qty) * mark / position.leverage

    def view(self) -> dict:
        rows = [
            {
                "symbol": p.symbol,
                "qty": plain_or_none(p.qty),
                "entry_price": plain_or_none(p.entry_price),
                "mark_price": plain_or_none(self.mark_of(p.symbol)),
                "upnl": plain_or_none(self.upnl_of(p.symbol)),
                "margin": plain_or_none(self.margin_of(p)),
            }
            for p in sorted(self.positions.values(), key=lambda p: p.symbol)
        ]
        b = self.balance
        balance = None
        if b is not None:
            balance = {
                "balance": plain_or_none(b.balance),
                "available": plain_or_none(b.cross_available),
                "equity": plain_or_none(b.equity),
                "upnl": plain_or_none(b.upnl),
            }
        return {
            "positions": rows,
            "balance": balance,
            "updated_at": None if self.updated_at is None else iso_time(self.updated_at),
        }
