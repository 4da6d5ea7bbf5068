"""Paper mode (STANDX_MODE=paper): the bots trade on a paper exchange in this process that
follows StandX's real public market, with no credentials and no order ever sent to StandX.

The paper exchange is the bundled simulator (trading/sim) with its random walk replaced by
StandX's public streams and public REST at STANDX_WS_URL / STANDX_API_BASE
(trading/marketdata/live.py, trading/sim/feed.py): StandX's books, marks and trades, its
symbols' tick, lot and fees. Our orders rest there as virtual orders and fill by
trading/sim/queue_fills.py. The engines talk to it exactly as to the bundled simulator
(REST, the order stream, the order-response session, on loopback), so nothing in them
knows it is paper but the mode they are given to label their results.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.management.base import CommandError

from trading.alerts.notify import TITLE
from trading.core.bot_settings import KNOWN_SYMBOLS
from trading.marketdata.live import LiveMarket, MarketDataError
from trading.sim.faults import FaultConfig
from trading.sim.runner import SimServer
from trading.sim.scenarios import ACK_LATENCY_MS

PAPER = "paper"
PAPER_TITLE = f"{TITLE} [paper]"  # every alert's title in paper mode


async def open_paper_exchange(stack: contextlib.AsyncExitStack) -> SimServer:
    """StandX's public market followed (every symbol a bot may quote that StandX lists) and
    the paper exchange serving it on SIM_HOST:SIM_PORT (the caller checked it is free);
    closed by `stack`."""
    market = LiveMarket(
        settings.STANDX_API_BASE,
        settings.STANDX_WS_URL,
        list(KNOWN_SYMBOLS),
        timeout=float(settings.HTTP_TIMEOUT_SECONDS),
        stale_after=float(settings.FEED_STALE_SECONDS),
        listed_only=True,
    )
    stack.push_async_callback(market.aclose)
    try:
        await market.prepare()
    except MarketDataError as exc:
        raise CommandError(
            f"paper mode follows StandX's public market, and it could not be read: {exc} "
            "(STANDX_API_BASE and STANDX_WS_URL say where)"
        ) from None
    exchange = SimServer(
        host=settings.SIM_HOST,
        port=settings.SIM_PORT,
        seed=settings.SIM_SEED,
        faults=FaultConfig(ack_latency_ms=ACK_LATENCY_MS),
        feed=market,
        initial_balance=settings.PAPER_BALANCE,
        reward_schedule=settings.REWARD_SCHEDULE_RULES,
    )
    await exchange.start()
    stack.push_async_callback(exchange.stop)
    return exchange


def paper_label(exchange: SimServer) -> str:
    symbols = ", ".join(exchange.config.symbols)
    return (
        f"paper exchange on {exchange.api_base} following StandX's public market at "
        f"{settings.STANDX_WS_URL} ({symbols}); fills simulated, no order reaches StandX"
    )


def labelled(say):
    """runbot's terminal output in paper mode: every line starts with "[paper]"."""

    def say_paper(text: str) -> None:
        say("\n".join(f"[paper] {line}" for line in text.split("\n")))

    return say_paper
