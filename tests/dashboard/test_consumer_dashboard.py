"""/ws/dashboard/: full frame on connect, pushed snapshots as OOB swaps, nothing else."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from dashboard.consumers import DashboardConsumer
from tests.dashboard.snapshots import band_strategy, make_snapshot, publish, tier
from tests.dashboard.ws_helpers import PANEL_IDS, communicator
from trading import bus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
async def staff(django_user_model):
    return await sync_to_async(django_user_model.objects.create_user)(
        "trader", password="pw-123456", is_staff=True
    )


@pytest.fixture
async def connected(staff):
    comm = communicator(DashboardConsumer, "/ws/dashboard/", user=staff)
    ok, _ = await comm.connect(timeout=5)
    assert ok
    yield comm
    await comm.disconnect()
    await get_channel_layer().flush()


async def test_first_frame_has_every_panel_as_an_oob_swap(connected):
    frame = await connected.receive_from(timeout=5)
    for panel_id in PANEL_IDS:
        assert f'id="{panel_id}"' in frame
    assert frame.count('hx-swap-oob="true"') == len(PANEL_IDS)
    assert "no engine connected" in frame  # no engine in this process yet


async def test_published_snapshot_arrives_as_oob_swap(connected):
    await connected.receive_from(timeout=5)
    await publish(make_snapshot(mid="4321.5"))
    frame = await connected.receive_from(timeout=5)
    assert 'id="panel-market" class="panel panel-market" hx-swap-oob="true"' in frame
    assert "4,321.5" in frame and "mmbot-1a2b3c-0007" in frame


async def test_snapshots_of_other_bots_are_not_forwarded(connected):
    await connected.receive_from(timeout=5)
    await publish(make_snapshot(bot="other"))
    assert await connected.receive_nothing(timeout=0.3)


@pytest.mark.parametrize(
    "message",
    [
        json.dumps({"action": "kill"}),
        json.dumps({"action": "start"}),
        json.dumps({"action": "config", "spread_bps": "1"}),
        json.dumps({"action": [1]}),
    ],
)
async def test_unknown_actions_are_ignored(connected, monkeypatch, message):
    calls = []

    async def record(*args, **kwargs):
        calls.append(args)

    monkeypatch.setattr(bus, "send_control", record)
    await connected.receive_from(timeout=5)
    await connected.send_to(text_data=message)
    assert await connected.receive_nothing(timeout=0.3)
    assert calls == []


async def test_ping_gets_a_fresh_full_frame(connected):
    await connected.receive_from(timeout=5)
    await connected.send_to(text_data=json.dumps({"action": "ping"}))
    frame = await connected.receive_from(timeout=5)
    assert all(f'id="{p}"' in frame for p in PANEL_IDS)


async def test_anonymous_connect_is_refused():
    comm = communicator(DashboardConsumer, "/ws/dashboard/")
    ok, _ = await comm.connect(timeout=5)
    assert not ok


async def test_non_staff_connect_is_refused(django_user_model):
    user = await sync_to_async(django_user_model.objects.create_user)(
        "viewer", password="pw-123456"
    )
    comm = communicator(DashboardConsumer, "/ws/dashboard/", user=user)
    ok, _ = await comm.connect(timeout=5)
    assert not ok


async def test_disconnect_leaves_the_group(staff):
    comm = communicator(DashboardConsumer, "/ws/dashboard/", user=staff)
    await comm.connect(timeout=5)
    await comm.receive_from(timeout=5)
    await comm.disconnect()
    layer = get_channel_layer()
    assert not layer.groups.get(bus.bot_group("default"))


async def test_cannot_earn_banner_comes_and_goes_with_the_engines_snapshots(connected):
    await connected.receive_from(timeout=5)
    await publish(make_snapshot())  # spread 50, band 10
    frame = await connected.receive_from(timeout=5)
    assert 'id="cannot-earn"' in frame and "SPREAD_BPS 50 is not inside" in frame
    assert 'data-tier="standard" data-status="on track"' in frame
    await publish(make_snapshot(strategy=band_strategy(), tier=tier(standard="secured")))
    frame = await connected.receive_from(timeout=5)
    assert 'id="cannot-earn"' not in frame and 'data-strategy="band"' in frame
    assert 'data-tier="standard" data-status="secured"' in frame
