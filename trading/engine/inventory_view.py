"""The snapshot's ``inventory`` part: the position limit and what it allows, the skew and
cooldown in force, what a stop and a kill will do with the position, and what the last one
did (engine/flatten.py)."""

from __future__ import annotations

from decimal import Decimal

from trading.core.inventory import OFF, fills_to_limit
from trading.engine.state import BotState


def _text(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def inventory_view(state: BotState) -> dict:
    values = state.values
    if not values:
        return {"at_end": state.run.position}
    limit = Decimal(str(values.get("max_notional", "0")))
    order = max(
        Decimal(str(values.get("bid_notional", "0"))), Decimal(str(values.get("ask_notional", "0")))
    )
    maker = _text(values.get("flatten_maker_seconds", "3"))
    return {
        "max_notional": _text(limit),
        "fills_to_limit": fills_to_limit(limit, order),
        "skew_bps": _text(values.get("inventory_skew_bps", "0")),
        "cooldown_s": _text(values.get("fill_cooldown_seconds", "0")),
        "on_stop": _plan(values.get("flatten_on_stop", OFF), "stop", maker),
        "on_kill": _plan(values.get("flatten_on_kill", OFF), "kill", maker),
        "after_fill": values.get("flatten_after_fill", OFF),
        "at_end": state.run.position,
    }


def _plan(setting: str, what: str, maker_s: str) -> str:
    if setting == OFF:
        return f"kept (flatten on {what} is off)"
    if Decimal(maker_s) == 0:
        return "flattened (reduce-only taker)"
    return f"flattened (reduce-only maker at the touch for {maker_s}s, then taker)"
