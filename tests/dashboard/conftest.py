from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.test import Client

from trading import bus
from trading.models import BotConfig


@pytest.fixture(autouse=True)
def _no_published_snapshots():
    """The latest snapshots live in this process's "snapshots" cache (trading.bus): keep
    tests independent."""
    caches[bus.SNAPSHOT_CACHE].clear()
    yield
    caches[bus.SNAPSHOT_CACHE].clear()


@pytest.fixture(autouse=True)
def _no_failed_logins_counted():
    """Failed authentications are counted per address in the cache (dashboard/throttle.py);
    every test client is 127.0.0.1, so each test starts with a clean count."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """Every control message the web tier sends, instead of the channel layer."""
    messages: list[dict] = []

    async def record(bot, action, **payload):
        messages.append({"bot": bot, "action": action, **payload})

    monkeypatch.setattr(bus, "send_control", record)
    return messages


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_user("trader", password="s3cret-pass", is_staff=True)


@pytest.fixture
def client_in(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def csrf_client_in(operator) -> Client:
    """Logged in, with CSRF enforced like a real browser (the default test client skips it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    return client


@pytest.fixture
def config(db) -> BotConfig:
    return BotConfig.load("default")


def config_row(name: str = "default") -> dict:
    """The stored strategy values, to assert that nothing changed."""
    return BotConfig.objects.get(name=name).strategy_values()


def csrf_token(client: Client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


@pytest.fixture
def unreachable_layer(monkeypatch):
    """A channel layer that refuses every message, as a full or broken layer does."""
    from channels.exceptions import ChannelFull

    from trading import bus as bus_module

    class RefusingLayer:
        async def send(self, channel, message):
            raise ChannelFull()

    monkeypatch.setattr(bus_module, "get_channel_layer", lambda: RefusingLayer())


def make_bot(name: str, **values) -> BotConfig:
    """A configured bot besides "default" (the only one ever created on first use)."""
    return BotConfig.objects.create(name=name, **{**settings.BOT_DEFAULTS, **values})


def actions(inbox: dict[str, dict | None]) -> dict[str, str | None]:
    """{bot: the action it was sent, or None}, from what engine_inbox read."""
    return {bot: None if message is None else message["action"] for bot, message in inbox.items()}


@pytest.fixture
def engine_inbox(db):
    """Reads the control messages the web tier really sent through the channel layer, as an
    engine would (trading.bus.receive_control), instead of replacing send_control."""
    layer = get_channel_layer()
    async_to_sync(layer.flush)()

    async def read(bots, timeout):
        return {bot: await bus.receive_control(bot, timeout) for bot in bots}

    def messages(*bots: str, timeout: float = 0.3) -> dict[str, dict | None]:
        """The next message for each bot, or None when none came within `timeout`."""
        return async_to_sync(read)(bots, timeout)

    yield messages
    async_to_sync(layer.flush)()
