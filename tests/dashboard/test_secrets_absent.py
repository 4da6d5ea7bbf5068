"""Secrets (JWT, Ed25519 key, API token) never reach a page, an API response or a log."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from mmsite.env import Secret
from tests.dashboard.conftest import make_bot
from tests.dashboard.snapshots import make_snapshot, publish_sync
from trading.core.summary import summarize

pytestmark = pytest.mark.django_db

FAKE = {
    "STANDX_JWT_TOKEN": "eyJFAKEJWT.fake-jwt-payload-9d8c7b.signatureZZ",
    "STANDX_ED25519_PRIVATE_KEY": "FakeEd25519Key5Hue3vJ8s7q9ZzXyW4u2TtRrQqPpOoNn",
    "API_TOKEN": "fake-api-token-71c0ffee42",
    "DJANGO_SECRET_KEY": None,  # SECRET_KEY itself: checked below
}


@pytest.fixture
def secret_settings(settings):
    for name, value in FAKE.items():
        if value:
            setattr(settings, name, Secret(value))
    return settings


def _leaks(text: str, settings) -> list[str]:
    needles = [v for v in FAKE.values() if v] + [settings.SECRET_KEY]
    return [n for n in needles if n in text]


def test_pages_api_and_logs_carry_no_secret(secret_settings, client_in, sent, caplog):
    caplog.set_level(logging.DEBUG)
    publish_sync(make_snapshot())
    token_client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {FAKE['API_TOKEN']}"}
    make_bot("eth")
    publish_sync(make_snapshot(bot="eth"))
    bodies = [
        client_in.get(p).content.decode()
        for p in (
            "/",
            "/bots/",
            "/bots/default/",
            "/bots/eth/",
            "/api/docs",
            "/api/openapi.json",
            "/accounts/login/",
            "/admin/",
        )
    ]
    for path in (
        "/api/status",
        "/api/orders",
        "/api/uptime",
        "/api/bots",
        "/api/bots/eth/status",
        "/api/bots/eth/orders",
        "/api/bots/eth/uptime",
    ):
        bodies.append(token_client.get(path, **auth).content.decode())
    for path in (
        "/api/start",
        "/api/stop",
        "/api/kill",
        "/api/bots/eth/start",
        "/api/bots/eth/stop",
        "/api/bots/eth/kill",
    ):
        bodies.append(token_client.post(path, **auth).content.decode())
    bodies.append(client_in.post("/bots/kill-all", HTTP_HX_REQUEST="true").content.decode())
    for path in ("/api/config", "/api/bots/eth/config"):
        bodies.append(
            token_client.post(
                path, json.dumps({"spread_bps": 10}), content_type="application/json", **auth
            ).content.decode()
        )
    bodies.append(
        token_client.post(
            "/api/config", json.dumps({"spread_bps": -1}), content_type="application/json", **auth
        ).content.decode()
    )
    bodies.append(Client().get("/api/status", HTTP_AUTHORIZATION="Bearer wrong").content.decode())
    bodies.append(token_client.get("/metrics", **auth).content.decode())
    bodies.append(Client().get("/healthz").content.decode())
    for body in bodies:
        assert _leaks(body, secret_settings) == []
    assert _leaks(caplog.text, secret_settings) == []
    assert _leaks(json.dumps(sent), secret_settings) == []


def test_rendered_panels_and_rows_carry_no_secret(secret_settings):
    from dashboard.render import render_oob, render_rows
    from dashboard.state import db_snapshot

    html = render_oob(db_snapshot("default")) + render_oob(make_snapshot())
    html += render_rows([summarize(db_snapshot("default")), summarize(make_snapshot())], oob=True)
    assert _leaks(html, secret_settings) == []
