"""Log lines that name their bot, as plain text or (LOG_FORMAT=json) one JSON object a line.

Several bots share one process, so a line without the bot's name cannot be acted on. The
name travels in a context variable: `runbot` sets it in each bot's task (trading.fleet), and
asyncio copies it into every task that bot starts, and asgiref into the threads its database
calls run in. A filter on the handler stamps it on every record as `bot` ("-" outside a bot).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

current_bot: contextvars.ContextVar[str] = contextvars.ContextVar("current_bot", default="-")

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(bot)s]: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "bot", "message")


class BotFilter(logging.Filter):
    """Stamps the bot in whose task the record was made (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "bot"):
            record.bot = current_bot.get()
        return True


@contextlib.contextmanager
def bot_context(bot: str) -> Iterator[None]:
    """Lines logged inside name `bot` (for work done outside the bot's own task)."""
    token = current_bot.set(bot)
    try:
        yield
    finally:
        current_bot.reset(token)


def logging_config(level: str, form: str, paper: bool = False) -> dict:
    """Django's LOGGING: one console handler with the bot filter, plain or JSON. In paper
    mode every line says so ("paper" after the time, or `"mode": "paper"`): nothing a paper
    run prints may pass for a live one's."""
    if form == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": " ".join(f"%({field})s" for field in JSON_FIELDS),
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "static_fields": {"mode": "paper"} if paper else {},
        }
    else:
        formatter = {"format": PLAIN_FORMAT.replace(" %(levelname)s", " paper %(levelname)s")
                     if paper else PLAIN_FORMAT}  # fmt: skip
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"bot": {"()": "mmsite.logs.BotFilter"}},
        "formatters": {"main": formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "main", "filters": ["bot"]}
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            "httpx": {"level": "WARNING"},
            # Not only noise: at DEBUG websockets logs every frame, our auth frame (the JWT) too.
            "websockets": {"level": "WARNING"},
            "uvicorn.access": {"level": "WARNING"},
        },
    }
