"""One exchange stream per account, shared by every bot of that account in this process.

StandX allows 10 WebSocket connections per IP, 30 new ones a minute (docs/standx-protocol.md
§4.1, §6): a market and an account stream per bot would stop a host at five bots, and restarting
sixteen bots would open 32 connections at once. A SharedFeed is ONE authenticated connection
carrying the account channels and the market channels of every symbol its bots
quote (public and user channels may share a connection; `seq` counts per connection).

Routing: market data goes to the bots quoting that symbol; order, fill, position and
balance events go to every bot of the account (each keeps to its own cl_ord_id prefix and
symbol); connection status goes to every bot, as both its market and its account feed
status. A bot that starts or switches symbol adds its symbol on the live connection, so
the account's other bots never go dark for it; symbols nobody quotes any more are dropped
at the next reconnect (StandX documents no unsubscribe).

With `responses`, the feed also keeps the account's ws-api order-response session
(trading/standx/order_session.py) open while it has users: a second connection, where
StandX documents the results of our REST orders (a post-only reject above all). Each
`OrderResult` goes to every bot of the account like an account event, and so does the
session's status, named after the session (`responses_state` keeps the last one): it is
never taken for the stream's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Protocol

from trading.standx import frames
from trading.standx.order_session import RESPONSE_SESSION, OrderResponseSession
from trading.standx.stream import (
    StreamClient,
    StreamStatus,
    account_subscriptions,
    market_subscriptions,
)
from trading.supervisor import supervise

log = logging.getLogger(__name__)

MARKET_EVENTS = (frames.BookEvent, frames.PriceEvent, frames.TradePrint)


class FeedUser(Protocol):
    """What the feed needs of an engine."""

    @property
    def bot(self) -> str: ...
    @property
    def symbol(self) -> str: ...

    async def on_market_event(self, event) -> None: ...
    async def on_account_event(self, event) -> None: ...


def event_symbol(event) -> str:
    if isinstance(event, frames.BookEvent):
        return event.book.symbol
    if isinstance(event, frames.PriceEvent):
        return event.tick.symbol
    return event.symbol


class SharedFeed:
    def __init__(
        self,
        url: str,
        token: object,
        name: str,
        stale_after: float = 5.0,
        responses: OrderResponseSession | None = None,
    ):
        self.name = name
        self.stream = StreamClient(
            url, account_subscriptions(), token=token, name=name, stale_after=stale_after
        )
        self.responses = responses
        self._users: dict[str, FeedUser] = {}
        self._tasks: list[asyncio.Task] = []

    @property
    def responses_state(self) -> str | None:
        """The order-response session's last status (None: no session, or not yet)."""
        return self.responses.state if self.responses is not None else None

    @property
    def bots(self) -> list[str]:
        return sorted(self._users)

    async def serve(self, user: FeedUser) -> None:
        """Deliver `user`'s events until cancelled (the engine runs this as a supervised
        task); the connection opens with the first user and closes with the last."""
        self._users[user.bot] = user
        await self.follow(user)
        if self.stream.state is not None:  # joining a live connection: say how it is
            await self._tell(user, StreamStatus(self.name, self.stream.state, "shared"))
        if not self._tasks or any(task.done() for task in self._tasks):
            self._start()
        try:
            await asyncio.Event().wait()
        finally:
            if self._users.get(user.bot) is user:
                del self._users[user.bot]
            if not self._users:
                self._stop()

    def _start(self) -> None:
        self._stop()
        bodies = {f"feed {self.name}": lambda: self.stream.run(self.dispatch)}
        if self.responses is not None:
            responses = self.responses
            bodies[f"{responses.name} {self.name}"] = lambda: responses.run(self.dispatch_response)
        self._tasks = [
            asyncio.create_task(supervise(name, body, self._on_failure), name=name)
            for name, body in bodies.items()
        ]

    def _stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def follow(self, user: FeedUser) -> None:
        """Stream `user`'s current symbol (after it started or switched symbols)."""
        symbols = sorted({u.symbol for u in self._users.values()} | {user.symbol})
        await self.stream.update_subscriptions(
            account_subscriptions()
            + [s for symbol in symbols for s in market_subscriptions(symbol)]
        )

    async def dispatch(self, event) -> None:
        if isinstance(event, StreamStatus):
            for user in list(self._users.values()):
                await self._tell(user, event)
        elif isinstance(event, MARKET_EVENTS):
            symbol = event_symbol(event)
            for user in [u for u in self._users.values() if u.symbol == symbol]:
                await self._deliver(user.on_market_event, event)
        else:
            for user in list(self._users.values()):
                await self._deliver(user.on_account_event, event)

    async def dispatch_response(self, event) -> None:
        """The order-response session: results and its status (under the session's own
        name, never "account") to every bot of the account."""
        if isinstance(event, StreamStatus):
            event = dataclasses.replace(event, name=RESPONSE_SESSION)
        for user in list(self._users.values()):
            await self._deliver(user.on_account_event, event)

    async def _tell(self, user: FeedUser, status: StreamStatus) -> None:
        """The connection's status is both feeds' status for every bot on it."""
        await self._deliver(user.on_market_event, dataclasses.replace(status, name="market"))
        await self._deliver(user.on_account_event, dataclasses.replace(status, name="account"))

    async def _deliver(self, handler, event) -> None:
        """One bot's failing handler must not keep the event from the account's others."""
        try:
            await handler(event)
        except Exception:  # logged here; the stream counts nothing twice
            log.exception("feed %s: a handler failed on %s", self.name, type(event).__name__)

    def _on_failure(self, name: str, exc: BaseException) -> None:
        log.error("%s failed (%s); restarting it", name, type(exc).__name__)
