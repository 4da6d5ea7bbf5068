"""trading.core.bot_settings: the one declaration of every per-bot setting, and the typed,
frozen value the engine reads. A misspelled or missing name fails loudly; every value is
of its type and within its declared bounds."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal as D

import pytest

from trading.core.bot_settings import (
    DEFAULTS,
    GROUPS,
    SPEC,
    BotSettings,
    SettingsError,
    as_stored_text,
    names_in,
)
from trading.core.domain import plain


def test_every_setting_is_declared_whole():
    envs = [s.env for s in SPEC.values()]
    assert len(set(envs)) == len(envs)
    for name, setting in SPEC.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", setting.env), name
        assert setting.group in GROUPS, name
        assert setting.label and setting.help, name
        assert setting.kind in (D, int, bool, str), name
        if setting.kind in (D, int):
            assert setting.maximum is not None and setting.minimum is not None, name
        if setting.kind is D:
            assert 0 < setting.places < setting.digits, name
        if setting.kind in (str, bool):
            assert setting.choices and setting.length >= max(map(len, setting.values)), name
    assert sorted(n for group in GROUPS for n in names_in(group)) == sorted(SPEC)


def test_the_defaults_are_valid_settings_and_keep_their_original_spelling():
    assert BotSettings.from_values(DEFAULTS.stored()) == DEFAULTS
    assert SPEC["spread_bps"].default_text == "50.0"  # the original README's spelling
    assert SPEC["max_consecutive_failures"].default_text == "5"
    assert SPEC["flatten_on_stop"].default_text == "off"
    assert SPEC["quote_strategy"].default_text == "spread"
    for setting in SPEC.values():
        assert setting.parse(setting.default_text) == setting.default, setting.name


def test_a_misspelled_name_fails_loudly():
    with pytest.raises(AttributeError):
        _ = DEFAULTS.spred_bps
    with pytest.raises(SettingsError, match="unknown setting.*spred_bps"):
        DEFAULTS.updated({"spred_bps": "5"})
    with pytest.raises(SettingsError, match="unknown setting.*spred_bps"):
        BotSettings.from_values({**DEFAULTS.stored(), "spred_bps": "5"})
    with pytest.raises(SettingsError, match="missing setting.*spread_bps"):
        BotSettings.from_values({k: v for k, v in DEFAULTS.stored().items() if k != "spread_bps"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.spread_bps = D("5")


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("spread_bps", "0", "more than 0"),  # the minimum itself is refused
        ("spread_bps", "1000.01", "at most 1000"),
        ("spread_bps", "abc", "a decimal number"),
        ("spread_bps", "NaN", "a finite decimal number"),
        ("refresh_interval", "0.04", "at least 0.05"),
        ("max_consecutive_failures", 0, "at least 1"),
        ("max_consecutive_failures", "2.5", "a whole number"),
        ("max_consecutive_failures", True, "a whole number"),
        ("quote_strategy", "bands", "one of spread, band"),
        ("symbol", "DOGE-USD", "one of BTC-USD"),
        ("flatten_on_stop", "yes", "off or on"),
    ],
)
def test_a_value_out_of_its_type_or_bounds_is_refused_by_name(name, value, words):
    with pytest.raises(SettingsError, match=f"^{name} .*{re.escape(words)}"):
        DEFAULTS.updated({name: value})


@pytest.mark.parametrize(
    "name, value, typed",
    [
        ("spread_bps", "8", D("8")),
        ("spread_bps", D("8.0000"), D("8")),
        ("proximity_guard_bps", 0, D("0")),  # its minimum is allowed
        ("max_consecutive_failures", "7", 7),
        ("uptime_target_minutes", 60, 60),
        ("flatten_on_kill", "on", True),
        ("flatten_on_kill", False, False),
        ("quote_strategy", "band", "band"),
    ],
)
def test_valid_values_become_their_type(name, value, typed):
    settings = DEFAULTS.updated({name: value})
    assert getattr(settings, name) == typed and type(getattr(settings, name)) is type(typed)


def test_stored_and_shown_forms():
    settings = DEFAULTS.updated({"spread_bps": D("8.0000"), "flatten_on_stop": True})
    assert settings.stored()["spread_bps"] == D("8.0000")
    assert settings.stored()["flatten_on_stop"] == "on"
    shown = settings.shown()
    assert shown["spread_bps"] == "8" and shown["flatten_on_stop"] == "on"
    assert shown["max_consecutive_failures"] == 5 and shown["refresh_interval"] == "1"
    assert list(shown) == list(SPEC)


def test_changes_name_what_differs():
    after = DEFAULTS.updated({"spread_bps": "8", "flatten_on_kill": "on"})
    assert after.changes_from(DEFAULTS) == {
        "spread_bps": (D("50.0"), D("8")),
        "flatten_on_kill": (False, True),
    }
    assert DEFAULTS.updated({"spread_bps": "50"}).changes_from(DEFAULTS) == {}


@pytest.mark.parametrize(
    "value, text",
    [
        (D("50.0000"), "50"),
        (D("5E+1"), "50"),
        (D("0.50"), "0.5"),
        (D("0"), "0"),
        (D("1e-7"), "0.0000001"),
    ],
)
def test_one_way_to_write_a_decimal(value, text):
    assert plain(value) == text


def test_stored_text_keeps_the_environment_spelling():
    assert as_stored_text(D("50.0")) == "50.0" and as_stored_text(True) == "on"
    assert as_stored_text(False) == "off" and as_stored_text(5) == "5"
