"""What the outside-in probe found, against a real web tier (uvicorn serving mmsite.asgi in
its own process) with DJANGO_DEBUG=true, the setting that made it worse: an unknown
WebSocket path is a 404 (was a 500 and a traceback), an unknown /api/ path a JSON 404 (was
Django's URL list, without a login), a 3 MB body under /api/ a JSON 413 (was an HTML page),
and another scheme's Authorization header never reaches the log (was logged in full)."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.dashboard.webtier import API_TOKEN, auth, web_tier


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("web-answers")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_DEBUG", "true")
        with web_tier(data_dir) as base:
            yield base, data_dir / "web.log"


def test_an_unknown_websocket_path_is_a_404(web):
    base, log = web
    with pytest.raises(InvalidStatus) as refused:
        connect(base.replace("http", "ws") + "/ws/nope/", additional_headers=auth())
    assert refused.value.response.status_code == 404
    assert b"no WebSocket at /ws/nope/" in refused.value.response.body
    assert "Traceback" not in log.read_text()


def test_an_unknown_api_path_is_a_json_404_without_the_url_list(web):
    base, _ = web
    response = httpx.get(f"{base}/api/nope", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"detail": "no API path /api/nope"}


def test_a_3_mb_body_is_a_json_413(web):
    base, _ = web
    body = b'{"spread_bps": "' + b"1" * 3_000_000 + b'"}'
    headers = {**auth(), "Content-Type": "application/json"}
    response = httpx.post(f"{base}/api/config", content=body, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")


def test_another_schemes_token_is_refused_and_not_logged(web):
    base, log = web
    for header in (f"Token {API_TOKEN}", f"token {API_TOKEN}"):
        response = httpx.get(f"{base}/api/status", headers={"Authorization": header}, timeout=10)
        assert response.status_code == 401
    assert API_TOKEN not in log.read_text()
