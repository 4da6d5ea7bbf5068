"""The status panel says what a stop and a kill will do with the position, and what the
last one did (issue 16), from the engine's own snapshot part (inventory_view)."""

from __future__ import annotations

import datetime as dt

from dashboard import render
from tests.dashboard.snapshots import make_snapshot
from trading.core.bot_settings import DEFAULTS
from trading.core.orders import OrderTracker
from trading.engine.inventory_view import inventory_view
from trading.engine.state import BotState

NOW = dt.datetime(2026, 1, 5, 14, 20, tzinfo=dt.UTC)
VALUES = {
    "bid_notional": "30",
    "ask_notional": "30",
    "max_notional": "150",
    "inventory_skew_bps": "0",
    "fill_cooldown_seconds": "0",
    "flatten_on_stop": "off",
    "flatten_on_kill": "on",
    "flatten_maker_seconds": "3",
}


def status_html(state: BotState) -> str:
    snapshot = make_snapshot(now=NOW, inventory=inventory_view(state))
    return render.render_panel("status", snapshot, NOW)


def test_the_status_panel_says_what_stop_and_kill_do_with_the_position():
    state = BotState("default", "sim", OrderTracker("mmbot-x-"), adopted=DEFAULTS.updated(VALUES))
    html = status_html(state)
    assert "position at stop: kept (flatten on stop is off)" in html
    assert "at kill: flattened (reduce-only maker at the touch for 3s, then taker)" in html
    assert "limit 150 USD (5 fills on one side)" in html
    assert 'data-field="position-at-end"' not in html and "after each fill" not in html
    state.adopted = state.settings.updated({"flatten_after_fill": "on"})
    assert "after each fill: flattened" in status_html(state)


def test_the_status_panel_says_what_the_last_stop_did():
    state = BotState("default", "sim", OrderTracker("mmbot-x-"), adopted=DEFAULTS.updated(VALUES))
    state.run.position = "flattened long 0.0008 BTC-USD (maker)"
    html = status_html(state)
    assert "last stop/kill: flattened long 0.0008 BTC-USD (maker)" in html


def test_an_old_snapshot_without_the_part_renders():
    assert "position at stop" not in render.render_panel("status", make_snapshot(now=NOW), NOW)
