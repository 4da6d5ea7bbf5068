"""/ws: the JSON state stream for scripts (session or API token)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from dashboard.consumers import StateConsumer
from mmsite.env import Secret
from tests.dashboard.snapshots import make_snapshot, publish
from tests.dashboard.ws_helpers import communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
TOKEN = "tok-ws-5c2e9b"


@pytest.fixture(autouse=True)
async def _flush():
    yield
    await get_channel_layer().flush()


async def test_token_client_gets_the_state_then_each_snapshot(settings):
    settings.API_TOKEN = Secret(TOKEN)
    comm = communicator(
        StateConsumer, "/ws", headers=[(b"authorization", f"Bearer {TOKEN}".encode())]
    )
    ok, _ = await comm.connect(timeout=5)
    assert ok
    first = json.loads(await comm.receive_from(timeout=5))
    assert first["bot"] == "default" and first["state"] == "no engine connected"
    await publish(make_snapshot(mid="777.5"))
    pushed = json.loads(await comm.receive_from(timeout=5))
    assert pushed["market"]["mid"] == "777.5" and len(pushed["history"]) == 24
    await comm.disconnect()


async def test_session_client_is_accepted(django_user_model):
    user = await sync_to_async(django_user_model.objects.create_user)(
        "trader", password="pw-123456", is_staff=True
    )
    comm = communicator(StateConsumer, "/ws", user=user)
    ok, _ = await comm.connect(timeout=5)
    assert ok
    assert json.loads(await comm.receive_from(timeout=5))["bot"] == "default"
    await comm.disconnect()


@pytest.mark.parametrize(
    "token_setting,header",
    [(TOKEN, None), (TOKEN, "Bearer nope"), ("", "Bearer "), (TOKEN, f"Basic {TOKEN}")],
)
async def test_without_a_valid_credential_connect_is_refused(settings, token_setting, header):
    settings.API_TOKEN = Secret(token_setting)
    headers = [(b"authorization", header.encode())] if header else []
    comm = communicator(StateConsumer, "/ws", headers=headers)
    ok, _ = await comm.connect(timeout=5)
    assert not ok


async def test_messages_from_the_client_are_ignored(settings):
    settings.API_TOKEN = Secret(TOKEN)
    comm = communicator(
        StateConsumer, "/ws", headers=[(b"authorization", f"Bearer {TOKEN}".encode())]
    )
    await comm.connect(timeout=5)
    await comm.receive_from(timeout=5)
    await comm.send_to(text_data=json.dumps({"action": "kill"}))
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()
