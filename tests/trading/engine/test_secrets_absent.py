"""No secret reaches any output of a running engine: with real credentials set (the
simulator account's JWT and Ed25519 key, and an API token), an engine that quotes, requotes,
meets exchange errors, is killed, started and stopped leaves none of them in a published
snapshot or summary (as the JSON stream and the page would send them), a database row, a
log line (DEBUG, the whole run) or an API response."""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import base58
import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.test import Client

from dashboard.render import render_oob, render_rows
from mmsite.env import Secret
from tests.trading.engine.conftest import MID, SYMBOL, wait_until
from trading import bus
from trading.standx.signing import decode_private_key

pytestmark = pytest.mark.django_db(transaction=True)

API_TOKEN = "engine-secrets-api-token-6a1f0c9e2b"


def secret_needles(jwt: str, private_key: str) -> dict[str, str]:
    """Each secret, and the parts of it that would leak it if a message were cut short."""
    header, payload, signature = jwt.split(".")
    return {
        "jwt": jwt,
        "jwt payload": payload,
        "jwt signature": signature,
        "private key": private_key,
        "private key head": private_key[:16],
        "private key hex": base58.b58decode(private_key).hex(),
        "private key seed hex": decode_private_key(private_key).hex(),
        "api token": API_TOKEN,
    }


def leaks(text: str, needles: dict[str, str]) -> list[str]:
    return [name for name, needle in needles.items() if needle in text]


@pytest.fixture
def published(monkeypatch) -> list[tuple[dict, dict]]:
    """Every snapshot and summary the engine publishes (then published as usual)."""
    seen: list[tuple[dict, dict]] = []
    publish = bus.publish_snapshot

    async def record(snapshot: dict, summary: dict) -> None:
        seen.append(json.loads(json.dumps((snapshot, summary), default=str)))
        await publish(snapshot, summary)

    monkeypatch.setattr(bus, "publish_snapshot", record)
    return seen


@sync_to_async
def api_bodies() -> list[str]:
    client, auth = Client(), {"Authorization": f"Bearer {API_TOKEN}"}
    bodies = []
    for path in ("/api/status", "/api/orders", "/api/uptime", "/api/bots"):
        response = client.get(path, headers=auth)
        assert response.status_code == 200, (path, response.content)
        bodies.append(response.content.decode())
    metrics = client.get("/metrics", headers=auth)
    assert metrics.status_code == 200 and b"mmbot_up" in metrics.content
    bodies += [metrics.content.decode(), client.get("/healthz").content.decode()]
    return bodies


@sync_to_async
def every_database_row() -> str:
    return json.dumps(
        [list(model._default_manager.values()) for model in apps.get_models()], default=str
    )


async def exercise(world, running) -> list[str]:
    """Quotes, a requote, a kill switch trip, a start, a manual kill; API bodies meanwhile."""
    engine = running.engine
    await wait_until(lambda: world.two_sided() and len(world.ours()) == 2, what="first quotes")
    first = {o.cl_ord_id for o in world.ours()}
    world.exchange.market.set_mid(SYMBOL, MID * Decimal("1.0004"))
    await wait_until(
        lambda: world.two_sided() and not first & {o.cl_ord_id for o in world.ours()},
        what="a requote",
    )
    world.exchange.set_faults(http_5xx_share=1.0)
    await wait_until(lambda: engine.state == "killed", timeout=10, what="the kill switch")
    world.exchange.set_faults(http_5xx_share=0.0)
    await wait_until(lambda: world.ours() == [], timeout=10, what="the kill's cleanup")
    await bus.send_control("default", "start", user="tester")
    await wait_until(world.two_sided, what="quotes after the start")
    bodies = await api_bodies()
    await bus.send_control("default", "kill", user="tester")
    await wait_until(lambda: engine.state == "killed" and world.ours() == [], what="manual kill")
    return bodies + await api_bodies()


async def test_no_secret_reaches_snapshots_rows_logs_or_the_api(
    world, start_engine, settings, caplog, published
):
    caplog.set_level(logging.DEBUG)  # as LOG_LEVEL=debug: the loggers settings pin stay
    settings.API_TOKEN = Secret(API_TOKEN)
    settings.STANDX_JWT_TOKEN = Secret(world.token)
    settings.STANDX_ED25519_PRIVATE_KEY = Secret(world.private_key)
    needles = secret_needles(world.token, world.private_key)
    running = await start_engine(max_consecutive_failures=3)
    bodies = await exercise(world, running)
    await running.stop()

    assert len(published) > 5
    for snapshot, summary in published:
        assert leaks(json.dumps(snapshot), needles) == [], snapshot
        assert leaks(json.dumps(summary), needles) == [], summary
    snapshot, summary = published[-1]
    assert leaks(render_oob(snapshot) + render_rows([summary], oob=True), needles) == []
    assert leaks(json.dumps(bus.latest_snapshot("default"), default=str), needles) == []
    for body in bodies:
        assert leaks(body, needles) == [], body
    rows = await every_database_row()
    assert "kill switch" in rows and leaks(rows, needles) == []
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "ServerError" in logged and leaks(logged, needles) == []
    # websockets logs every frame at DEBUG, our auth frame (the JWT) included: settings keep
    # that logger above DEBUG whatever LOG_LEVEL says.
    assert not logging.getLogger("websockets").isEnabledFor(logging.DEBUG)
