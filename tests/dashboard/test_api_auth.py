"""API access: staff session (+ CSRF on writes) or the bearer API token; nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from mmsite.env import Secret
from tests.dashboard.conftest import config_row, csrf_token

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "/api/start"),
    ("post", "/api/stop"),
    ("post", "/api/kill"),
    ("get", "/api/status"),
    ("get", "/api/orders"),
    ("get", "/api/uptime"),
    ("post", "/api/config"),
    ("get", "/api/bots"),
]
ENDPOINTS += [
    (method, path.replace("/api/", "/api/bots/default/")) for method, path in ENDPOINTS[:7]
]
TOKEN = "tok-3f9a7c1e5b2d"


@pytest.fixture
def api_token(settings):
    settings.API_TOKEN = Secret(TOKEN)


def _call(client, method, path, **extra):
    if method == "post":
        return client.post(path, '{"spread_bps": "10"}', content_type="application/json", **extra)
    return client.get(path, **extra)


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_anonymous_is_refused(method, path, config, sent, api_token):
    before = config_row()
    assert _call(Client(), method, path).status_code == 401
    assert config_row() == before and sent == []


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_wrong_token_is_refused(method, path, config, sent, api_token):
    response = _call(Client(), method, path, HTTP_AUTHORIZATION="Bearer wrong-token")
    assert response.status_code == 401 and sent == []


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_empty_api_token_setting_disables_tokens(method, path, config, sent, settings):
    settings.API_TOKEN = Secret("")
    assert _call(Client(), method, path, HTTP_AUTHORIZATION="Bearer ").status_code == 401
    assert sent == []


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_token_works_without_csrf(method, path, config, sent, api_token):
    client = Client(enforce_csrf_checks=True)
    response = _call(client, method, path, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method,path", [e for e in ENDPOINTS if e[0] == "post"])
def test_session_write_without_csrf_is_refused(method, path, csrf_client_in, config, sent):
    before = config_row()
    assert _call(csrf_client_in, method, path).status_code == 403
    assert config_row() == before and sent == []


@pytest.mark.parametrize("method,path", [e for e in ENDPOINTS if e[0] == "post"])
def test_session_write_with_csrf_works(method, path, csrf_client_in, config, sent):
    token = csrf_token(csrf_client_in)
    assert _call(csrf_client_in, method, path, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_cross_site_session_write_is_refused(csrf_client_in, config, sent):
    token = csrf_token(csrf_client_in)
    response = _call(
        csrf_client_in,
        "post",
        "/api/kill",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403 and sent == []


@pytest.mark.parametrize("method,path", [e for e in ENDPOINTS if e[0] == "get"])
def test_session_reads_need_no_csrf(method, path, csrf_client_in, config):
    assert _call(csrf_client_in, method, path).status_code == 200


def test_non_staff_session_is_refused(config, sent, django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_user("viewer", password="pw-123456"))
    response = client.get("/api/status")
    assert response.status_code == 403 and "not a staff user" in response.json()["detail"]
