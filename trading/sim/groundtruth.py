"""Ground truth of one account on one symbol: exactly when and how much its orders rested.

Times are the exchange clock at the moments an order really started resting (after the ack
latency) and left the book. The mark is piecewise constant (it changes only at market steps
and scripted moves, and `mark_changed` is called at each), and so are the resting orders, so
evaluating the state at every mark change and every order event makes every figure exact,
not sampled: two-sided and in-band seconds, and the counted size.

Counted size (Uptime Program, docs/standx-protocol.md §7.2): per side, the base quantity of
the resting orders within the band of the mark, capped per side (2 BTC on BTC-USD; the
program covers BTC only, so other symbols are uncapped); the counted size is the smaller
side, valued in USD at the mark. It is non-zero exactly when the account is in band.

The reward schedule's figure (§7.5): the same formula the bot estimates with
(trading/core/maker_hours.py), applied here to the exchange's own facts: the moment each
order really rested (its minimum rest counts from there), its remaining size and the exact
mark. The figure also changes without an event (an order reaching the minimum rest, a
session edge), so every interval is split at those moments and stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from trading.core.domain import BPS, Side
from trading.core.maker_hours import BookOrder, figure_changes, moment_figure
from trading.core.reward_schedule import RewardSchedule, SymbolTerms
from trading.sim.lifetimes import OrderLives
from trading.sim.truth_hours import ZERO, HourFigures, SnapshotClock, Span, add_span, seconds


@dataclass
class RestingOrder:
    side: Side
    price: Decimal
    qty: Decimal
    rested_at: float = 0.0


@dataclass
class GroundTruth:
    band_bps: Decimal
    cap_qty: Decimal | None = None  # per-side cap of the counted size (base)
    snapshots: SnapshotClock = field(default_factory=lambda: SnapshotClock(0, 60))
    reward: RewardSchedule | None = None
    terms: SymbolTerms | None = None  # the schedule's terms for this symbol
    mark: Decimal | None = None
    resting: dict[int, RestingOrder] = field(default_factory=dict)
    two_sided_seconds: float = 0.0
    in_band_seconds: float = 0.0
    counted_qty_seconds: Decimal = ZERO
    counted_usd_seconds: Decimal = ZERO
    weighted_seconds: Decimal = ZERO  # the reward figure integrated over time
    reward_seconds: float = 0.0
    hours: dict[int, HourFigures] = field(default_factory=dict)
    lives: OrderLives = field(default_factory=OrderLives)
    fills: int = 0
    # Per side, the seconds since the first order rested during which none of ours rested on
    # that side: exact where two_sided_seconds is not (observed stops while nothing rests).
    dark_seconds: dict[Side, float] = field(default_factory=lambda: {Side.BUY: 0.0, Side.SELL: 0.0})
    first_rest: float | None = None
    last_leave: float | None = None
    _since: float | None = None  # start of the interval not yet accounted
    _span: Span = field(default_factory=Span)

    # ---- events ----------------------------------------------------------------------------
    def order_rested(
        self, now: float, order_id: int, side: Side, price: Decimal, qty: Decimal
    ) -> None:
        self._advance(now)
        self.resting[order_id] = RestingOrder(side, price, qty, now)
        self.lives.rested(now, order_id)
        if self.first_rest is None:
            self.first_rest = now
        self._recompute()

    def order_resized(self, now: float, order_id: int, qty: Decimal) -> None:
        """A partial fill: the order rests on with `qty` left."""
        if order_id in self.resting:
            self._advance(now)
            self.resting[order_id].qty = qty
            self._recompute()

    def order_left(self, now: float, order_id: int, reason: str = "canceled") -> None:
        if order_id not in self.resting:
            return
        self._advance(now)
        del self.resting[order_id]
        self.lives.left_book(now, order_id, reason)
        if not self.resting:
            self.last_leave = now
        self._recompute()

    def mark_changed(self, now: float, mark: Decimal) -> None:
        if mark == self.mark:
            return
        self._advance(now)
        self.mark = mark
        self._recompute()

    def fill(self) -> None:
        self.fills += 1

    # ---- figures ---------------------------------------------------------------------------
    def snapshot(self, now: float) -> dict:
        """Figures up to `now`, including the still-open interval (does not mutate)."""
        pending = max(0.0, now - self._since) if self._since is not None else 0.0
        span = self._span
        observed = self.observed(now)
        counted_usd = self.counted_usd_seconds + span.counted_usd * seconds(pending)
        counted_qty = self.counted_qty_seconds + span.counted * seconds(pending)
        weighted, reward_s = self.weighted_seconds, self.reward_seconds
        for start, end, piece in self._pieces(self._since, now):
            weighted += piece.weighted * seconds(end - start)
            reward_s += end - start if piece.weighted > 0 else 0.0
        return {
            "two_sided_seconds": self.two_sided_seconds + (pending if span.two else 0.0),
            "in_band_seconds": self.in_band_seconds + (pending if span.band else 0.0),
            "observed_seconds": observed,
            "open_orders": len(self.resting),
            "fills": self.fills,
            "counted_size_mean": mean_string(counted_qty, observed, 8),
            "counted_notional_mean": mean_string(counted_usd, observed, 2),
            "counted_size_cap": None if self.cap_qty is None else str(self.cap_qty),
            "weighted_size_mean": mean_string(weighted, observed, 8),
            "reward_seconds": round(reward_s, 3),
            "bid_dark_seconds": self._dark(Side.BUY, pending),
            "ask_dark_seconds": self._dark(Side.SELL, pending),
            **self.lives.figures(),
        }

    def observed(self, now: float) -> float:
        """From the first order resting to now (or to the last order leaving, when none rests)."""
        if self.first_rest is None:
            return 0.0
        end = now if self.resting else (self.last_leave or now)
        return max(0.0, end - self.first_rest)

    def hourly(self, now: float) -> dict[int, HourFigures]:
        """Per-hour figures up to `now` (hour start epoch -> figures), open interval included."""
        out = {h: f.copy() for h, f in self.hours.items()}
        for start, end, span in self._pieces(self._since, now):
            add_span(out, self.snapshots, start, end, span)
        return out

    # ---- internals -------------------------------------------------------------------------
    def _advance(self, now: float) -> None:
        for start, end, span in self._pieces(self._since, now):
            length = end - start
            self.two_sided_seconds += length if span.two else 0.0
            self.in_band_seconds += length if span.band else 0.0
            self.counted_qty_seconds += span.counted * seconds(length)
            self.counted_usd_seconds += span.counted_usd * seconds(length)
            self.weighted_seconds += span.weighted * seconds(length)
            self.reward_seconds += length if span.weighted > 0 else 0.0
            add_span(self.hours, self.snapshots, start, end, span)
            for side in self.dark_seconds:
                self.dark_seconds[side] = self._dark(side, length)
        self._since = now if self._since is None else max(now, self._since)

    def _pieces(self, start: float | None, end: float) -> list[tuple[float, float, Span]]:
        """[start, end) cut where the reward figure changes by itself, each piece with the
        span that held over it (the book and mark are constant in between)."""
        if start is None or end <= start:
            return []
        book = self._book()
        changes = figure_changes(book, start, end, self.reward, self.terms) if self.reward else []
        cuts = [start, *changes, end]
        return [(a, b, self._span_at(a, book)) for a, b in zip(cuts, cuts[1:], strict=False)]

    def _book(self) -> list[BookOrder]:
        return [BookOrder(o.side, o.price, o.qty, o.rested_at) for o in self.resting.values()]

    def _span_at(self, at: float, book: list[BookOrder]) -> Span:
        if self.reward is None or not self._span.two:
            return self._span
        weighted = moment_figure(book, self.mark, at, self.reward, self.terms)
        return replace(self._span, weighted=weighted)

    def _dark(self, side: Side, length: float) -> float:
        """dark_seconds of `side` after `length` more seconds of the current book."""
        lit = self.first_rest is None or any(o.side is side for o in self.resting.values())
        return self.dark_seconds[side] + (0.0 if lit else length)

    def _recompute(self) -> None:
        orders = self.resting.values()
        two = any(o.side is Side.BUY for o in orders) and any(o.side is Side.SELL for o in orders)
        if not two or self.mark is None:
            self._span = Span(two=two)
            return
        bid = self._in_band_qty(Side.BUY, self.mark)
        ask = self._in_band_qty(Side.SELL, self.mark)
        band = bid > 0 and ask > 0
        counted = min(bid, ask) if band else ZERO
        self._span = Span(two, band, counted, counted * self.mark)

    def _in_band_qty(self, side: Side, mark: Decimal) -> Decimal:
        qty = sum(
            (
                o.qty
                for o in self.resting.values()
                if o.side is side and self._within(o.price, mark)
            ),
            ZERO,
        )
        return qty if self.cap_qty is None else min(qty, self.cap_qty)

    def _within(self, price: Decimal, mark: Decimal) -> bool:
        return abs(price - mark) / mark * BPS <= self.band_bps


def mean_string(integral: Decimal, over_seconds: float, places: int) -> str:
    """integral / over_seconds as a decimal string with `places` decimals ("0" padded when
    nothing was observed)."""
    span, unit = seconds(over_seconds), Decimal(1).scaleb(-places)
    return format((integral / span if span > 0 else ZERO).quantize(unit), "f")
