"""Exchange accounts and which bot trades on which, read from the environment only.

Credentials never live in the database: a bot's row says what to quote, this module says
with whose keys. The design:

- The unnamed account "default" uses STANDX_JWT_TOKEN / STANDX_ED25519_PRIVATE_KEY /
  STANDX_WALLET_ADDRESS, exactly as a one-account install always did.
- STANDX_ACCOUNTS=main,alt names more accounts; each NAME reads STANDX_<NAME>_JWT_TOKEN,
  STANDX_<NAME>_ED25519_PRIVATE_KEY and (optional) STANDX_<NAME>_WALLET_ADDRESS, NAME in
  upper case. Per-account env files work the same way: the variables may come from any
  file the operator loads into the worker's environment.
- BOT_ACCOUNTS=eth:alt,sol:main maps bot names to account names; a bot not listed trades on
  "default".

Parsing is strict: a bad name, an unknown account, a duplicate, or (in live mode) a listed
account without both secrets stops startup with the variable's name, never its value.
This module is imported by settings, so it must not import Django models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from mmsite.env import Secret, env_secret, env_str

DEFAULT_ACCOUNT = "default"
# Names become parts of variable names, so keep them short and shell-safe.
ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
BOT_NAME = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")  # BotConfig.name is a 40-char slug
# The variables each listed account reads; .env.example documents these patterns.
ACCOUNT_VARIABLE_PATTERNS = (
    "STANDX_{NAME}_JWT_TOKEN",
    "STANDX_{NAME}_ED25519_PRIVATE_KEY",
    "STANDX_{NAME}_WALLET_ADDRESS",
)


@dataclass(frozen=True)
class Account:
    """One exchange account. The secrets are `Secret`s: they never print themselves."""

    name: str
    token: Secret
    private_key: Secret
    wallet_address: str = ""

    @property
    def has_credentials(self) -> bool:
        return bool(self.token) and bool(self.private_key)

    @property
    def variables(self) -> tuple[str, str]:
        """The names of the two secret variables, for error messages."""
        if self.name == DEFAULT_ACCOUNT:
            return ("STANDX_JWT_TOKEN", "STANDX_ED25519_PRIVATE_KEY")
        upper = self.name.upper()
        return (f"STANDX_{upper}_JWT_TOKEN", f"STANDX_{upper}_ED25519_PRIVATE_KEY")


def variable_names(account: str) -> tuple[str, ...]:
    return tuple(p.format(NAME=account.upper()) for p in ACCOUNT_VARIABLE_PATTERNS)


def parse_account_names(raw: str) -> tuple[str, ...]:
    """STANDX_ACCOUNTS: comma-separated account names, each once, never 'default'."""
    if not raw.strip():
        return ()
    names = [n.strip() for n in raw.split(",")]
    for name in names:
        if not ACCOUNT_NAME.match(name):
            raise ImproperlyConfigured(
                f"STANDX_ACCOUNTS={raw!r} is not valid: {name!r} is not an account name "
                "(expected lower-case letters, digits or '_', starting with a letter, at most 20)."
            )
        if name == DEFAULT_ACCOUNT:
            raise ImproperlyConfigured(
                "STANDX_ACCOUNTS must not list 'default': that account always uses "
                "STANDX_JWT_TOKEN and STANDX_ED25519_PRIVATE_KEY."
            )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"STANDX_ACCOUNTS lists {', '.join(duplicates)} more than once.")
    return tuple(names)


def read_account(name: str) -> Account:
    jwt, key, wallet = variable_names(name)
    return Account(name, env_secret(jwt), env_secret(key), env_str(wallet, ""))


def load_accounts(raw_names: str, default: Account, live: bool) -> dict[str, Account]:
    """Every configured account by name; in live mode each must be complete."""
    accounts = {DEFAULT_ACCOUNT: default}
    for name in parse_account_names(raw_names):
        accounts[name] = read_account(name)
    if live:
        check_live(accounts, named=bool(raw_names.strip()))
    return accounts


def check_live(accounts: dict[str, Account], named: bool) -> None:
    """Live mode: every listed account needs both secrets; half an account is a mistake."""
    for account in accounts.values():
        if account.has_credentials:
            continue
        jwt, key = account.variables
        if account.name == DEFAULT_ACCOUNT:
            if not named:
                raise ImproperlyConfigured(
                    f"STANDX_MODE=live needs {jwt} and {key} (see docs/operations.md); "
                    "unset STANDX_MODE to run against the simulator."
                )
            if not account.token and not account.private_key:
                continue  # named accounts are in use; an unset default one is just unused
        missing = [v for v, s in ((jwt, account.token), (key, account.private_key)) if not s]
        raise ImproperlyConfigured(
            f"STANDX_MODE=live: account {account.name!r} lacks {' and '.join(missing)}."
        )


def parse_bot_accounts(raw: str, accounts: dict[str, Account]) -> dict[str, str]:
    """BOT_ACCOUNTS: comma-separated bot:account pairs; each bot once, each account known."""
    mapping: dict[str, str] = {}
    if not raw.strip():
        return mapping
    for item in raw.split(","):
        bot, sep, account = (part.strip() for part in item.partition(":"))
        if not sep or not BOT_NAME.match(bot) or not account:
            raise ImproperlyConfigured(
                f"BOT_ACCOUNTS={raw!r} is not valid: {item.strip()!r} should be BOT:ACCOUNT, "
                "e.g. BOT_ACCOUNTS=eth:alt,default:main."
            )
        if account not in accounts:
            known = ", ".join(sorted(accounts))
            raise ImproperlyConfigured(
                f"BOT_ACCOUNTS maps bot {bot!r} to unknown account {account!r} "
                f"(known: {known}; add it to STANDX_ACCOUNTS)."
            )
        if bot in mapping:
            raise ImproperlyConfigured(f"BOT_ACCOUNTS lists bot {bot!r} more than once.")
        mapping[bot] = account
    return mapping


def account_for_bot(
    bot: str, accounts: dict[str, Account], bot_accounts: dict[str, str]
) -> Account:
    return accounts[bot_accounts.get(bot, DEFAULT_ACCOUNT)]


def settings_account_for_bot(bot: str) -> Account:
    """The account of `bot` from the loaded settings (the runtime entry point)."""
    from django.conf import settings

    return account_for_bot(bot, settings.STANDX_ACCOUNTS, settings.BOT_ACCOUNTS)
