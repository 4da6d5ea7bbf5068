"""The snapshot's `account` and `fills` keys and the money columns of the hour history
(docs/architecture.md, "Engine snapshot"), from the engine's ledger. Money leaves as Decimal
strings (trading/core/pnl.py writes them, for the database's snapshot too)."""

from __future__ import annotations

from trading.core.domain import plain_or_none
from trading.core.pnl import fill_view, money_columns
from trading.core.times import iso_time
from trading.core.uptime import hour_start
from trading.engine.ledger import Ledger
from trading.engine.uptime_keeper import UptimeKeeper


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
            "fees_this_hour": plain_or_none(hour.fees),
            "realized_pnl_this_hour": plain_or_none(hour.realized_pnl),
            "upnl_change_this_hour": plain_or_none(hour.upnl_change),
            "cost_this_hour": plain_or_none(hour.cost),
            "cost_per_in_band_hour": plain_or_none(per_hour),
            "today": count,
            "fees_today": plain_or_none(fees),
            "realized_pnl_today": plain_or_none(realized),
            "recent": [fill_view(f) for f in ledger.recent],
        },
    }


def history_with_money(history: list[dict], ledger: Ledger) -> list[dict]:
    by_iso = {iso_time(k): h for k, h in ledger.hours.items()}
    return [
        {**row, **money_columns(by_iso.get(row["hour"]), row["in_band_seconds"])} for row in history
    ]
