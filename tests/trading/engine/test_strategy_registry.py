"""Adding a strategy is one module, one registration and the setting's choices
(docs/architecture.md, "Adding a strategy"). A toy strategy added those three ways, at run
time, quotes through a real Engine against the simulator: its orders rest where it says,
on the simulator's own books, and follow the mark when it moves. A value no strategy
answers to is refused where the settings are loaded: at the engine's start and at a
reload."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest

from tests.trading.engine.conftest import MID, SYMBOL, save_config, wait_until
from trading import bus
from trading.core.actions import BandWindow
from trading.core.bot_settings import SPEC, BotSettings, SettingsError
from trading.core.domain import BPS, BookTop, Side
from trading.core.quoting import round_down_to_tick, round_up_to_tick
from trading.core.strategies import STRATEGIES, UnknownStrategy
from trading.core.strategy import Measured, PassView, Strategy, StrategyPlan

pytestmark = pytest.mark.django_db(transaction=True)

OFFSET_BPS = Decimal("5")
TICK = Decimal("0.01")  # the simulator's BTC-USD price tick


class FixedOffset(Strategy):
    """The toy (its own module, in a real addition): each side OFFSET_BPS from the mark,
    kept while it is within 1 bps of that, so a move of the mark moves it."""

    name = "fixed_offset"

    def plan(self, settings: BotSettings, seen: PassView) -> StrategyPlan:
        mark = seen.mark
        if mark is None:
            return StrategyPlan(None, None, note="waiting for the mark")
        windows = {
            Side.BUY: BandWindow(mark, -OFFSET_BPS - 1, -OFFSET_BPS + 1),
            Side.SELL: BandWindow(mark, OFFSET_BPS - 1, OFFSET_BPS + 1),
        }
        anchors = (mark * (1 - OFFSET_BPS / BPS), mark * (1 + OFFSET_BPS / BPS))
        return StrategyPlan(anchors, windows, window_only=True)

    def earn_problem(
        self, settings: BotSettings, top: BookTop | None, measured: Measured
    ) -> str | None:
        return None

    def describe(self, settings: BotSettings) -> str:
        return f"each side {OFFSET_BPS} bps from the mark"


@pytest.fixture
def toy(monkeypatch):
    """The registration (a line in STRATEGIES) and the setting's new choice."""
    monkeypatch.setitem(STRATEGIES, FixedOffset.name, FixedOffset())
    setting = SPEC["quote_strategy"]
    wider = dataclasses.replace(
        setting, choices=(*setting.choices, (FixedOffset.name, "fixed_offset: the toy"))
    )
    monkeypatch.setitem(SPEC, "quote_strategy", wider)


def expected(mark: Decimal) -> tuple[Decimal, Decimal]:
    return (
        round_down_to_tick(mark * (1 - OFFSET_BPS / BPS), TICK),
        round_up_to_tick(mark * (1 + OFFSET_BPS / BPS), TICK),
    )


def resting_prices(world) -> tuple[Decimal | None, Decimal | None]:
    ours = {o.side: o.price for o in world.resting(SYMBOL) if o.cl_ord_id.startswith("mmbot-")}
    return ours.get(Side.BUY), ours.get(Side.SELL)


async def test_a_registered_toy_strategy_quotes_where_it_says(world, start_engine, toy):
    mark = MID * (1 + Decimal("2") / BPS)  # the mark above the mid: not mid-anchored
    world.exchange.market.set_mark(SYMBOL, mark)
    running = await start_engine(quote_strategy=FixedOffset.name, spread_bps=Decimal("20"))
    await wait_until(
        lambda: resting_prices(world) == expected(mark), timeout=10, what="the toy's quotes"
    )
    moved = MID * (1 - Decimal("2") / BPS)  # 4 bps down: out of each side's 1 bps window
    world.exchange.market.set_mark(SYMBOL, moved)
    await wait_until(
        lambda: resting_prices(world) == expected(moved),
        timeout=10,
        what="the toy's quotes following the mark",
    )
    strategy = running.engine.quoter.view()
    assert strategy["name"] == "fixed_offset" and strategy["description"].startswith("each side")
    await running.stop()
    assert world.ours() == []


async def test_a_choice_without_its_strategy_or_a_strategy_without_its_choice_is_refused(
    world, start_engine, monkeypatch
):
    """Refused where the settings are loaded: the engine does not start on such a row."""
    running = await start_engine(quote_strategy=FixedOffset.name)  # registered nowhere
    with pytest.raises(SettingsError, match="quote_strategy 'fixed_offset' is not valid"):
        await asyncio.wait_for(running.task, 10)
    await running.rest.aclose()
    monkeypatch.setitem(STRATEGIES, FixedOffset.name, FixedOffset())  # no choice yet
    running = await start_engine(quote_strategy=FixedOffset.name)
    with pytest.raises(SettingsError, match="quote_strategy 'fixed_offset' is not valid"):
        await asyncio.wait_for(running.task, 10)
    await running.rest.aclose()
    monkeypatch.delitem(STRATEGIES, FixedOffset.name)
    setting = SPEC["quote_strategy"]
    monkeypatch.setitem(  # the choice, but no registration
        SPEC,
        "quote_strategy",
        dataclasses.replace(setting, choices=(*setting.choices, (FixedOffset.name, "toy"))),
    )
    running = await start_engine(quote_strategy=FixedOffset.name)
    with pytest.raises(UnknownStrategy, match="'fixed_offset' has no registered strategy"):
        await asyncio.wait_for(running.task, 10)
    await running.rest.aclose()
    assert world.ours() == []


async def test_a_row_naming_no_strategy_is_not_applied_at_a_reload(world, start_engine):
    """Written past the forms while the bot runs (by hand, an older version): the engine
    keeps the settings in force, its quotes stay, and its events say why."""
    running = await start_engine(spread_bps=Decimal("5"))
    await wait_until(world.two_sided, what="first quotes")
    quotes = {o.cl_ord_id for o in world.ours()}
    await save_config(quote_strategy="bands", spread_bps=Decimal("8"))
    await bus.send_control("default", "config", user="tester")
    events = running.engine.events
    await wait_until(
        lambda: any("not applied" in e["message"] for e in events.recent()),
        what="the refusal in the events",
    )
    refusal = next(e for e in events.recent() if "not applied" in e["message"])
    assert (
        refusal["kind"] == "error" and "quote_strategy 'bands' is not valid" in refusal["message"]
    )
    settings = running.engine.bot_state.settings
    assert settings.quote_strategy == "spread" and settings.spread_bps == Decimal("5")
    assert {o.cl_ord_id for o in world.ours()} == quotes and world.two_sided()
    await running.stop()
