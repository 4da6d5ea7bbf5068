"""GET /api/status (orders, uptime) by API token, with an engine publishing in this process,
is answered from its latest snapshot without a Django request (no per-request thread,
middleware, session or database work: dashboard/fastpath.py); the body is the API view's.
Everything it cannot answer exactly like the API goes to Django. Through the real ASGI
application."""

from __future__ import annotations

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.core.signals import request_started

from dashboard import throttle
from mmsite.asgi import application, django_asgi_app
from mmsite.env import Secret
from tests.dashboard.conftest import make_bot
from tests.dashboard.snapshots import make_snapshot, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TOKEN = "fastpath-token-4c8e1f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def token(settings):
    settings.API_TOKEN = Secret(TOKEN)


@pytest.fixture
def django_requests():
    """Requests Django itself handled (each one a thread and the middleware stack)."""
    seen = []

    def count(**kwargs):
        seen.append(kwargs)

    request_started.connect(count, weak=False)
    yield seen
    request_started.disconnect(count)


async def get(path, app=application, headers=AUTH, base=BASE):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("10.1.1.1", 4000)), base_url=base
    ) as client:
        return await client.get(path, headers=headers)


@pytest.mark.parametrize(
    "bot,path",
    [
        ("default", "/api/status"),
        ("eth", "/api/bots/eth/status"),
        ("default", "/api/orders"),
        ("eth", "/api/bots/eth/uptime"),
    ],
)
async def test_published_reads_skip_django_and_match_the_api(token, django_requests, bot, path):
    await sync_to_async(make_bot)("eth", symbol="ETH-USD")
    await publish(make_snapshot(bot=bot, mid="3150.5"))
    fast = await get(path)
    assert fast.status_code == 200 and django_requests == []
    through_django = await get(path, app=django_asgi_app)
    assert len(django_requests) == 1
    assert fast.json() == through_django.json() != {}
    assert fast.headers["content-type"] == through_django.headers["content-type"]
    assert fast.headers["x-content-type-options"] == "nosniff"


async def test_a_new_snapshot_is_served_at_once(token):
    await publish(make_snapshot(mid="100.5"))
    assert (await get("/api/status")).json()["market"]["mid"] == "100.5"
    await publish(make_snapshot(mid="200.5"))
    assert (await get("/api/status")).json()["market"]["mid"] == "200.5"


@pytest.mark.parametrize(
    "headers,base,status",
    [
        ({}, BASE, 401),  # no token: Django asks for one
        ({"Authorization": "Bearer wrong"}, BASE, 401),  # wrong token: Django counts it
        (AUTH, "http://evil.example", 400),  # a Host not allowed
    ],
)
async def test_what_it_cannot_answer_goes_to_django(token, django_requests, headers, base, status):
    await publish(make_snapshot())
    assert (await get("/api/status", headers=headers, base=base)).status_code == status
    assert len(django_requests) == 1


async def test_without_a_published_snapshot_django_reads_the_database(token, django_requests):
    response = await get("/api/status")
    assert response.status_code == 200 and response.json()["state"] == "no engine connected"
    assert len(django_requests) == 1


async def test_an_address_over_its_failure_budget_is_slowed_only_when_wrong(token, django_requests):
    await publish(make_snapshot())
    wrong = {"Authorization": "Bearer x"}
    for _ in range(throttle.FAILURE_LIMIT):
        assert (await get("/api/status", headers=wrong)).status_code == 401
    refused = await get("/api/status", headers=wrong)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    before = len(django_requests)
    assert (await get("/api/status")).status_code == 200  # the right token, still fast
    assert len(django_requests) == before
