"""Where each bot trades and with whose credentials: one venue and one REST client per
exchange account, shared by every bot of that account.

Sharing matters: StandX budgets request credits per account, so the client's pacer
(trading/standx/pacing.py) must see every order of the account to keep under the limit; and
it allows 10 WebSocket connections per IP, so the account's bots share one
(trading/engine/feeds.py). The per-IP request budget is shared by every account of the process.
Secrets stay in `Secret`s and are never printed; labels name accounts, never keys.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.management.base import CommandError

from trading.engine.feeds import SharedFeed
from trading.fleet.accounts import Account, settings_account_for_bot
from trading.fleet.paper import PAPER, paper_label
from trading.standx.order_session import OrderResponseSession, SessionRequests
from trading.standx.pacing import CreditPacer, ip_budget
from trading.standx.rest import StandXRest
from trading.standx.signing import KeyFormatError, RequestSigner


@dataclass(frozen=True)
class Venue:
    """Where an account trades and with which credentials (never printed)."""

    mode: str
    api_base: str
    ws_url: str
    token: object
    private_key: object
    label: str
    ws_api_url: str = ""  # the order-response session; "" = beside ws_url


@dataclass(frozen=True)
class Seat:
    """What a bot's engine needs of its account: the venue, the shared client and the
    shared stream connection."""

    account: str
    venue: Venue
    rest: StandXRest
    feed: SharedFeed


class Venues:
    """Resolves each account once (in order of first use) and closes the clients at the end.

    `sim` is the bundled simulator or the paper exchange (a SimServer following StandX's
    public market, trading/fleet/paper.py), or None: live mode, or --no-sim against a
    simulator started elsewhere."""

    def __init__(self, stack: contextlib.AsyncExitStack, sim=None):
        self.stack, self.sim = stack, sim
        self._seats: dict[str, Seat] = {}
        self._ip = ip_budget(per_second=float(settings.IP_REQUESTS_PER_SECOND))

    async def seat_for(self, bot: str) -> Seat:
        account = settings_account_for_bot(bot)
        if account.name not in self._seats:
            venue = await self._venue(bot, account)
            session = SessionRequests()
            rest = StandXRest(
                venue.api_base,
                token=venue.token,
                signer=make_signer(venue.private_key, account),
                timeout=float(settings.HTTP_TIMEOUT_SECONDS),
                pacer=CreditPacer(ip=self._ip),
                session=session,
            )
            self.stack.push_async_callback(rest.aclose)
            feed = SharedFeed(
                venue.ws_url,
                venue.token,
                f"account {account.name}",
                stale_after=float(settings.FEED_STALE_SECONDS),
                responses=response_session(venue, session),
            )
            self._seats[account.name] = Seat(account.name, venue, rest, feed)
        return self._seats[account.name]

    async def _venue(self, bot: str, account: Account) -> Venue:
        if settings.STANDX_MODE == "live":
            return live_venue(bot, account)
        if self.sim is None:
            return await external_sim_venue(account)
        funded = self.sim.create_account()
        paper = settings.STANDX_MODE == PAPER
        return Venue(
            PAPER if paper else "sim",
            self.sim.api_base,
            self.sim.ws_stream_url,
            funded.token,
            funded.private_key,
            paper_label(self.sim) if paper else f"bundled simulator on {self.sim.api_base}",
            self.sim.ws_api_url,
        )


def ws_api_url_beside(ws_url: str) -> str:
    """The ws-api URL on the stream's host (where StandX and the simulator serve it)."""
    return urlsplit(ws_url)._replace(path="/ws-api/v1", query="").geturl()


def response_session(venue: Venue, session: SessionRequests) -> OrderResponseSession | None:
    """The account's order-response session, unless ORDER_RESPONSE_SESSION is off."""
    if not settings.ORDER_RESPONSE_SESSION:
        return None
    url = venue.ws_api_url or ws_api_url_beside(venue.ws_url)
    return OrderResponseSession(url, venue.token, session)


def make_signer(private_key: object, account: Account | None = None) -> RequestSigner:
    variable = account.variables[1] if account else "STANDX_ED25519_PRIVATE_KEY"
    try:
        return RequestSigner(private_key)
    except (KeyFormatError, ValueError) as exc:
        raise CommandError(f"{variable} is not usable: {exc}") from None


def live_venue(bot: str, account: Account) -> Venue:
    """StandX with the credentials of the bot's account (BOT_ACCOUNTS; 'default' if unlisted)."""
    if not account.has_credentials:
        jwt, key = account.variables
        raise CommandError(
            f"bot {bot!r} trades on account {account.name!r}, which has no "
            f"credentials: set {jwt} and {key} (or map the bot to another "
            f"account in BOT_ACCOUNTS)"
        )
    return Venue(
        "live",
        settings.STANDX_API_BASE,
        settings.STANDX_WS_URL,
        account.token,
        account.private_key,
        f"StandX at {settings.STANDX_API_BASE}, account {account.name}",
        settings.STANDX_WS_API_URL,
    )


async def external_sim_venue(account: Account) -> Venue:
    """A simulator started elsewhere (e.g. `manage.py runsim`): the account's credentials
    from the environment, or a fresh funded account from POST /sim/accounts."""
    if account.name == "default":
        token = os.environ.get("STANDX_JWT_TOKEN") or account.token
        key = os.environ.get("STANDX_ED25519_PRIVATE_KEY") or account.private_key
    else:
        token, key = account.token, account.private_key
    label = f"external simulator at {settings.STANDX_API_BASE}"
    if token and key:
        return Venue("sim", settings.STANDX_API_BASE, settings.STANDX_WS_URL, token, key, label)
    try:
        async with httpx.AsyncClient(
            base_url=settings.STANDX_API_BASE, timeout=float(settings.HTTP_TIMEOUT_SECONDS)
        ) as http:
            response = await http.post(
                "/sim/accounts", content=b"{}", headers={"Content-Type": "application/json"}
            )
            response.raise_for_status()
            created = response.json()
        return Venue(
            "sim",
            settings.STANDX_API_BASE,
            settings.STANDX_WS_URL,
            created["token"],
            created["ed25519_private_key"],
            label + f" (new account for {account.name})",
        )
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise CommandError(
            f"could not create an account on the simulator at "
            f"{settings.STANDX_API_BASE}: {type(exc).__name__}"
        ) from None
