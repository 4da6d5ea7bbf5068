"""Seeded price process: mid random walk with jumps, a lagging mark, synthetic book levels,
public trades. Everything is Decimal on tick; randomness comes from one random.Random(seed)
so a seed reproduces the same path. Scripting for tests: set_mid, set_mark, freeze.

A followed market (a recording or StandX's public streams, feed.py) never steps: its books
and prices are set as they arrive (apply_book, apply_price)."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from trading.core.domain import BPS, Level, Side
from trading.sim.config import SimConfig
from trading.sim.reference import LeadModel
from trading.sim.symbols import SymbolDef, symbol_defs
from trading.sim.util import on_tick


@dataclass(frozen=True)
class PublicTrade:
    symbol: str
    price: Decimal
    qty: Decimal
    is_buyer_taker: bool
    time: float


@dataclass
class SymbolMarket:
    defn: SymbolDef
    mid: Decimal
    mark: Decimal
    frozen: bool = False
    volatility_bps: float | None = None  # None: the exchange-wide default
    last_price: Decimal | None = None
    index_price: Decimal | None = None  # a followed market's own; the walk's is the mark
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()
    trades: deque = field(default_factory=lambda: deque(maxlen=200))
    high_24h: Decimal | None = None
    low_24h: Decimal | None = None
    volume_24h: Decimal = Decimal("0")

    @property
    def tick(self) -> Decimal:
        return self.defn.price_tick

    @property
    def index(self) -> Decimal:
        return self.index_price if self.index_price is not None else self.mark


class Market:
    """All symbols' market state. Mutated only by the exchange's market loop and by scripts;
    `listeners` are told about every change so fills and ground truth follow at once."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.symbols: dict[str, SymbolMarket] = {}
        self.listeners: list = []  # callables (symbol) -> None
        # With a reference venue, the walk's moves reach StandX after its lead (reference.py).
        self.lead = (
            None
            if config.reference is None
            else LeadModel(config.reference, config.step_interval, config.mark_lag, config.seed)
        )
        for name, d in symbol_defs(config).items():
            start = on_tick(d.start_price, d.price_tick)
            self.symbols[name] = SymbolMarket(d, start, start)
            self._rebuild_levels(self.symbols[name])

    def get(self, symbol: str) -> SymbolMarket:
        return self.symbols[symbol]

    # ---- scripting -------------------------------------------------------------------------
    def set_mid(self, symbol: str, mid: Decimal, mark: Decimal | None = None) -> None:
        """Move the mid (and snap the mark to it unless given): deterministic for tests."""
        m = self.symbols[symbol]
        m.mid = on_tick(Decimal(mid), m.tick)
        m.mark = on_tick(Decimal(mark if mark is not None else mid), m.tick)
        self._rebuild_levels(m)
        self._notify(symbol)

    def set_mark(self, symbol: str, mark: Decimal) -> None:
        m = self.symbols[symbol]
        m.mark = on_tick(Decimal(mark), m.tick)
        self._notify(symbol)

    def freeze(self, symbol: str | None = None, frozen: bool = True) -> None:
        for name in [symbol] if symbol else list(self.symbols):
            self.symbols[name].frozen = frozen

    def unfreeze(self, symbol: str | None = None) -> None:
        self.freeze(symbol, False)

    def set_volatility(self, symbol: str, volatility_bps: float) -> None:
        self.symbols[symbol].volatility_bps = volatility_bps

    # ---- a followed market -----------------------------------------------------------------
    def apply_book(self, symbol: str, bids: tuple[Level, ...], asks: tuple[Level, ...]) -> bool:
        """A followed market's book (sorted, full snapshot). A side without levels leaves
        the book as it was (False): this market always has a best bid and ask."""
        if not bids or not asks:
            return False
        m = self.symbols[symbol]
        m.bids, m.asks = bids, asks
        m.mid = (bids[0].price + asks[0].price) / 2
        self._notify(symbol)
        return True

    def apply_price(
        self, symbol: str, mark: Decimal, index: Decimal | None, last: Decimal | None
    ) -> None:
        m = self.symbols[symbol]
        m.mark = mark
        m.index_price = index if index is not None else m.index_price
        m.last_price = last if last is not None else m.last_price
        self._notify(symbol)

    # ---- the process -----------------------------------------------------------------------
    def step(self) -> None:
        """One step of every unfrozen symbol."""
        for name, m in self.symbols.items():
            if m.frozen:
                continue
            self._walk(m)
            self._rebuild_levels(m)
            self._notify(name)

    def _walk(self, m: SymbolMarket) -> None:
        vol = self.config.volatility_bps if m.volatility_bps is None else m.volatility_bps
        move_bps = self.rng.gauss(0.0, vol) if vol > 0 else 0.0
        if self.rng.random() < self.config.jump_probability:
            move_bps += self.config.jump_bps * self.rng.choice((-1, 1))
        if self.lead is not None:
            move_bps = self.lead.on_step(
                m.defn.symbol, move_bps, vol, self.config.jump_probability, self.config.jump_bps
            )
        new_mid = on_tick(m.mid * (1 + Decimal(str(move_bps)) / BPS), m.tick)
        m.mid = max(new_mid, m.tick)
        # The mark trails the mid and carries a little basis noise of its own.
        sigma = self.config.mark_noise_bps
        noise = Decimal(str(self.rng.gauss(0.0, sigma))) / BPS * m.mid
        lag = Decimal(str(self.config.mark_lag))
        m.mark = max(on_tick(m.mark + (m.mid - m.mark) * lag + noise, m.tick), m.tick)

    def _rebuild_levels(self, m: SymbolMarket) -> None:
        tick, spread = m.tick, self.config.spread_ticks
        lot = m.defn.qty_tick
        bids, asks = [], []
        for i in range(self.config.book_levels):
            qty_b = self._level_qty(m.defn.level_qty, lot)
            qty_a = self._level_qty(m.defn.level_qty, lot)
            bids.append(Level(m.mid - (spread + i) * tick, qty_b))
            asks.append(Level(m.mid + (spread + i) * tick, qty_a))
        m.bids, m.asks = tuple(bids), tuple(asks)

    def _level_qty(self, typical: Decimal, lot: Decimal) -> Decimal:
        qty = on_tick(typical * Decimal(str(self.rng.uniform(0.2, 2.0))), lot)
        return max(qty, lot)

    def synthetic_taker_trade(self, symbol: str, now: float) -> PublicTrade | None:
        """Occasionally a taker hits the touch; the exchange fills resting orders there."""
        m = self.symbols[symbol]
        if m.frozen or self.rng.random() >= self.config.taker_trade_probability:
            return None
        buyer = self.rng.random() < 0.5
        level = m.asks[0] if buyer else m.bids[0]
        qty = max(
            on_tick(level.qty * Decimal(str(self.rng.uniform(0.05, 0.5))), m.defn.qty_tick),
            m.defn.qty_tick,
        )
        return PublicTrade(symbol, level.price, qty, buyer, now)

    def record_trade(self, trade: PublicTrade) -> None:
        m = self.symbols[trade.symbol]
        m.trades.append(trade)
        m.last_price = trade.price
        m.high_24h = trade.price if m.high_24h is None else max(m.high_24h, trade.price)
        m.low_24h = trade.price if m.low_24h is None else min(m.low_24h, trade.price)
        m.volume_24h += trade.qty

    def best(self, symbol: str, side: Side) -> Decimal:
        """Synthetic best price on a side (without the accounts' orders)."""
        m = self.symbols[symbol]
        return m.bids[0].price if side is Side.BUY else m.asks[0].price

    def _notify(self, symbol: str) -> None:
        for listener in list(self.listeners):
            listener(symbol)
