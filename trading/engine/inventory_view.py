"""The snapshot's ``inventory`` part: the position limit and what it allows, the skew and
cooldown in force, what a stop and a kill will do with the position, and what the last one
did (engine/flatten.py)."""

from __future__ import annotations

from decimal import Decimal

from trading.core.bot_settings import as_stored_text
from trading.core.domain import plain
from trading.core.inventory import fills_to_limit
from trading.engine.state import BotState


def inventory_view(state: BotState) -> dict:
    if state.adopted is None:
        return {"at_end": state.run.position}
    settings = state.settings
    limit = settings.max_notional
    maker = settings.flatten_maker_seconds
    return {
        "max_notional": plain(limit),
        "fills_to_limit": fills_to_limit(limit, max(settings.bid_notional, settings.ask_notional)),
        "skew_bps": plain(settings.inventory_skew_bps),
        "cooldown_s": plain(settings.fill_cooldown_seconds),
        "on_stop": _plan(settings.flatten_on_stop, "stop", maker),
        "on_kill": _plan(settings.flatten_on_kill, "kill", maker),
        "after_fill": as_stored_text(settings.flatten_after_fill),
        "at_end": state.run.position,
    }


def _plan(flattens: bool, what: str, maker_s: Decimal) -> str:
    if not flattens:
        return f"kept (flatten on {what} is off)"
    if maker_s == 0:
        return "flattened (reduce-only taker)"
    return f"flattened (reduce-only maker at the touch for {plain(maker_s)}s, then taker)"
