"""Kill all: one confirmed POST sends kill to every configured bot and says who was reached."""

from __future__ import annotations

import re

import pytest
from channels.exceptions import ChannelFull

from tests.dashboard.conftest import make_bot
from trading import bus

pytestmark = pytest.mark.django_db


def test_kill_all_reaches_every_bot(client_in, config, engine_inbox):
    make_bot("eth")
    make_bot("xau")
    response = client_in.post("/bots/kill-all", HTTP_HX_REQUEST="true")
    assert b"kill sent to 3 of 3 bots" in response.content
    inbox = engine_inbox("default", "eth", "xau")
    assert {bot: m["action"] for bot, m in inbox.items()} == dict.fromkeys(inbox, "kill")
    assert {m["user"] for m in inbox.values()} == {"trader"}


def test_unreachable_engines_are_named(client_in, config, engine_inbox, monkeypatch):
    """A layer that refuses one bot's channel (full: nobody reads it) refuses only that one."""
    make_bot("eth")
    layer = bus.get_channel_layer()
    real_send = layer.send

    async def send(channel, message):
        if channel == bus.engine_channel("eth"):
            raise ChannelFull()
        await real_send(channel, message)

    monkeypatch.setattr(layer, "send", send)
    response = client_in.post("/bots/kill-all", HTTP_HX_REQUEST="true")
    assert b"kill sent to 1 of 2 bots; unreachable: eth" in response.content
    assert b"flash-bad" in response.content
    assert engine_inbox("default")["default"]["action"] == "kill"


def test_kill_all_button_asks_first(client_in, config):
    make_bot("eth")
    html = client_in.get("/bots/").content.decode()
    form = re.search(r"<form[^>]*kill-all[^>]*>", html, re.S).group(0)
    assert "hx-confirm=" in form and 'method="post"' in form


def test_kill_all_needs_post_and_csrf(client_in, csrf_client_in, config, engine_inbox):
    assert client_in.get("/bots/kill-all").status_code == 405
    assert csrf_client_in.post("/bots/kill-all").status_code == 403
    assert engine_inbox("default") == {"default": None}
