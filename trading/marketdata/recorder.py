"""`manage.py recordmarket`: StandX's public market for one symbol, written to a recording
(recording.py) for `minutes`, a size limit or an interrupt, whichever comes first.

What is written: the symbol's info (header), a REST book and price to open with, then every
`depth_book`, `price` and `public_trade` frame with its arrival time. A stream outage is a
gap followed by a fresh REST snapshot (live.py); running again on the same file resumes it,
the time between the runs a gap too.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trading.marketdata.frames import BOOK, PRICE, TRADE, Gap, MarketFrame
from trading.marketdata.live import LiveMarket
from trading.marketdata.recording import Header, RecordingWriter

PROGRESS_EVERY_S = 60.0


@dataclass(frozen=True)
class Plan:
    symbol: str
    minutes: float
    out: Path
    max_bytes: int
    api_base: str
    ws_url: str
    timeout: float = 5.0
    stale_after: float = 5.0


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def counts_text(writer: RecordingWriter) -> str:
    c = writer.counts
    return (
        f"{writer.frames} frames (books {c[BOOK]}, prices {c[PRICE]}, trades {c[TRADE]}), "
        f"{c['gaps']} gaps ({writer.gap_seconds:.1f} s), {size_text(writer.size)}"
    )


async def record(plan: Plan, say: Callable[[str], None], clock=time.time) -> str:
    """Record; returns the closing line. MarketDataError when the market cannot be read at
    the start, RecordingError when `out` is no recording of this symbol."""
    market = LiveMarket(
        plan.api_base, plan.ws_url, [plan.symbol], timeout=plan.timeout,
        stale_after=plan.stale_after, clock=clock,
    )  # fmt: skip
    try:
        await market.prepare()
        started = clock()
        header = Header(
            plan.symbol, market.symbol_info[plan.symbol], plan.api_base, plan.ws_url, started
        )
        writer, resumed = RecordingWriter.open(plan.out, header, plan.max_bytes, clock)
        if resumed is not None:
            cut = ", its last write cut short" if resumed.truncated else ""
            writer.gap(Gap(resumed.last_time, started, f"recorder not running{cut}"))
            say(f"resuming {plan.out} (gap of {started - resumed.last_time:.0f} s marked)")
        for frame in market.initial:
            writer.frame(frame)
        reason = await _follow(market, writer, plan, say, clock, started)
        if (gap := market.open_gap()) is not None:
            writer.gap(gap)
        writer.end(reason)
    finally:
        await market.aclose()
    minutes = (clock() - started) / 60
    return (
        f"recorded {plan.symbol} for {minutes:.1f} min to {plan.out} ({reason}): "
        f"{counts_text(writer)}"
    )


async def _follow(
    market: LiveMarket,
    writer: RecordingWriter,
    plan: Plan,
    say: Callable[[str], None],
    clock: Callable[[], float],
    started: float,
) -> str:
    """Write what the market delivers until the time is up, the file is full, SIGTERM or
    SIGINT; returns why it stopped."""
    stop, why = asyncio.Event(), ["the time was up"]
    limit = f"size limit of {size_text(plan.max_bytes)} reached"

    def apply(item: MarketFrame | Gap) -> None:
        if stop.is_set():
            return
        writer.gap(item) if isinstance(item, Gap) else writer.frame(item)
        if writer.full:
            why[0] = limit
            stop.set()

    def interrupted() -> None:
        why[0] = "interrupted"
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, interrupted)
    following = asyncio.create_task(market.run(apply), name="recordmarket")
    deadline = started + plan.minutes * 60
    try:
        while not stop.is_set() and (left := deadline - clock()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(left, PROGRESS_EVERY_S))
            if not stop.is_set() and clock() < deadline:
                done = (clock() - started) / 60
                say(f"recording {plan.symbol}: {done:.1f} of {plan.minutes:g} min, "
                    f"{counts_text(writer)}")  # fmt: skip
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    return why[0]
