"""The snapshot's `account` and `fills` keys and the money columns of the hour history
(docs/architecture.md, "Engine snapshot"). Money leaves as Decimal strings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trading.core.pnl import FillRecord, PnlHour
from trading.core.uptime import hour_start
from trading.engine.ledger import Ledger
from trading.engine.uptime_keeper import UptimeKeeper


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def fill_view(f: FillRecord) -> dict:
    return {
        "time": dt.datetime.fromtimestamp(f.at, tz=dt.UTC).isoformat(),
        "symbol": f.symbol,
        "side": f.side.value,
        "price": _text(f.price),
        "qty": _text(f.qty),
        "fee": _text(f.fee),
        "liquidity": f.liquidity,
        "realized_pnl": _text(f.realized_pnl),
        "markout_bps": _text(f.markout_bps),
        "trade_id": f.trade_id,
        "cl_ord_id": f.cl_ord_id,
    }


def ledger_fields(ledger: Ledger, uptime: UptimeKeeper, now: float) -> dict:
    hour = ledger.hour_of(now)
    in_band = uptime.meter.hours().get(hour_start(now))
    per_hour = hour.cost_per_in_band_hour(in_band.in_band_seconds if in_band else 0.0)
    count, fees, realized = ledger.day_totals(now)
    return {
        "account": ledger.account.view(),
        "fills": {
            "this_hour": hour.fills,
            "maker_this_hour": hour.maker_fills,
            "taker_this_hour": hour.taker_fills,
            "fees_this_hour": _text(hour.fees),
            "realized_pnl_this_hour": _text(hour.realized_pnl),
            "upnl_change_this_hour": _text(hour.upnl_change),
            "cost_this_hour": _text(hour.cost),
            "cost_per_in_band_hour": _text(per_hour),
            "today": count,
            "fees_today": _text(fees),
            "realized_pnl_today": _text(realized),
            "recent": [fill_view(f) for f in ledger.recent],
        },
    }


def money_columns(hour: PnlHour | None, in_band_seconds: float) -> dict:
    """The money an hour row of the history carries (zero where nothing was traded)."""
    hour = hour or PnlHour(0)
    return {
        "fills": hour.fills,
        "fees": _text(hour.fees),
        "realized_pnl": _text(hour.realized_pnl),
        "upnl_change": _text(hour.upnl_change),
        "cost_per_in_band_hour": _text(hour.cost_per_in_band_hour(in_band_seconds)),
    }


def history_with_money(history: list[dict], ledger: Ledger) -> list[dict]:
    by_iso = {
        dt.datetime.fromtimestamp(k, tz=dt.UTC).isoformat(): h for k, h in ledger.hours.items()
    }
    return [
        {**row, **money_columns(by_iso.get(row["hour"]), row["in_band_seconds"])} for row in history
    ]
