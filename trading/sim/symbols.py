"""The simulated symbols and their `query_symbol_info` JSON (docs/standx-protocol.md §3.1)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from trading.core.domain import SymbolSpec
from trading.standx.errors import MalformedResponseError
from trading.standx.protocol import parse_symbol_spec
from trading.standx.values import dec

_CREATED = "2025-08-01T00:00:00.000000Z"
# Decimals of amounts in DUSD (query_symbol_info's quote_decimals): balances, margins, PnL.
QUOTE_DECIMALS = 9


@dataclass(frozen=True)
class SymbolDef:
    symbol: str
    base_asset: str
    price_decimals: int
    qty_decimals: int
    start_price: Decimal
    max_order_qty: Decimal
    max_position_size: Decimal
    level_qty: Decimal  # typical size of one synthetic book level
    def_leverage: int = 10
    max_leverage: int = 20
    # Uptime Program cap on the counted size a side, base qty (docs/standx-protocol.md §7.2: 2 BTC).
    # The program covers BTC only; other symbols have no rule, so no cap.
    uptime_cap_qty: Decimal | None = None
    # The exchange's minimum order size when a followed market says (None: one lot).
    min_order_qty: Decimal | None = None

    @property
    def price_tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.price_decimals)

    @property
    def qty_tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.qty_decimals)

    @property
    def min_qty(self) -> Decimal:
        # One lot, as on StandX for BTC-USD, unless the followed market says otherwise.
        return self.min_order_qty if self.min_order_qty is not None else self.qty_tick

    def spec(self, max_open_orders: int) -> SymbolSpec:
        return SymbolSpec(
            symbol=self.symbol,
            price_tick=self.price_tick,
            qty_tick=self.qty_tick,
            min_qty=self.min_qty,
            max_qty=self.max_order_qty,
            max_open_orders=max_open_orders,
            max_leverage=self.max_leverage,
        )


SYMBOLS: dict[str, SymbolDef] = {
    d.symbol: d
    for d in (
        SymbolDef(
            "BTC-USD",
            "BTC",
            2,
            4,
            Decimal("66000"),
            Decimal("100"),
            Decimal("1000"),
            Decimal("0.5"),
            uptime_cap_qty=Decimal("2"),
        ),
        SymbolDef(
            "ETH-USD", "ETH", 1, 3, Decimal("3500"), Decimal("1000"), Decimal("10000"), Decimal("5")
        ),
        SymbolDef(
            "XAU-USD", "XAU", 1, 2, Decimal("5000"), Decimal("1000"), Decimal("10000"), Decimal("2")
        ),
        SymbolDef(
            "XAG-USD",
            "XAG",
            2,
            1,
            Decimal("30"),
            Decimal("100000"),
            Decimal("1000000"),
            Decimal("200"),
        ),
    )
}


def symbol_defs(config) -> dict[str, SymbolDef]:
    """The simulated symbols of a SimConfig: as a followed market lists them
    (`config.symbol_info`: replay and paper mode), with its per-symbol max leverage applied."""
    defs = {}
    for s in config.symbols:
        d = SYMBOLS[s]
        if s in config.symbol_info:
            d = as_listed(d, config.symbol_info[s])
        defs[s] = replace(d, max_leverage=config.max_leverage.get(s, d.max_leverage))
    return defs


def as_listed(d: SymbolDef, info: dict) -> SymbolDef:
    """`d` with the tick, lot and limits of a row of query_symbol_info (a followed market's:
    the bot must quote what that exchange accepts). ValueError when the row is unreadable."""
    try:
        spec = parse_symbol_spec(info)  # checks the decimals read below
        max_position = dec(info, "max_position_size", required=False)
    except MalformedResponseError as exc:
        raise ValueError(f"symbol info of {d.symbol}: {exc}") from None
    return replace(
        d,
        price_decimals=int(info["price_tick_decimals"]),
        qty_decimals=int(info["qty_tick_decimals"]),
        min_order_qty=spec.min_qty,
        max_order_qty=spec.max_qty or d.max_order_qty,
        max_position_size=max_position or d.max_position_size,
        max_leverage=spec.max_leverage or d.max_leverage,
    )


def symbol_info(
    d: SymbolDef,
    max_open_orders: int,
    maker_fee: Decimal | None = None,
    taker_fee: Decimal | None = None,
) -> dict:
    """Exactly docs/standx-protocol.md §3.1's shape: ints for *_decimals, strings for other numbers,
    both `enabled` and `status` because live clients check either."""
    return {
        "symbol": d.symbol,
        "base_asset": d.base_asset,
        "quote_asset": "DUSD",
        "base_decimals": 9,
        "quote_decimals": QUOTE_DECIMALS,
        "price_tick_decimals": d.price_decimals,
        "qty_tick_decimals": d.qty_decimals,
        "min_order_qty": str(d.min_qty),
        "max_order_qty": str(d.max_order_qty),
        "max_position_size": str(d.max_position_size),
        "max_open_orders": str(max_open_orders),
        "def_leverage": str(d.def_leverage),
        "max_leverage": str(d.max_leverage),
        "maker_fee": format(MAKER_FEE if maker_fee is None else maker_fee, "f"),
        "taker_fee": format(TAKER_FEE if taker_fee is None else taker_fee, "f"),
        "depth_ticks": ",".join(format((d.price_tick * k).normalize(), "f") for k in (1, 10, 100)),
        "price_cap_ratio": "0.3",
        "price_floor_ratio": "0.3",
        "enabled": True,
        "status": "trading",
        "created_at": _CREATED,
        "updated_at": _CREATED,
    }


MAKER_FEE = Decimal("0.0001")
TAKER_FEE = Decimal("0.0004")
PRICE_BAND_RATIO = Decimal("0.3")
