"""PURE arithmetic of what farming costs: one fill as the bot keeps it (maker or taker,
markout) and one UTC hour's money (fees, realised PnL, the unrealised PnL's change, and
the cost per in-band hour the trader weighs against the reward).

Signs: a fee is paid (positive = money out); PnL is positive when we gained; a markout is
positive when the mark moved our way after the fill; a cost is positive when the hour
cost us money: fees - realised PnL - change of unrealised PnL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading.core.domain import BPS, Side, plain_or_none
from trading.core.times import iso_time

ZERO = Decimal("0")
MAKER_FEE = Decimal("0.0001")  # StandX's standard rates (docs/standx-protocol.md §3.1)
TAKER_FEE = Decimal("0.0004")
MARKOUT_SECONDS = 5.0
# Below this many in-band seconds the cost per in-band hour is not shown: a few seconds
# would scale one fill's fee to an absurd hourly figure.
MIN_IN_BAND_SECONDS = 60.0
HOUR_SECONDS = 3600


def liquidity(
    fee: Decimal, value: Decimal, maker_rate: Decimal = MAKER_FEE, taker_rate: Decimal = TAKER_FEE
) -> str:
    """ "maker" or "taker", from the fee the exchange charged: StandX's trade record has no
    liquidity flag, and its two rates are far apart (1 bp against 4)."""
    if value <= 0:
        return ""
    return "taker" if fee / value > (maker_rate + taker_rate) / 2 else "maker"


def markout_bps(side: Side, price: Decimal, mark_later: Decimal) -> Decimal:
    """How far the mark moved our way MARKOUT_SECONDS after the fill, in bps of the price:
    a buy gains when the mark rises, a sell when it falls."""
    move = (mark_later - price) if side is Side.BUY else (price - mark_later)
    return (move / price * BPS).quantize(Decimal("0.01"))


@dataclass
class FillRecord:
    """One fill of one of the bot's orders (epoch seconds; Decimals)."""

    trade_id: int
    at: float
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    liquidity: str
    realized_pnl: Decimal
    order_id: int | None = None
    cl_ord_id: str = ""
    markout_bps: Decimal | None = None

    @property
    def value(self) -> Decimal:
        return self.price * self.qty


@dataclass
class PnlHour:
    """One UTC hour's money for one bot (hour = epoch seconds of its start)."""

    hour: int
    symbol: str = ""
    fills: int = 0
    maker_fills: int = 0
    taker_fills: int = 0
    volume: Decimal = ZERO
    fees: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    # The unrealised PnL of the bot's symbol when the hour was first and last seen.
    upnl_start: Decimal | None = None
    upnl_end: Decimal | None = None

    def add_fill(self, fill: FillRecord) -> None:
        self.fills += 1
        self.maker_fills += fill.liquidity == "maker"
        self.taker_fills += fill.liquidity == "taker"
        self.volume += fill.value
        self.fees += fill.fee
        self.realized_pnl += fill.realized_pnl

    def observe_upnl(self, upnl: Decimal) -> None:
        if self.upnl_start is None:
            self.upnl_start = upnl
        self.upnl_end = upnl

    @property
    def upnl_change(self) -> Decimal:
        if self.upnl_start is None or self.upnl_end is None:
            return ZERO
        return self.upnl_end - self.upnl_start

    @property
    def cost(self) -> Decimal:
        """What the hour's trading cost: fees paid less the PnL made (realised + unrealised)."""
        return self.fees - self.realized_pnl - self.upnl_change

    def cost_per_in_band_hour(self, in_band_seconds: float) -> Decimal | None:
        if in_band_seconds < MIN_IN_BAND_SECONDS:
            return None
        hours = Decimal(str(round(in_band_seconds, 3))) / HOUR_SECONDS
        return (self.cost / hours).quantize(Decimal("0.0001"))


# ---------------------------------------------------------------- as the snapshot shows them


def fill_view(f: FillRecord) -> dict[str, object]:
    """One fill as the snapshot's `fills.recent` shows it (the engine's and the database's)."""
    return {
        "time": iso_time(f.at),
        "symbol": f.symbol,
        "side": f.side.value,
        "price": plain_or_none(f.price),
        "qty": plain_or_none(f.qty),
        "fee": plain_or_none(f.fee),
        "liquidity": f.liquidity,
        "realized_pnl": plain_or_none(f.realized_pnl),
        "markout_bps": plain_or_none(f.markout_bps),
        "trade_id": f.trade_id,
        "cl_ord_id": f.cl_ord_id,
    }


def money_columns(hour: PnlHour | None, in_band_seconds: float) -> dict[str, object]:
    """The money an hour row of the history carries (zero where nothing was traded)."""
    hour = hour or PnlHour(0)
    return {
        "fills": hour.fills,
        "fees": plain_or_none(hour.fees),
        "realized_pnl": plain_or_none(hour.realized_pnl),
        "upnl_change": plain_or_none(hour.upnl_change),
        "cost_per_in_band_hour": plain_or_none(hour.cost_per_in_band_hour(in_band_seconds)),
    }
