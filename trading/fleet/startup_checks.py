"""Checks runbot makes before it starts something, each with a message naming the fix: the
simulator's port is free, a bot's stored row can be quoted (else the bot is held back and
the dashboard and the other bots still start)."""

from __future__ import annotations

import socket

from django.core.management.base import CommandError

from trading.core.bot_settings import KNOWN_SYMBOLS, SettingsError
from trading.fleet.venues import Seat


async def row_problem(config, seat: Seat) -> str | None:
    """Why the stored row cannot be quoted (None: it can): a symbol this bot or the exchange
    does not know, or any other value that is no valid setting (written by hand or by an
    older version). Checked before the engine starts, so a bad row holds back its bot and
    never the dashboard or the others."""
    if config is None:
        return None  # the engine reads the row itself, patiently
    symbol = config.symbol
    if symbol not in KNOWN_SYMBOLS:
        return f"its symbol {symbol!r} is not one this bot knows ({', '.join(KNOWN_SYMBOLS)})"
    try:
        config.settings()
    except SettingsError as exc:
        return f"its stored setting {exc}"
    if symbol not in await seat.rest.symbol_specs([symbol]):
        return f"its symbol {symbol!r} is not listed on the exchange ({seat.venue.label})"
    return None


def check_port_free(host: str, port: int) -> None:
    """SIM_PORT free now, or a CommandError naming it and the fix."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"the bundled simulator cannot listen on {host}:{port} ({exc.strerror}): "
                "SIM_PORT is in use or not allowed. Set SIM_PORT=0 in .env (any free port), "
                "or stop the program that holds it."
            ) from None
