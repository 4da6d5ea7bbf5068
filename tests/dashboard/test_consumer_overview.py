"""/ws/overview/ and per-bot sockets: each page hears only what concerns it."""

from __future__ import annotations

import re

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.template.loader import get_template
from django.test.signals import template_rendered

from dashboard.consumers import DashboardConsumer, OverviewConsumer, StateConsumer
from tests.dashboard.conftest import make_bot
from tests.dashboard.snapshots import make_snapshot, publish, tier
from tests.dashboard.ws_helpers import PANEL_IDS, communicator
from trading.models import BotConfig

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture
async def staff(django_user_model):
    user = await sync_to_async(django_user_model.objects.create_user)(
        "trader", password="pw-123456", is_staff=True
    )
    await sync_to_async(make_bot)("default")
    await sync_to_async(make_bot)("eth", symbol="ETH-USD")
    await sync_to_async(make_bot)("btc")
    yield user
    await get_channel_layer().flush()


async def connect(consumer, path, user, bot=None):
    comm = communicator(consumer, path, user=user, bot=bot)
    ok, _ = await comm.connect(timeout=5)
    assert ok
    return comm


async def test_connect_sends_the_whole_table_body(staff):
    comm = await connect(OverviewConsumer, "/ws/overview/", staff)
    frame = await comm.receive_from(timeout=5)
    assert frame.lstrip().startswith('<tbody id="bot-rows" hx-swap-oob="true">')
    assert re.findall(r'<tr id="bot-row-([\w-]+)"', frame) == ["btc", "default", "eth"]
    await comm.disconnect()


async def test_a_summary_for_eth_arrives_as_the_eth_row(staff):
    comm = await connect(OverviewConsumer, "/ws/overview/", staff)
    await comm.receive_from(timeout=5)
    await publish(
        make_snapshot(
            bot="eth",
            symbol="ETH-USD",
            quotes={
                "bid": {"price": "3149.1", "qty": "0.01"},
                "ask": {"price": "3151.7", "qty": "0.01"},
            },
        )
    )
    frame = await comm.receive_from(timeout=5)
    assert frame.startswith(
        '<tr id="bot-row-eth" class="bot-row" data-bot="eth" hx-swap-oob="true">'
    )
    assert "3,149.1" in frame and "3,151.7" in frame and 'data-state="running"' in frame
    assert not any(f'id="{p}"' in frame for p in PANEL_IDS)  # a row, not the panels
    await comm.disconnect()


async def test_a_snapshot_for_btc_does_not_reach_the_eth_page(staff):
    eth_page = await connect(DashboardConsumer, "/ws/dashboard/eth/", staff, bot="eth")
    first = await eth_page.receive_from(timeout=5)
    assert "ETH-USD" in first
    await publish(make_snapshot(bot="btc", mid="97111.5"))
    assert await eth_page.receive_nothing(timeout=0.3)
    await publish(make_snapshot(bot="eth", mid="3150.5"))
    assert "3,150.5" in await eth_page.receive_from(timeout=5)
    await eth_page.disconnect()


async def test_json_stream_of_one_bot(staff):
    comm = await connect(StateConsumer, "/ws/bots/eth/", staff, bot="eth")
    assert (await comm.receive_json_from(timeout=5))["symbol"] == "ETH-USD"
    await publish(make_snapshot(bot="btc"))
    await publish(make_snapshot(bot="eth", mid="3152.5"))
    pushed = await comm.receive_json_from(timeout=5)
    assert pushed["bot"] == "eth" and pushed["market"]["mid"] == "3152.5"
    await comm.disconnect()


async def test_fifty_overview_clients_cost_one_row_render(staff):
    clients = [await connect(OverviewConsumer, "/ws/overview/", staff) for _ in range(50)]
    for comm in clients:
        await comm.receive_from(timeout=5)
    row_template = get_template("dashboard/partials/_bot_row.html").template
    renders = []

    def count(sender, template, **kwargs):
        if template.origin.name == row_template.origin.name:
            renders.append(template)

    template_rendered.connect(count)
    try:
        await publish(make_snapshot(bot="eth", mid="3150.5"))
        frames = {await comm.receive_from(timeout=5) for comm in clients}
    finally:
        template_rendered.disconnect(count)
    assert len(frames) == 1 and len(renders) == 1
    for comm in clients:
        await comm.disconnect()


@pytest.mark.parametrize(
    "consumer,path", [(DashboardConsumer, "/ws/dashboard/nope/"), (StateConsumer, "/ws/bots/nope/")]
)
async def test_unknown_bot_is_refused_before_accept_and_creates_no_row(staff, consumer, path):
    comm = communicator(consumer, path, user=staff, bot="nope")
    ok, _ = await comm.connect(timeout=5)
    assert not ok
    assert not await sync_to_async(BotConfig.objects.filter(name="nope").exists)()


async def test_anonymous_overview_is_refused():
    ok, _ = await communicator(OverviewConsumer, "/ws/overview/").connect(timeout=5)
    assert not ok


async def test_disconnect_leaves_the_overview_group(staff):
    comm = await connect(OverviewConsumer, "/ws/overview/", staff)
    await comm.receive_from(timeout=5)
    await comm.disconnect()
    assert not get_channel_layer().groups.get("overview")


async def test_a_row_carries_the_bots_strategy_and_tier(staff):
    comm = await connect(OverviewConsumer, "/ws/overview/", staff)
    await comm.receive_from(timeout=5)
    await publish(
        make_snapshot(
            bot="eth", symbol="ETH-USD", tier=tier(standard="at risk", boosted="out of reach")
        )
    )
    frame = await comm.receive_from(timeout=5)
    assert frame.startswith('<tr id="bot-row-eth"') and "cannot earn" in frame
    assert 'data-tier="standard" data-status="at risk"' in frame
    assert 'data-tier="boosted" data-status="out of reach"' in frame
    await comm.disconnect()
