"""What a WebSocket client sends is capped and parsed defensively: an oversized message
closes with 1009, binary with 1003, text that is not a JSON object (deep nesting included)
with 1008; the consumer never raises, and a normal ping still works."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from dashboard.consumers import (
    MAX_MESSAGE_CHARS,
    DashboardConsumer,
    OverviewConsumer,
    StateConsumer,
)
from tests.dashboard.ws_helpers import PANEL_IDS, communicator

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CONSUMERS = [
    (DashboardConsumer, "/ws/dashboard/"),
    (StateConsumer, "/ws"),
    (OverviewConsumer, "/ws/overview/"),
]


@pytest.fixture
async def staff(django_user_model):
    user = await sync_to_async(django_user_model.objects.create_user)(
        "trader", password="pw-123456", is_staff=True
    )
    yield user
    await get_channel_layer().flush()


async def connect(consumer, path, user):
    comm = communicator(consumer, path, user=user)
    assert (await comm.connect(timeout=5))[0]
    await comm.receive_from(timeout=5)  # the connect-time frame
    return comm


async def close_code(comm) -> int:
    """The code of the close the consumer sent (and the consumer task ended without error)."""
    output = await comm.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    # The client hangs up, as a browser does on a close: the consumer task then ends, and
    # wait() re-raises anything it raised.
    await comm.send_input({"type": "websocket.disconnect", "code": output.get("code", 1000)})
    await comm.wait(timeout=5)
    return output.get("code")


@pytest.mark.parametrize("consumer,path", CONSUMERS)
async def test_deeply_nested_json_is_too_big(staff, consumer, path):
    comm = await connect(consumer, path, staff)
    await comm.send_to(text_data="[" * 100_000 + "]" * 100_000)
    assert await close_code(comm) == 1009


@pytest.mark.parametrize("consumer,path", CONSUMERS)
async def test_binary_is_unsupported(staff, consumer, path):
    comm = await connect(consumer, path, staff)
    await comm.send_to(bytes_data=b'{"action": "ping"}')
    assert await close_code(comm) == 1003


@pytest.mark.parametrize(
    "garbage",
    [
        "[" * 2000 + "]" * 2000,  # under the cap, past the recursion limit
        "not json",
        json.dumps([1, 2]),
        json.dumps("ping"),
    ],
)
async def test_garbage_closes_with_policy_violation(staff, garbage):
    assert len(garbage) <= MAX_MESSAGE_CHARS
    comm = await connect(DashboardConsumer, "/ws/dashboard/", staff)
    await comm.send_to(text_data=garbage)
    assert await close_code(comm) == 1008


async def test_a_ping_at_the_cap_still_works(staff):
    comm = await connect(DashboardConsumer, "/ws/dashboard/", staff)
    ping = json.dumps({"action": "ping", "pad": ""})
    ping = ping.replace('""', '"' + "x" * (MAX_MESSAGE_CHARS - len(ping)) + '"')
    assert len(ping) == MAX_MESSAGE_CHARS
    await comm.send_to(text_data=ping)
    frame = await comm.receive_from(timeout=5)
    assert all(f'id="{p}"' in frame for p in PANEL_IDS)
    await comm.disconnect()
