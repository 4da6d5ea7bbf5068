"""The simulator following a market instead of making one: a recording (`runsim --replay`)
or StandX's live public streams (paper mode's exchange), any trading.marketdata
MarketSource. Each book, price and public trade is applied as it arrives and published to
the simulator's own subscribers at once, so they see the source's frames in the source's
order and cadence (the depth with the accounts' resting orders added, as the walk's is);
resting orders fill by queue_fills.py. Everything else (accounts, REST, order sessions,
ground truth, faults) is the simulator as ever.
"""

from __future__ import annotations

import logging
from collections import Counter
from decimal import Decimal
from typing import Any

from trading.marketdata.frames import Gap, MarketFrame, MarketSource
from trading.sim.market import PublicTrade
from trading.standx.errors import MalformedResponseError
from trading.standx.frames import BookEvent, PriceEvent

log = logging.getLogger(__name__)


def feed_options(source: MarketSource, options: dict[str, Any]) -> dict[str, Any]:
    """SimServer options for following `source`: its symbols as it lists them, and its fees
    (StandX's) unless the options name fees of their own."""
    options = {**options, "symbols": tuple(source.symbol_info)}
    options["symbol_info"] = dict(source.symbol_info)
    for name in ("maker_fee", "taker_fee"):
        if options.get(name) is None:
            options[name] = listed_fee(source.symbol_info, name)
    if options.get("reference") is not None:
        raise ValueError("a followed market has no reference venue (--reference needs the walk)")
    return options


def listed_fee(symbol_info: dict[str, dict], name: str) -> Decimal:
    """The fee every followed symbol lists (the larger one, said, when they differ)."""
    fees = {Decimal(str(row[name])) for row in symbol_info.values() if row.get(name) is not None}
    if not fees:
        raise ValueError(f"the followed market lists no {name}")
    if len(fees) > 1:
        log.warning("followed symbols list different %s %s: using the largest", name, fees)
    return max(fees)


class FeedDriver:
    def __init__(self, exchange, source: MarketSource) -> None:
        self.exchange, self.source = exchange, source
        self.applied: Counter[str] = Counter()  # frames by channel
        self.skipped: Counter[str] = Counter()  # malformed, one-sided, unknown symbol
        self.gaps = 0
        for frame in source.initial:  # the market opens with the source's state (before any
            self.apply(frame, publish=False)  # subscriber, and maybe before the event loop)

    async def run(self) -> None:
        await self.source.run(self.apply)

    def apply(self, item: MarketFrame | Gap, publish: bool = True) -> None:
        if isinstance(item, Gap):
            self.gaps += 1
            log.info("followed market: nothing seen for %.1f s (%s)", item.seconds, item.reason)
            return
        if item.symbol not in self.exchange.symbols:
            self.skipped["other symbol"] += 1
            return
        try:
            event = item.event()
        except MalformedResponseError as exc:
            self.skipped["malformed"] += 1
            log.warning("followed market: skipped a %s frame: %s", item.channel, exc.message)
            return
        if isinstance(event, BookEvent):
            book = event.book
            if not self.exchange.market.apply_book(item.symbol, book.bids, book.asks):
                self.skipped["one-sided book"] += 1
                return
            if publish:
                self.exchange.push_depth(item.symbol)
        elif isinstance(event, PriceEvent):
            tick = event.tick
            if tick.mark_price is None:
                self.skipped["price without a mark"] += 1
                return
            market = self.exchange.market
            market.apply_price(item.symbol, tick.mark_price, tick.index_price, tick.last_price)
            if publish:
                self.exchange.push_price(item.symbol)
        else:
            trade = PublicTrade(
                item.symbol, event.price, event.qty, event.is_buyer_taker, self.exchange.clock()
            )
            self.exchange.matching.on_public_trade(trade)
        self.applied[item.channel] += 1

    def describe(self) -> dict[str, Any]:
        return {
            **self.source.describe(),
            "applied": dict(self.applied),
            "skipped": dict(self.skipped),
            "gaps_seen": self.gaps,
        }
