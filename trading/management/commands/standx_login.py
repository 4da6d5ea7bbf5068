"""`python manage.py standx_login`: StandX credentials from a wallet login, into `.env`.

Asks for the wallet's private key (getpass: never echoed; never stored, logged or
printed), logs in with a fresh Ed25519 request key (trading/standx/login.py) and writes
STANDX_JWT_TOKEN, STANDX_ED25519_PRIVATE_KEY and STANDX_WALLET_ADDRESS into `.env`
(other lines kept, mode 600). Run it again to renew an expiring token.

Where it logs in: --base-url if given; else, with STANDX_MODE=live, StandX's auth host
(STANDX_AUTH_BASE); with STANDX_MODE=sim, the simulator at STANDX_API_BASE when that is a
loopback address (`manage.py runsim` with `runbot --no-sim`). In sim mode with any other
STANDX_API_BASE it refuses: the bundled simulator makes its own accounts, and a sim-mode
command must never reach the real exchange by accident.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mmsite.env import is_loopback
from mmsite.envfile import update_env_file
from trading.standx.errors import StandXError
from trading.standx.login import DEFAULT_EXPIRES_SECONDS, WalletKeyError, wallet_login

PROMPT = "Wallet private key (64 hex digits; not echoed, not stored): "
VARIABLES = ("STANDX_JWT_TOKEN", "STANDX_ED25519_PRIVATE_KEY", "STANDX_WALLET_ADDRESS")


class Command(BaseCommand):
    help = (
        "Log in to StandX with your wallet (EVM/bsc) and write STANDX_JWT_TOKEN, "
        "STANDX_ED25519_PRIVATE_KEY and STANDX_WALLET_ADDRESS into .env (mode 600). "
        "The wallet key is asked for without echo and never stored. Live mode logs in at "
        "STANDX_AUTH_BASE; sim mode at a loopback STANDX_API_BASE (runsim)."
    )
    stealth_options = ("stdin",)  # tests hand the key in as a stream

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url",
            default="",
            metavar="URL",
            help="auth host to log in at (default: STANDX_AUTH_BASE in live mode; in sim "
            "mode STANDX_API_BASE when it is a loopback simulator)",
        )
        parser.add_argument(
            "--env-file",
            default=str(Path(settings.BASE_DIR) / ".env"),
            metavar="PATH",
            help="dotenv file to write the credentials into (default: .env of the project)",
        )
        parser.add_argument(
            "--expires-seconds",
            type=int,
            default=DEFAULT_EXPIRES_SECONDS,
            help="lifetime to ask for the token, in seconds (default 604800 = 7 days)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=float(settings.HTTP_TIMEOUT_SECONDS),
            help="seconds to wait for each answer of the auth host",
        )

    def handle(self, *args, **opts) -> None:
        if settings.STANDX_CHAIN != "bsc":
            raise CommandError("standx_login supports EVM wallets only (STANDX_CHAIN=bsc)")
        base = auth_base(opts["base_url"])
        env_file = Path(opts["env_file"])
        if not env_file.parent.is_dir():
            raise CommandError(f"--env-file: directory {env_file.parent} does not exist")
        self.stdout.write(f"logging in at {base}")
        creds = self._login(base, read_wallet_key(opts.get("stdin")), opts)
        update_env_file(
            env_file,
            dict(zip(VARIABLES, (creds.token, creds.request_key, creds.address), strict=True)),
        )
        expiry = "unknown"
        if creds.expires_at is not None:
            expiry = dt.datetime.fromtimestamp(creds.expires_at, dt.UTC).strftime(
                "%Y-%m-%d %H:%M UTC"
            )
        self.stdout.write(
            f"logged in as {creds.address} ({creds.chain}); token expires {expiry}\n"
            f"wrote {', '.join(VARIABLES)} to {env_file} (mode 600)"
        )
        shadowed = [name for name in VARIABLES if os.environ.get(name)]
        if shadowed:
            self.stderr.write(
                f"note: {', '.join(shadowed)} also set in the environment, which wins over "
                ".env: unset them for the new credentials to be used"
            )
        self.stdout.write("check them with: python manage.py checkaccount")

    def _login(self, base: str, wallet_key: str, opts: dict):
        if not 0 < opts["expires_seconds"] <= 30 * 24 * 3600:
            raise CommandError("--expires-seconds must be between 1 and 2592000 (30 days)")
        try:
            return asyncio.run(
                wallet_login(
                    base,
                    wallet_key,
                    expires_seconds=opts["expires_seconds"],
                    timeout=opts["timeout"],
                )
            )
        except WalletKeyError as exc:
            raise CommandError(f"{exc}; .env was not changed") from None
        except StandXError as exc:
            raise CommandError(f"login failed: {exc}; .env was not changed") from None


def auth_base(explicit: str) -> str:
    if explicit:
        if urlsplit(explicit).scheme not in ("http", "https"):
            raise CommandError(f"--base-url must start with http:// or https://, not {explicit!r}")
        return explicit.rstrip("/")
    if settings.STANDX_MODE == "live":
        return settings.STANDX_AUTH_BASE
    host = urlsplit(settings.STANDX_API_BASE).hostname or ""
    if is_loopback(host):
        return settings.STANDX_API_BASE
    where = "the paper exchange" if settings.STANDX_MODE == "paper" else "the bundled simulator"
    raise CommandError(
        f"STANDX_MODE is {settings.STANDX_MODE}: {where} makes its own accounts, so there is "
        "nothing to log in to. To log in to StandX set STANDX_MODE=live; to log in to a "
        "simulator started with `manage.py runsim`, set STANDX_API_BASE to it (e.g. "
        "http://127.0.0.1:8100) or pass --base-url."
    )


def read_wallet_key(stream=None) -> str:
    """From getpass at a terminal; from one line of stdin when piped (a password manager)."""
    source = stream if stream is not None else sys.stdin
    at_terminal = stream is None and source.isatty()
    key = getpass.getpass(PROMPT) if at_terminal else source.readline()
    if not key.strip():
        raise CommandError("no wallet private key given; .env was not changed")
    return key
