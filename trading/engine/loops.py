"""The engine's waiting loops: each sleeps until its signal or its interval, then hands the
work to the part that does it. They hold no part of the engine, only what they wait on and
what they call; the engine runs each under supervise() (supervisor.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from trading import bus
from trading.engine.state import Signals
from trading.supervisor import bounded_lock

Reload = Callable[[str], Awaitable[None]]


async def quote_loop(
    signals: Signals,
    interval: Callable[[], float],
    trading_lock: asyncio.Lock,
    quote_once: Callable[[float | None], None],
) -> None:
    """A quoting pass on every market wake-up, and at least every `interval()` seconds."""
    while True:
        try:
            async with asyncio.timeout(interval()):
                await signals.quote.wait()
        except TimeoutError:
            pass  # timer pass: age-based requotes need no market message
        signals.quote.clear()
        trigger_at, signals.trigger_at = signals.trigger_at, None
        async with bounded_lock(trading_lock, 5.0, "quoting pass") as held:
            if held:
                quote_once(trigger_at)


async def reconcile_loop(
    wanted: asyncio.Event, interval: Callable[[], float], reconcile: Callable[[], Awaitable[object]]
) -> None:
    """A reconcile when one is asked for (`wanted`), and at least every `interval()` seconds."""
    while True:
        try:
            async with asyncio.timeout(interval()):
                await wanted.wait()
        except TimeoutError:
            pass
        wanted.clear()
        await reconcile()


async def control_loop(
    bot: str, on_control: Callable[[dict, Reload], Awaitable[None]], reload: Reload
) -> None:
    """Control messages for `bot` from the dashboard, the API or admin (bus.receive_control)."""
    while True:
        message = await bus.receive_control(bot, timeout=1.0)
        if message is not None:
            await on_control(message, reload)
