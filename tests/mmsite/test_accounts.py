"""Accounts: live mode needs credentials and never prints them, named accounts alone are
enough, and a bad split-deployment or account setting stops startup without showing a secret."""

import pytest

from tests.mmsite.startup import SECRET_PW, run_check


def test_live_mode_without_credentials_refuses_to_start():
    result = run_check(STANDX_MODE="live")
    assert result.returncode != 0
    assert "STANDX_MODE=live needs STANDX_JWT_TOKEN and STANDX_ED25519_PRIVATE_KEY" in result.stderr


def test_live_mode_with_credentials_starts_and_never_prints_them():
    jwt, key = "header.payload.sig-SECRET-JWT", "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(STANDX_MODE="live", STANDX_JWT_TOKEN=jwt, STANDX_ED25519_PRIVATE_KEY=key)
    assert result.returncode == 0, result.stderr
    assert jwt not in result.stdout + result.stderr and key not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (
            {"DATABASE_URL": f"mysql://u:{SECRET_PW}@db/mm"},
            "DATABASE_URL is not valid: scheme 'mysql'",
        ),
        ({"DATABASE_URL": f"sqlite:///{SECRET_PW}"}, "scheme 'sqlite' is not postgres"),
        ({"DATABASE_URL": "127.0.0.1/mm"}, "scheme '(none)' is not postgres"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:99999/mm"}, "the port is not a number"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:x/mm"}, "the port is not a number"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@/mm"}, "it needs a host and a database name"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/"}, "it needs a host and a database name"),
        (
            {"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?target_session_attrs=any"},
            "unsupported parameter(s) target_session_attrs",
        ),
        (
            {"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?sslmode=maybe"},
            "sslmode must be one of",
        ),
        ({"DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE='-1' is not valid"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": "5"}, "DATABASE_STATEMENT_TIMEOUT_MS='5' is not valid"),
        ({"REDIS_PREFIX": "a b"}, "REDIS_PREFIX='a b' is not valid"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "expected a URL starting with redis://"),
        ({"CHANNEL_LAYER": "rabbit"}, "CHANNEL_LAYER='rabbit' is not valid"),
        (
            {"LEASE_TTL_SECONDS": "1"},
            "LEASE_TTL_SECONDS='1' is not valid: expected a number of at least 3",
        ),
        ({"LEASE_TTL_SECONDS": "soon"}, "LEASE_TTL_SECONDS='soon' is not valid"),
        ({"LEASE_WAIT_SECONDS": "-1"}, "LEASE_WAIT_SECONDS='-1' is not valid"),
        ({"STANDX_ACCOUNTS": "Main"}, "'Main' is not an account name"),
        ({"STANDX_ACCOUNTS": "main,,alt"}, "'' is not an account name"),
        ({"STANDX_ACCOUNTS": "main-1"}, "'main-1' is not an account name"),
        ({"STANDX_ACCOUNTS": "main,alt,main"}, "STANDX_ACCOUNTS lists main more than once"),
        ({"STANDX_ACCOUNTS": "default"}, "STANDX_ACCOUNTS must not list 'default'"),
        ({"BOT_ACCOUNTS": "eth"}, "'eth' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "eth:"}, "'eth:' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "e th:default"}, "'e th:default' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "eth:alt"}, "BOT_ACCOUNTS maps bot 'eth' to unknown account 'alt'"),
        (
            {"BOT_ACCOUNTS": "eth:default,eth:default"},
            "BOT_ACCOUNTS lists bot 'eth' more than once",
        ),
        (
            {"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main"},
            "account 'main' lacks STANDX_MAIN_JWT_TOKEN and STANDX_MAIN_ED25519_PRIVATE_KEY",
        ),
        (
            {"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main", "STANDX_MAIN_JWT_TOKEN": SECRET_PW},
            "account 'main' lacks STANDX_MAIN_ED25519_PRIVATE_KEY",
        ),
        (
            {
                "STANDX_MODE": "live",
                "STANDX_ACCOUNTS": "main",
                "STANDX_JWT_TOKEN": SECRET_PW,
                "STANDX_MAIN_JWT_TOKEN": SECRET_PW,
                "STANDX_MAIN_ED25519_PRIVATE_KEY": SECRET_PW,
            },
            "account 'default' lacks STANDX_ED25519_PRIVATE_KEY",
        ),
    ],
)
def test_bad_split_or_account_setting_stops_startup_without_secrets(overrides, expected):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert expected in result.stderr
    assert SECRET_PW not in result.stdout + result.stderr


def test_live_mode_with_named_accounts_only_starts():
    key = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(
        STANDX_MODE="live",
        STANDX_ACCOUNTS="main,alt",
        BOT_ACCOUNTS="default:main,eth:alt",
        STANDX_MAIN_JWT_TOKEN=SECRET_PW,
        STANDX_MAIN_ED25519_PRIVATE_KEY=key,
        STANDX_ALT_JWT_TOKEN=SECRET_PW + "2",
        STANDX_ALT_ED25519_PRIVATE_KEY=key,
    )
    assert result.returncode == 0, result.stderr
    assert SECRET_PW not in result.stdout + result.stderr
