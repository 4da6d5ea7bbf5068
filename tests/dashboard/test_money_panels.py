"""The fills and position/money panels (rendered and pushed over the real consumer),
GET /api/fills (stored fills merged with the engine's newest), the account in
/api/status, and a bot without an engine showing its stored fills and hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from dashboard import render
from dashboard.consumers import DashboardConsumer
from tests.dashboard.snapshots import make_snapshot, publish, publish_sync
from tests.dashboard.ws_helpers import communicator
from trading.models import BotFill, PnlHour, UptimeHour

NOW = dt.datetime(2026, 11, 29, 13, 40, tzinfo=dt.UTC)


def fill(trade_id: int, at: dt.datetime, side: str = "buy", markout: str | None = "-1.52") -> dict:
    return {
        "time": at.isoformat(),
        "symbol": "BTC-USD",
        "side": side,
        "price": "66000.5",
        "qty": "0.0005",
        "fee": "0.0033",
        "liquidity": "maker",
        "realized_pnl": "0",
        "markout_bps": markout,
        "trade_id": trade_id,
        "cl_ord_id": f"mmbot-dwrtm-{trade_id}",
    }


def money(now: dt.datetime, *fills: dict) -> dict:
    return {
        "account": {
            "positions": [
                {
                    "symbol": "BTC-USD",
                    "qty": "0.0005",
                    "entry_price": "66000.5",
                    "mark_price": "65990",
                    "upnl": "-0.00525",
                    "margin": "3.2995",
                },
                {
                    "symbol": "ETH-USD",
                    "qty": "-0.02",
                    "entry_price": "3500",
                    "mark_price": "3490",
                    "upnl": "0.2",
                    "margin": "6.98",
                },
            ],  # fmt: skip
            "balance": {
                "balance": "99990.12",
                "available": "99970.5",
                "equity": "99990.31",
                "upnl": "0.19",
            },
            "updated_at": now.isoformat(),
        },
        "fills": {
            "this_hour": len(fills),
            "maker_this_hour": len(fills),
            "taker_this_hour": 0,
            "fees_this_hour": "0.0066",
            "realized_pnl_this_hour": "0.0150",
            "upnl_change_this_hour": "-0.00525",
            "cost_this_hour": "-0.00315",
            "cost_per_in_band_hour": "-0.0063",
            "today": 5,
            "fees_today": "0.0165",
            "realized_pnl_today": "0.04",
            "recent": list(fills),
        },
    }


def test_panels_show_positions_balance_fills_and_cost():
    snap = make_snapshot(now=NOW, **money(NOW, fill(2, NOW, "sell", None), fill(1, NOW)))
    html = render.render_panels(snap, NOW)
    account, fills = html["account"], html["fills"]
    assert 'data-symbol="ETH-USD"' in account and "not this bot's symbol" in account
    assert "short" in account and "long" in account
    assert ">99,970.50<" in account and ">99,990.31<" in account  # available, equity
    assert 'data-count="2"' in fills and ">0.0066<" in fills and ">0.015<" in fills
    assert 'data-field="cost-per-hour" class="ok">-0.01<' in fills  # it earned: negative cost
    assert 'data-trade="1"' in fills and ">-1.5<" in fills  # the markout in bps
    assert "…" in fills  # trade 2's markout is not due yet


def test_panels_without_figures_say_so():
    html = render.render_panels(make_snapshot(now=NOW), NOW)
    assert "No fill figures yet." in html["fills"]
    assert "Positions and balance not read yet." in html["account"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_new_fill_is_pushed_to_the_page(django_user_model):
    staff = await sync_to_async(django_user_model.objects.create_user)(
        "trader", password="pw-123456", is_staff=True
    )
    comm = communicator(DashboardConsumer, "/ws/dashboard/", user=staff)
    assert (await comm.connect(timeout=5))[0]
    first = await comm.receive_from(timeout=5)
    assert "No fills yet." in first or "No fill figures yet." in first
    now = timezone.now()
    await publish(make_snapshot(now=now, **money(now, fill(500000001, now))))
    frame = await comm.receive_from(timeout=5)
    assert 'id="panel-fills" class="panel panel-fills" hx-swap-oob="true"' in frame
    assert 'data-trade="500000001"' in frame and 'data-count="1"' in frame
    await comm.disconnect()
    await get_channel_layer().flush()


@pytest.mark.django_db
def test_api_fills_merges_stored_and_newest_and_status_has_the_account(client_in, config):
    older = timezone.now() - dt.timedelta(minutes=5)
    BotFill.objects.create(
        bot="default", trade_id=1, at=older, symbol="BTC-USD", side="buy", price="66000.5",
        qty="0.0005", fee="0.0033", liquidity="maker", markout_bps=Decimal("-1.52"),
        cl_ord_id="mmbot-dwrtm-1",
    )  # fmt: skip
    now = timezone.now()
    publish_sync(make_snapshot(**money(now, fill(2, now, "sell"), fill(1, older))))
    for path in ("/api/fills", "/api/bots/default/fills"):
        body = client_in.get(path).json()
        assert [f["trade_id"] for f in body["fills"]] == [2, 1] and body["count"] == 2
        assert body["fills"][1]["markout_bps"] == "-1.52" and body["fills"][1]["fee"] == "0.0033"
        assert body["summary"]["fees_this_hour"] == "0.0066" and "recent" not in body["summary"]
    status = client_in.get("/api/status").json()
    assert status["account"]["balance"]["equity"] == "99990.31"
    assert [p["symbol"] for p in status["account"]["positions"]] == ["BTC-USD", "ETH-USD"]
    assert client_in.get("/api/bots/nope/fills").status_code == 404


@pytest.mark.django_db
def test_without_an_engine_the_stored_fills_and_hours_are_shown(client_in, config):
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    BotFill.objects.create(
        bot="default", trade_id=9, at=now, symbol="BTC-USD", side="sell", price="66010",
        qty="0.001", fee="0.0066", liquidity="maker", realized_pnl="0.01",
    )  # fmt: skip
    PnlHour.objects.create(
        bot="default", hour=hour, symbol="BTC-USD", fills=1, maker_fills=1, fees="0.0066",
        realized_pnl="0.01", upnl_start="0", upnl_end="-0.002",
    )  # fmt: skip
    UptimeHour.objects.create(bot="default", hour=hour, in_band_seconds=1800)
    body = client_in.get("/api/fills").json()
    assert body["summary"]["this_hour"] == 1 and body["summary"]["fees_this_hour"] == "0.0066"
    # cost = 0.0066 - 0.01 - (-0.002) = -0.0014 over half an hour in band
    assert body["summary"]["cost_per_in_band_hour"] == "-0.0028"
    assert [f["trade_id"] for f in body["fills"]] == [9]
    assert body["days"] == [
        {"day": hour.date().isoformat(), "fills": 1, "fees": "0.0066", "realized_pnl": "0.01"}
    ]
    status = client_in.get("/api/status").json()
    assert status["account"] == {"positions": [], "balance": None, "updated_at": None}
    history = client_in.get("/api/uptime").json()["history"]
    assert history[-1]["fees"] == "0.0066" and history[-1]["cost_per_in_band_hour"] == "-0.0028"
    page = client_in.get("/bots/default/").content.decode()
    assert 'id="panel-fills"' in page and "No engine connected" in page


def test_the_history_chart_marks_what_each_hour_cost():
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    rows = [
        {"hour": (hour - dt.timedelta(hours=2)).isoformat(), "in_band_seconds": 3000},
        {
            "hour": (hour - dt.timedelta(hours=1)).isoformat(),
            "in_band_seconds": 3000,
            "fills": 4,
            "cost_per_in_band_hour": "0.0420",
        },
        {
            "hour": hour.isoformat(),
            "in_band_seconds": 1800,
            "fills": 1,
            "cost_per_in_band_hour": "-0.01",
        },
    ]
    snap = make_snapshot(now=NOW, history=rows)
    html = render.render_panel("uptime", snap, NOW)
    assert html.count('class="cost bad"') == 1 and html.count('class="cost ok"') == 1
    assert "4 fills, cost 0.042 USD per in-band hour" in html
    assert "0 fills</title>" in html  # an hour with no money figures draws no dot
