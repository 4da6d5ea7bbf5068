"""The .env rule after the first start (trading/fleet/envsync.py): a value changed in .env
since the bot's last start is applied at the next and said so; a value changed by hand (the
dashboard, admin, API) lasts until .env changes; a database of the other mode is refused.
These call the startup step runbot calls; tests/trading/fleet/test_startup.py runs runbot."""

from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from trading.fleet.envsync import note_start_problem, sync_with_environment
from trading.models import BotConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def env(settings):
    """Edit the environment's strategy values as a trader edits .env between two starts."""

    def change(**values):
        settings.BOT_DEFAULTS = {**settings.BOT_DEFAULTS, **values}

    return change


def row(bot="default") -> BotConfig:
    return BotConfig.objects.get(name=bot)


def test_the_first_start_records_what_env_said_and_says_nothing():
    BotConfig.load()
    assert sync_with_environment("default", "sim") == []
    recorded = row().last_start
    assert recorded["mode"] == "sim" and recorded["env"]["spread_bps"] == "50"
    assert recorded["env"]["symbol"] == "BTC-USD"


def test_a_value_changed_in_env_is_applied_at_the_next_start_and_said(env):
    BotConfig.load()
    sync_with_environment("default", "sim")
    env(spread_bps=Decimal("8"), symbol="ETH-USD")
    notes = sync_with_environment("default", "sim")
    assert "bot default: SPREAD_BPS changed in .env 50 -> 8: applied" in notes
    assert "bot default: SYMBOL changed in .env BTC-USD -> ETH-USD: applied" in notes
    assert len(notes) == 2
    assert row().spread_bps == Decimal("8") and row().symbol == "ETH-USD"


def test_the_same_value_spelled_differently_is_no_change(env):
    BotConfig.load()
    sync_with_environment("default", "sim")
    env(spread_bps=Decimal("50.000"))
    assert sync_with_environment("default", "sim") == []


def test_a_value_changed_by_hand_lasts_until_env_changes_it(env):
    BotConfig.load()
    sync_with_environment("default", "sim")
    BotConfig.objects.filter(name="default").update(spread_bps=Decimal("20"))  # dashboard
    assert sync_with_environment("default", "sim") == []
    assert row().spread_bps == Decimal("20")
    env(spread_bps=Decimal("8"))
    notes = sync_with_environment("default", "sim")
    assert notes == [
        "bot default: SPREAD_BPS changed in .env 50 -> 8: applied (replacing 20, set by hand)"
    ]
    assert row().spread_bps == Decimal("8")
    BotConfig.objects.filter(name="default").update(spread_bps=Decimal("7"))  # by hand again
    assert sync_with_environment("default", "sim") == []
    assert row().spread_bps == Decimal("7")


def test_a_row_without_a_record_keeps_its_values_and_says_where_env_differs(env):
    """A row from before this rule (or made in admin): whether .env or a person set its
    values is unknown, so they stay; the trader is told how to apply .env's."""
    BotConfig.load()
    BotConfig.objects.filter(name="default").update(spread_bps=Decimal("20"), last_start={})
    notes = sync_with_environment("default", "sim")
    assert len(notes) == 1 and notes[0].startswith(
        "bot default: SPREAD_BPS is 50 in .env but the bot uses 20"
    )
    assert "keeping 20" in notes[0]
    assert row().spread_bps == Decimal("20") and row().last_start["env"]["spread_bps"] == "50"


def test_changed_values_that_do_not_fit_the_rows_others_are_refused_changing_nothing(env):
    BotConfig.load()
    sync_with_environment("default", "sim")
    BotConfig.objects.filter(name="default").update(proximity_guard_bps=Decimal("10"))
    env(spread_bps=Decimal("5"))
    with pytest.raises(CommandError) as raised:
        sync_with_environment("default", "sim")
    message = str(raised.value)
    assert message.startswith("bot 'default': the values changed in .env (SPREAD_BPS=5)")
    assert "Nothing was changed" in message
    assert row().spread_bps == Decimal("50") and row().last_start["env"]["spread_bps"] == "50"


def test_a_database_used_by_the_other_mode_is_refused_changing_nothing(env):
    """Live must not inherit the simulator's state, history and settings."""
    BotConfig.load()
    sync_with_environment("default", "sim")
    BotConfig.objects.filter(name="default").update(run_state="killed")
    env(spread_bps=Decimal("8"))
    with pytest.raises(CommandError) as raised:
        sync_with_environment("default", "live")
    message = str(raised.value)
    assert "bot 'default' in this database last ran in sim mode, and this is live mode" in message
    assert "Give live mode its own" in message and "live.sqlite3" in message
    assert row().spread_bps == Decimal("50") and row().last_start["mode"] == "sim"


def test_a_start_problem_is_noted_on_the_row_and_cleared_without_touching_the_rest():
    BotConfig.load()
    before = row()
    note_start_problem("default", "its symbol 'DOGE-USD' is not one this bot knows")
    noted = row()
    assert noted.state_reason == "not started: its symbol 'DOGE-USD' is not one this bot knows"
    assert noted.updated_at == before.updated_at and noted.run_state == before.run_state
    note_start_problem("default", None)
    assert row().state_reason == ""


def test_a_bad_stored_value_is_not_blamed_on_a_change_in_env(env):
    """A symbol an older version stored unchecked: .env's new spread still applies, and the
    runner holds the bot back for its symbol (the dashboard keeps serving)."""
    BotConfig.load()
    sync_with_environment("default", "sim")
    BotConfig.objects.filter(name="default").update(symbol="DOGE-USD")
    env(spread_bps=Decimal("8"))
    assert sync_with_environment("default", "sim") == [
        "bot default: SPREAD_BPS changed in .env 50 -> 8: applied"
    ]
    assert row().spread_bps == Decimal("8") and row().symbol == "DOGE-USD"
