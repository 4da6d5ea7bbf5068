"""Through the real ASGI app: session cookie auth, Origin check, every WebSocket path."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from mmsite.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
async def session_cookie(django_user_model):
    def login():
        user = django_user_model.objects.create_user("trader", password="pw-123456", is_staff=True)
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    yield await sync_to_async(login)()
    await get_channel_layer().flush()


def _comm(path, cookie=None, origin="http://127.0.0.1:8000"):
    headers = [(b"host", b"127.0.0.1:8000")]
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.parametrize(
    "path",
    [
        "/ws/dashboard/",
        "/ws",
        "/ws/",
        "/ws/dashboard/default/",
        "/ws/bots/default/",
        "/ws/overview/",
    ],
)
async def test_logged_in_browser_connects(session_cookie, path):
    comm = _comm(path, session_cookie)
    ok, _ = await comm.connect(timeout=5)
    assert ok
    assert await comm.receive_from(timeout=5)
    await comm.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://127.0.0.1.evil.example",
        "http://127.0.0.1:9999",  # our host, another port: any other local service's page
        "http://127.0.0.1",  # port 80
        "https://127.0.0.1:8000",  # another scheme
        "http://localhost:8000",  # an allowed host, but not the page's own
        "http://127.0.0.1:8000:1",
        "null",
    ],
)
@pytest.mark.parametrize("path", ["/ws/dashboard/", "/ws/bots/default/", "/ws/overview/", "/ws"])
async def test_foreign_origin_is_refused_even_with_a_session(session_cookie, origin, path):
    ok, _ = await _comm(path, session_cookie, origin=origin).connect(timeout=5)
    assert not ok


@pytest.mark.parametrize(
    "host, origin",
    [
        ("localhost:8000", "http://localhost:8000"),
        ("127.0.0.1:8000", "HTTP://127.0.0.1:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
    ],
)
async def test_the_pages_own_origin_connects(session_cookie, host, origin):
    comm = _comm("/ws/dashboard/", session_cookie, origin=origin)
    comm.scope["headers"][0] = (b"host", host.encode())
    assert (await comm.connect(timeout=5))[0]
    await comm.disconnect()


@pytest.mark.parametrize(
    "trusted, origin, ok",
    [
        ("https://bot.example.com", "https://bot.example.com", True),
        ("https://bot.example.com", "https://bot.example.com:8443", False),
        ("https://*.example.com", "https://tunnel.example.com", True),
        ("https://*.example.com", "http://tunnel.example.com", False),
        ("https://*.example.com", "https://example.org", False),
    ],
)
async def test_csrf_trusted_origins_are_trusted_here_too(
    settings, session_cookie, trusted, origin, ok
):
    """Behind a TLS proxy the page is https://<public name> while the handshake reaches us as
    plain ws: CSRF_TRUSTED_ORIGINS, which lets that page post, lets it open the sockets."""
    settings.CSRF_TRUSTED_ORIGINS = [trusted]
    comm = _comm("/ws/dashboard/", session_cookie, origin=origin)
    assert (await comm.connect(timeout=5))[0] is ok
    await comm.disconnect()


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/bots/", "/ws/dashboard/a/b/", "/other"])
async def test_an_unknown_path_is_refused_not_an_error(session_cookie, path, caplog):
    """Channels' router raises on a path it has no route for (a 500 and a traceback)."""
    comm = _comm(path, session_cookie)
    ok, _ = await comm.connect(timeout=5)
    assert not ok
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


async def test_no_cookie_is_refused():
    ok, _ = await _comm("/ws/dashboard/").connect(timeout=5)
    assert not ok


@pytest.mark.parametrize("path", ["/ws/dashboard/nope/", "/ws/bots/nope/"])
async def test_unknown_bot_is_refused_and_not_created(session_cookie, path):
    from trading.models import BotConfig

    ok, _ = await _comm(path, session_cookie).connect(timeout=5)
    assert not ok
    assert not await sync_to_async(BotConfig.objects.filter(name="nope").exists)()


async def test_per_bot_path_joins_that_bot(session_cookie):
    from tests.dashboard.conftest import make_bot
    from tests.dashboard.snapshots import make_snapshot, publish

    await sync_to_async(make_bot)("eth", symbol="ETH-USD")
    comm = _comm("/ws/bots/eth/", session_cookie)
    assert (await comm.connect(timeout=5))[0]
    assert (await comm.receive_json_from(timeout=5))["bot"] == "eth"
    await publish(make_snapshot(bot="eth", mid="3150.5"))
    assert (await comm.receive_json_from(timeout=5))["market"]["mid"] == "3150.5"
    await comm.disconnect()


# ------------------------------------------------------ bearer tokens skip the Origin check

TOKEN = "ws-token-5d1e8a7c3b9f"


@pytest.fixture
def api_token(settings):
    from mmsite.env import Secret

    settings.API_TOKEN = Secret(TOKEN)


def _bearer(path, token=TOKEN, origin=None, cookie=None):
    comm = _comm(path, cookie, origin=origin)
    comm.scope["headers"].append((b"authorization", f"Bearer {token}".encode()))
    return comm


@pytest.mark.parametrize("path", ["/ws", "/ws/bots/default/", "/ws/dashboard/"])
async def test_bearer_script_without_origin_connects(api_token, path):
    comm = _bearer(path)
    assert (await comm.connect(timeout=5))[0]
    assert await comm.receive_from(timeout=5)
    await comm.disconnect()


async def test_bearer_with_a_foreign_origin_connects(api_token):
    """Decided: accepted. A browser cannot put Authorization on a WebSocket handshake, so a
    token is never ambient authority a foreign page could borrow (dashboard/asgi_guards.py)."""
    comm = _bearer("/ws", origin="http://evil.example")
    assert (await comm.connect(timeout=5))[0]
    await comm.disconnect()


@pytest.mark.parametrize("origin", [None, "http://127.0.0.1:8000", "http://evil.example"])
async def test_wrong_bearer_is_refused_even_with_a_valid_session(api_token, session_cookie, origin):
    """With a bearer header the token alone decides: the session cookie is not consulted."""
    ok, _ = await _bearer(
        "/ws/dashboard/", token="wrong", origin=origin, cookie=session_cookie
    ).connect(timeout=5)
    assert not ok


async def test_session_without_origin_is_still_refused(session_cookie):
    ok, _ = await _comm("/ws/dashboard/", session_cookie, origin=None).connect(timeout=5)
    assert not ok
