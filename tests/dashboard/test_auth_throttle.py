"""Failed authentication is slowed per client address (dashboard/throttle.py): after
FAILURE_LIMIT failures in the window each further failure from that address gets 429 +
Retry-After; the right credentials always pass, from there too (the operator is never locked
out by a script with a stale token); successes are not counted; another address is not
affected; a throttled WebSocket is closed with its own code."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.test import Client

from dashboard import throttle
from dashboard.consumers import StateConsumer
from mmsite.env import Secret
from tests.dashboard.ws_helpers import communicator

TOKEN = "throttle-token-2b7d9e41"
LIMIT = throttle.FAILURE_LIMIT
ATTACKER, OPERATOR = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def api_token(settings, config):
    settings.API_TOKEN = Secret(TOKEN)


def status(client, token, address=ATTACKER):
    return client.get("/api/status", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


@pytest.mark.django_db
def test_wrong_tokens_are_answered_429_after_the_limit(api_token):
    client = Client()
    assert [status(client, "wrong").status_code for _ in range(LIMIT)] == [401] * LIMIT
    refused = status(client, "wrong")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= throttle.WINDOW_SECONDS
    assert "too many failed" in refused.json()["detail"]
    assert status(client, TOKEN).status_code == 200  # the right token, even from there
    assert status(client, "wrong").status_code == 429  # and the next failure is slowed still
    assert status(client, "wrong", OPERATOR).status_code == 401  # another address is unaffected


@pytest.mark.django_db
def test_a_stale_script_never_locks_out_the_operator(api_token, boss, sent):
    """The security probe: 10 wrong tokens, then one wrong token every few seconds from the
    same address; between them the operator's status reads, metrics scrapes, a scripted stop
    and kill, and a login all pass."""
    client = Client()
    for _ in range(LIMIT):
        status(client, "wrong")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}", "REMOTE_ADDR": ATTACKER}
    answers = []
    for _ in range(3):
        assert status(client, "wrong").status_code == 429
        answers += [
            status(client, TOKEN).status_code,
            client.get("/metrics", **bearer).status_code,
            client.post("/api/stop", **bearer).status_code,
            client.post("/api/kill", **bearer).status_code,
        ]
        right = {"username": "boss", "password": "correct horse"}
        answers.append(Client().post("/accounts/login/", right, REMOTE_ADDR=ATTACKER).status_code)
    assert answers == [200, 200, 200, 200, 302] * 3


@pytest.mark.django_db
def test_successes_are_not_counted(api_token):
    client = Client()
    for _ in range(3 * LIMIT):
        assert status(client, TOKEN).status_code == 200
    assert [status(client, "wrong").status_code for _ in range(LIMIT)] == [401] * LIMIT


def test_the_window_slides():
    client = "192.0.2.1"
    for second in range(LIMIT):
        throttle.record_failure(client, now=1000.0 + second)
    assert throttle.retry_after(client, now=1000.0 + LIMIT) == throttle.WINDOW_SECONDS - LIMIT
    # The first failure leaves the window: one more try, then blocked again.
    later = 1000.0 + throttle.WINDOW_SECONDS + 0.5
    assert throttle.retry_after(client, now=later) is None
    throttle.record_failure(client, now=later)
    assert throttle.retry_after(client, now=later) == 1


@pytest.fixture
def boss(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    return get_user_model().objects.create_superuser("boss", password="correct horse")


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_are_answered_429_after_the_limit(boss, path):
    client = Client()
    wrong = {"username": "boss", "password": "nope"}
    assert [client.post(path, wrong, REMOTE_ADDR=ATTACKER).status_code for _ in range(LIMIT)] == [
        200
    ] * LIMIT
    refused = client.post(path, wrong, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"too many failed" in refused.content
    right = {"username": "boss", "password": "correct horse"}
    assert Client().post(path, right, REMOTE_ADDR=ATTACKER).status_code == 302


@pytest.mark.django_db
def test_used_up_login_links_count_as_failures():
    client = Client()
    for _ in range(LIMIT):
        assert client.get("/accounts/link/not-a-token", REMOTE_ADDR=ATTACKER).status_code == 200
    assert client.get("/accounts/link/not-a-token", REMOTE_ADDR=ATTACKER).status_code == 429


async def ws_connects(token: str, address: str) -> bool | int:
    """True when the socket opened and streams; False for a refused handshake; the close
    code when it was accepted only to be closed."""
    comm = communicator(
        StateConsumer, "/ws", headers=[(b"authorization", f"Bearer {token}".encode())]
    )
    comm.scope["client"] = (address, 50000)
    ok, _ = await comm.connect(timeout=5)
    if not ok:
        return False
    first = await comm.receive_output(timeout=5)
    if first["type"] == "websocket.close":
        assert "too many failed" in first.get("reason", "")
        return first["code"]
    await comm.disconnect()
    return True


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_tokens_are_limited_too(settings):
    settings.API_TOKEN = Secret(TOKEN)
    for _ in range(LIMIT):
        assert await ws_connects("wrong", ATTACKER) is False
    assert await ws_connects("wrong", ATTACKER) == throttle.CLOSE_THROTTLED
    assert await ws_connects(TOKEN, ATTACKER) is True
    assert await ws_connects(TOKEN, OPERATOR) is True
    await get_channel_layer().flush()
