"""Switching a bot's symbol while it holds a position there: the bot stops quoting that
symbol and its page follows the new one, but the position stays open on the exchange. The
dashboard form, the API and admin all ask for a confirmation first, with these words.

Position data comes from the engine's snapshot: `account.positions` (every position of the
account, when the engine reports it) or else `position.qty` (the bot's own symbol). Without
a running engine nothing is known, and nothing is asked.
"""

from __future__ import annotations

from decimal import Decimal

from dashboard.state import current_snapshot
from dashboard.values import decimal_or_none

CONFIRM_FIELD = "confirm_open_position"


def held_position(snapshot: dict, symbol: str) -> dict | None:
    """The non-zero position on `symbol` the snapshot reports: {"symbol", "qty", ...}."""
    account = snapshot.get("account")
    if isinstance(account, dict) and isinstance(account.get("positions"), list):
        for row in account["positions"]:
            if isinstance(row, dict) and row.get("symbol") == symbol and _nonzero(row.get("qty")):
                return row
        return None
    qty = (snapshot.get("position") or {}).get("qty")
    if snapshot.get("symbol") == symbol and _nonzero(qty):
        return {"symbol": symbol, "qty": qty}
    return None


def switch_warning(bot: str, current: str, new: str | None) -> str | None:
    """Why switching `bot` from `current` to `new` needs a confirmation; None when it does not
    (same symbol, no position, or no engine reporting)."""
    if not new or new == current:
        return None
    held = held_position(current_snapshot(bot), current)
    if held is None:
        return None
    qty = decimal_or_none(held.get("qty")) or Decimal(0)
    side = "long" if qty > 0 else "short"
    entry = decimal_or_none(held.get("entry_price"))
    at = f" (entry price {entry:,f})" if entry is not None else ""
    return (
        f"{bot} holds a {side} position of {abs(qty):f} {current}{at}. Switching to {new} "
        f"stops quoting {current}, but that position stays open on the exchange and this bot "
        f"no longer manages it. Close it first, or confirm the switch."
    )


def _nonzero(value) -> bool:
    number = decimal_or_none(value)
    return number is not None and number != 0
