"""Every log line names its bot, in plain text or (LOG_FORMAT=json) as one JSON object a
line for log shippers; and the web tier's noise stays out of the trader's terminal."""

import json

import pytest

from tests.mmsite.startup import run_python

LOG_FROM_A_BOT = """
import asyncio, logging
from mmsite.logs import bot_context, current_bot

async def bot_task():
    current_bot.set("eth")  # as BotRun does in its own task
    await asyncio.create_task(child())  # tasks the bot starts inherit its name

async def child():
    logging.getLogger("trading.engine.engine").warning("engine line")

asyncio.run(bot_task())
with bot_context("sol"):
    logging.getLogger("trading.runbot").warning("runner line")
logging.getLogger("trading.runbot").warning("process line")
"""


def test_plain_log_lines_name_their_bot(tmp_path):
    result = run_python(LOG_FROM_A_BOT, DATA_DIR=str(tmp_path))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 0, result.stderr
    assert lines[-3].endswith("WARNING trading.engine.engine [eth]: engine line")
    assert lines[-2].endswith("WARNING trading.runbot [sol]: runner line")
    assert lines[-1].endswith("WARNING trading.runbot [-]: process line")


def test_json_log_lines_are_one_object_each_with_the_bot(tmp_path):
    result = run_python(LOG_FROM_A_BOT, DATA_DIR=str(tmp_path), LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.strip().splitlines()[-3:]]
    assert [(r["bot"], r["logger"], r["level"], r["message"]) for r in records] == [
        ("eth", "trading.engine.engine", "WARNING", "engine line"),
        ("sol", "trading.runbot", "WARNING", "runner line"),
        ("-", "trading.runbot", "WARNING", "process line"),
    ]
    assert all(r["time"] for r in records)


def test_the_static_files_warning_is_not_printed(tmp_path):
    """Django warns once per process that a FileResponse's iterator is synchronous under
    ASGI; runbot serves its few static files that way on purpose."""
    code = """
import asyncio
import mmsite.asgi  # noqa: F401  (the dashboard's ASGI app, as runbot loads it)
from django.http import StreamingHttpResponse

async def consume():
    return [part async for part in StreamingHttpResponse(iter([b"x"]))]

assert asyncio.run(consume()) == [b"x"]
"""
    result = run_python(code, DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "StreamingHttpResponse" not in result.stderr


@pytest.mark.django_db
def test_the_favicon_asked_by_every_browser_is_no_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 204
