"""What survives a simulator restart when runsim is given --state-file (SimConfig.state_file).

A real exchange keeps accounts, sessions and prices across a restart, so a bot's token and
key must keep working. The file holds the JWT signing secret, every account (address,
Ed25519 public key, balance, leverage, positions) and each symbol's mid/mark.

Not kept, on purpose: open orders (the simulator restarts with an empty book, as a venue
that cancels everything during maintenance; clients must reconcile), fills/trade history,
ground truth (GET /sim/stats starts again at zero) and the fault settings.

The file holds a secret: written atomically with mode 0600. Decimals are stored as strings.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

from trading.sim.accounts import Account, SimPosition

VERSION = 1


def save_state(exchange, path: str | os.PathLike) -> None:
    data = {
        "version": VERSION,
        "jwt_secret": exchange.jwt.secret.hex(),
        "accounts": [_account_json(a) for a in exchange.matching.accounts.values()],
        "market": {
            s: {"mid": str(m.mid), "mark": str(m.mark)} for s, m in exchange.market.symbols.items()
        },
    }
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    # Create with 0600 from the start: the secret must never be readable by others.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, target)


def load_state(exchange, path: str | os.PathLike) -> bool:
    """Restore what save_state wrote; False when the file does not exist yet.
    A corrupt or foreign file raises ValueError (better than silently losing accounts)."""
    target = Path(path)
    if not target.exists():
        return False
    try:
        data = json.loads(target.read_text())
        if data.get("version") != VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        exchange.jwt.secret = bytes.fromhex(data["jwt_secret"])
        for row in data["accounts"]:
            account = _account_from(row)
            exchange.matching.accounts[account.user] = account
        for symbol, prices in data.get("market", {}).items():
            if symbol in exchange.market.symbols:
                exchange.market.set_mid(symbol, Decimal(prices["mid"]), Decimal(prices["mark"]))
    except (KeyError, TypeError, AttributeError, ArithmeticError, json.JSONDecodeError) as err:
        raise ValueError(f"simulator state file {target} is not usable: {err!r}") from None
    return True


def _account_json(a: Account) -> dict:
    return {
        "user": a.user,
        "address": a.address,
        "pubkey": a.pubkey.hex(),
        "balance": str(a.balance),
        "leverage": dict(a.leverage),
        "margin_mode": dict(a.margin_mode),
        "positions": [_position_json(p) for p in a.positions.values()],
    }


def _position_json(p: SimPosition) -> dict:
    return {
        "symbol": p.symbol,
        "id": p.id,
        "qty": str(p.qty),
        "entry_price": str(p.entry_price),
        "realized_pnl": str(p.realized_pnl),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


def _account_from(row: dict) -> Account:
    account = Account(
        row["user"],
        row["address"],
        bytes.fromhex(row["pubkey"]),
        Decimal(row["balance"]),
        leverage={k: int(v) for k, v in row.get("leverage", {}).items()},
        margin_mode={k: str(v) for k, v in row.get("margin_mode", {}).items()},
    )
    for p in row.get("positions", []):
        account.positions[p["symbol"]] = SimPosition(
            p["symbol"],
            int(p["id"]),
            Decimal(p["qty"]),
            Decimal(p["entry_price"]),
            Decimal(p["realized_pnl"]),
            float(p["created_at"]),
            float(p["updated_at"]),
        )
    return account
