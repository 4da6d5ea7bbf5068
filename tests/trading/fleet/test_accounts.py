"""Accounts and the bot -> account mapping come from the environment, strictly."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from mmsite.env import Secret
from trading.fleet import accounts
from trading.fleet.accounts import Account

DEFAULT = Account("default", Secret("jwt-d"), Secret("key-d"), "0xd")


def test_listed_accounts_read_their_own_variables(monkeypatch):
    monkeypatch.setenv("STANDX_MAIN_JWT_TOKEN", "jwt-main")
    monkeypatch.setenv("STANDX_MAIN_ED25519_PRIVATE_KEY", "key-main")
    monkeypatch.setenv("STANDX_MAIN_WALLET_ADDRESS", "0xmain")
    monkeypatch.delenv("STANDX_ALT_JWT_TOKEN", raising=False)
    found = accounts.load_accounts(" main , alt ", DEFAULT, live=False)
    assert list(found) == ["default", "main", "alt"]
    main = found["main"]
    assert main.token.reveal() == "jwt-main" and main.private_key.reveal() == "key-main"
    assert main.wallet_address == "0xmain" and main.has_credentials
    assert not found["alt"].has_credentials  # fine in sim mode: the simulator makes one


def test_account_repr_never_shows_secrets():
    account = Account("main", Secret("jwt-SECRET"), Secret("key-SECRET"))
    assert "SECRET" not in repr(account) and "SECRET" not in f"{account}"


def test_variable_names_use_the_upper_case_account_name():
    assert accounts.variable_names("alt_2") == (
        "STANDX_ALT_2_JWT_TOKEN",
        "STANDX_ALT_2_ED25519_PRIVATE_KEY",
        "STANDX_ALT_2_WALLET_ADDRESS",
    )
    assert DEFAULT.variables == ("STANDX_JWT_TOKEN", "STANDX_ED25519_PRIVATE_KEY")
    assert Account("alt", Secret(""), Secret("")).variables[0] == "STANDX_ALT_JWT_TOKEN"


def test_bots_map_to_accounts_and_unlisted_bots_use_default():
    known = {"default": DEFAULT, "alt": Account("alt", Secret("j"), Secret("k"))}
    mapping = accounts.parse_bot_accounts("eth:alt, btc-2 : default", known)
    assert mapping == {"eth": "alt", "btc-2": "default"}
    assert accounts.account_for_bot("eth", known, mapping).name == "alt"
    assert accounts.account_for_bot("sol", known, mapping) is DEFAULT
    assert accounts.parse_bot_accounts("", known) == {}


@pytest.mark.parametrize("raw", ["", "  "])
def test_empty_account_list_is_just_the_default(raw):
    assert accounts.parse_account_names(raw) == ()


def test_live_named_accounts_may_leave_default_unset_but_not_half_set():
    unset = Account("default", Secret(""), Secret(""))
    complete = {"main": Account("main", Secret("j"), Secret("k"))}
    accounts.check_live({"default": unset, **complete}, named=True)
    with pytest.raises(ImproperlyConfigured, match="STANDX_MODE=live needs STANDX_JWT_TOKEN"):
        accounts.check_live({"default": unset}, named=False)
    half = Account("default", Secret("j"), Secret(""))
    with pytest.raises(ImproperlyConfigured, match="'default' lacks STANDX_ED25519_PRIVATE_KEY"):
        accounts.check_live({"default": half, **complete}, named=True)
