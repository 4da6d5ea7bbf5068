"""The API's error answers are JSON and say nothing they should not: an unknown path under
/api/ is a 404 JSON for everyone (Django's debug page lists every URL pattern, without a
login), a body over Django's upload limit is a 413 JSON (not an HTML 400 page), and an
Authorization header of another scheme (`Token <API_TOKEN>`, Basic) is refused without being
written to the log (django-ninja logs it in full at ERROR under DEBUG)."""

from __future__ import annotations

import base64
import logging

import pytest
from django.test import Client

from mmsite.env import Secret

pytestmark = pytest.mark.django_db

TOKEN = "answers-token-61d0b9c4e7"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def debug_and_token(settings):
    settings.DEBUG = True  # the worst case: what DJANGO_DEBUG=true shows
    settings.API_TOKEN = Secret(TOKEN)


@pytest.mark.parametrize("method", ["get", "post", "put"])
@pytest.mark.parametrize("path", ["/api/nope", "/api/bots/default/nope", "/api/status/extra"])
def test_an_unknown_api_path_is_a_json_404_for_everyone(config, method, path):
    for client, extra in ((Client(), {}), (Client(), BEARER)):
        response = getattr(client, method)(path, **extra)
        assert response.status_code == 404
        assert response.json() == {"detail": f"no API path {path}"}


def test_a_body_over_the_upload_limit_is_a_json_413(config, settings):
    body = b'{"spread_bps": "' + b"1" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = Client().post("/api/config", body, content_type="application/json", **BEARER)
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"request body over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
    }


@pytest.mark.parametrize(
    "header",
    [f"Token {TOKEN}", "Basic " + base64.b64encode(f"admin:{TOKEN}".encode()).decode(), TOKEN],
)
def test_another_schemes_credentials_are_refused_and_never_logged(config, caplog, header):
    with caplog.at_level(logging.DEBUG):
        response = Client().get("/api/status", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged and header.split()[-1] not in logged
