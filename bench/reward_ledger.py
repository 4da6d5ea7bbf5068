"""The reward benchmark's money columns (issue 16), from the simulator's own ledger of each
row's account: its trades (fee and realised PnL of every fill, maker or taker, flattening
included), its open positions (unrealised PnL at the mark) and its balance, read over the
simulator's API with the row's own token after the engines stopped, so a row that flattens
on stop pays for it here.

cost per in-band hour = (fees - realised - unrealised) / in-band hours: what an hour of
two-sided in-band quoting cost in fills, to weigh against the rewards it earns.
"""

from __future__ import annotations

from decimal import Decimal

TRADES_LIMIT = 500  # the simulator's query_trades maximum
ZERO = Decimal("0")


async def balances(http, tokens: dict[str, str]) -> dict[str, Decimal]:
    """Each row's wallet balance (before the run: the start of its ledger)."""
    return {
        row: Decimal((await _get(http, "/api/query_balance", token))["balance"])
        for row, token in tokens.items()
    }


async def ledger(http, token: str, symbol: str, start_balance: Decimal) -> dict:
    trades = (await _get(http, "/api/query_trades", token, {"limit": TRADES_LIMIT}))["result"]
    mine = [t for t in trades if t["symbol"] == symbol]
    positions = await _get(http, "/api/query_positions", token, {"symbol": symbol})
    balance = Decimal((await _get(http, "/api/query_balance", token))["balance"])
    fees = sum((Decimal(t["fee_qty"]) for t in mine), ZERO)
    realised = sum((Decimal(t["pnl"]) for t in mine), ZERO)
    unrealised = sum((Decimal(p["upnl"]) for p in positions), ZERO)
    position = sum((Decimal(p["qty"]) for p in positions), ZERO)
    return {
        "trades": len(mine),
        "fees_usd": _usd(fees),
        "realised_usd": _usd(realised),
        "unrealised_usd": _usd(unrealised),
        "net_usd": _usd(realised + unrealised - fees),
        "position_end": f"{position.normalize():f}",
        # The wallet agrees with the trades: balance moved by realised PnL less fees.
        "balance_change_usd": _usd(balance - start_balance),
    }


def money_columns(ledger_row: dict, in_band_seconds: float, observed_seconds: float) -> dict:
    """Per-hour figures: fees and the cost per hour actually spent in band."""
    hours_in_band = in_band_seconds / 3600.0
    cost = 0.0 - ledger_row["net_usd"]  # 0.0 - 0.0 is 0.0, never -0.0
    return {
        **ledger_row,
        "fees_per_hour_usd": None
        if observed_seconds <= 0
        else round(ledger_row["fees_usd"] / observed_seconds * 3600.0, 4),
        "cost_per_in_band_hour_usd": None if hours_in_band <= 0 else round(cost / hours_in_band, 2),
    }


def _usd(value: Decimal) -> float:
    return float(round(value, 6))


async def _get(http, path: str, token: str, params: dict | None = None):
    response = await http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return response.json()
