"""The StandX protocol's JSON shapes (docs/standx-protocol.md §3, §4.3, §5.1). Decimals as text."""

from __future__ import annotations

from decimal import Decimal

from trading.sim.accounts import ZERO, Account, SimOrder, SimPosition, upnl_of
from trading.sim.market import PublicTrade, SymbolMarket
from trading.sim.symbols import QUOTE_DECIMALS, SYMBOLS
from trading.sim.util import dstr, iso, rounded


def order_json(o: SimOrder) -> dict:
    return {
        "id": o.id,
        "cl_ord_id": o.cl_ord_id,
        "symbol": o.symbol,
        "side": o.side.value,
        "order_type": o.order_type,
        "time_in_force": o.time_in_force,
        "reduce_only": o.reduce_only,
        "price": dstr(o.price) if o.price is not None else "0",
        "qty": dstr(o.qty),
        "fill_qty": dstr(o.fill_qty),
        "fill_avg_price": dstr(o.fill_avg_price),
        "status": o.status,
        "leverage": str(o.leverage),
        "margin": "0",
        "avail_locked": dstr(o.locked),
        "position_id": 0,
        "liq_id": 0,
        "closed_block": -1,
        "created_block": -1,
        "payload": None,
        "remark": "",
        "source": "user",
        "user": o.user,
        "created_at": iso(o.created_at),
        "updated_at": iso(o.updated_at),
    }


def position_json(p: SimPosition, account: Account, mark: Decimal, leverage: int) -> dict:
    """Rounded as StandX writes them: prices to the symbol's tick decimals, the size to its
    lot decimals, money to the quote asset's decimals (the exact figures stay inside)."""
    d = SYMBOLS[p.symbol]

    def price(value: Decimal) -> str:
        return rounded(value, d.price_decimals)

    value = abs(p.qty) * mark
    margin = value / leverage
    return {
        "id": p.id,
        "symbol": p.symbol,
        "qty": rounded(p.qty, d.qty_decimals),
        "entry_price": price(p.entry_price),
        "entry_value": money(abs(p.qty) * p.entry_price),
        "mark_price": price(mark),
        "position_value": money(value),
        "upnl": money(upnl_of(p, mark)),
        "realized_pnl": money(p.realized_pnl),
        "leverage": str(leverage),
        "margin_mode": account.margin_mode_for(p.symbol),
        "margin_asset": "DUSD",
        "initial_margin": money(margin),
        "holding_margin": money(margin),
        "maint_margin": money(margin / 2),
        "required_margin": money(margin),
        "mmr": "0",
        "liq_price": "0",
        "bankruptcy_price": "0",
        "status": "open" if p.qty else "closed",
        "time": iso(p.updated_at),
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
        "user": account.user,
    }


def balance_json(account: Account, marks: dict[str, Decimal]) -> dict:
    """Every amount in the quote asset's decimals; cross_available and equity from the exact
    figures, so each is the rounding of the documented formula (§3.3)."""
    margin, locked, upnl = account.position_margin(marks), account.locked(), account.upnl(marks)
    realized = sum((p.realized_pnl for p in account.positions.values()), ZERO)
    return {
        "isolated_balance": "0",
        "isolated_upnl": "0",
        "cross_balance": money(account.balance),
        "cross_margin": money(margin),
        "cross_upnl": money(upnl),
        "locked": money(locked),
        "cross_available": money(account.balance - margin - locked + upnl),
        "balance": money(account.balance),
        "upnl": money(upnl),
        "equity": money(account.balance + upnl),
        "pnl_freeze": money(realized),
    }


def money(value: Decimal) -> str:
    """An amount of the quote asset (DUSD), in its decimals (`quote_decimals`, §3.1)."""
    return rounded(value, QUOTE_DECIMALS)


def ws_balance_json(account: Account, now: float) -> dict:
    """The wallet-level `balance` channel (docs/standx-protocol.md §5.1), not the REST balance."""
    locked = account.locked()
    return {
        "account_type": "perps",
        "token": "DUSD",
        "free": money(account.balance - locked),
        "total": money(account.balance),
        "locked": money(locked),
        "occupied": "0",
        "inbound": "0",
        "outbound": "0",
        "id": account.user,
        "wallet_id": account.address,
        "kind": "user",
        "is_enabled": True,
        "last_tx": "",
        "last_tx_updated_at": iso(now),
        "ref_id": "",
        "version": 1,
        "created_at": iso(now),
        "updated_at": iso(now),
    }


def trade_json(t: dict, user: str) -> dict:
    return {
        "id": t["id"],
        "order_id": t["order_id"],
        "symbol": t["symbol"],
        "side": t["side"],
        "price": dstr(t["price"]),
        "qty": dstr(t["qty"]),
        "value": dstr(t["value"]),
        "fee_asset": "DUSD",
        "fee_qty": dstr(t["fee_qty"]),
        "pnl": dstr(t["pnl"]),
        "user": user,
        "time": iso(t["time"]),
        "created_at": iso(t["time"]),
        "updated_at": iso(t["time"]),
    }


def price_json(m: SymbolMarket, best_bid: Decimal, best_ask: Decimal, now: float) -> dict:
    mid = (best_bid + best_ask) / 2
    return {
        "symbol": m.defn.symbol,
        "base": m.defn.base_asset,
        "quote": "DUSD",
        "mark_price": dstr(m.mark),
        "index_price": dstr(m.index),
        "last_price": dstr(m.last_price) if m.last_price is not None else None,
        "mid_price": dstr(mid),
        "spread_bid": dstr(best_bid),
        "spread_ask": dstr(best_ask),
        "spread": [dstr(best_bid), dstr(best_ask)],
        "time": iso(now),
    }


def market_json(m: SymbolMarket, best_bid: Decimal, best_ask: Decimal, now: float) -> dict:
    data = price_json(m, best_bid, best_ask, now)
    data.update(
        {
            "funding_rate": "0.00001250",
            "next_funding_time": iso((now // 3600 + 1) * 3600),
            "open_interest": "1234.5",
            "high_price_24h": dstr(m.high_24h or m.mid),
            "low_price_24h": dstr(m.low_24h or m.mid),
            "volume_24h": dstr(m.volume_24h),
        }
    )
    return data


def depth_json(
    symbol: str,
    bids: list[tuple[Decimal, Decimal]],
    asks: list[tuple[Decimal, Decimal]],
    now: float,
) -> dict:
    return {
        "symbol": symbol,
        "bids": [[dstr(p), dstr(q)] for p, q in bids],
        "asks": [[dstr(p), dstr(q)] for p, q in asks],
        "time": iso(now),
    }


def public_trade_json(t: PublicTrade) -> dict:
    return {
        "symbol": t.symbol,
        "price": dstr(t.price),
        "qty": dstr(t.qty),
        "quote_qty": dstr(t.price * t.qty),
        "is_buyer_taker": t.is_buyer_taker,
        "time": iso(t.time),
    }


def page(result: list) -> dict:
    return {
        "code": 0,
        "message": "success",
        "page_size": len(result),
        "result": result,
        "total": len(result),
    }
