"""Start, stop and kill: POST with CSRF, one control message each, nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.dashboard.conftest import config_row, csrf_token
from tests.dashboard.snapshots import make_snapshot, publish_sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["start", "stop", "kill"])
def test_control_sends_one_message(client_in, sent, action):
    response = client_in.post(f"/control/{action}")
    assert response.status_code == 302
    assert sent == [{"bot": "default", "action": action, "user": "trader", "source": "dashboard"}]


def test_htmx_control_returns_the_flash_fragment(client_in, sent):
    publish_sync(make_snapshot())
    response = client_in.post("/control/stop", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"stop: sent to the engine" in response.content


def test_without_an_engine_report_the_flash_says_so(client_in, sent):
    response = client_in.post("/control/stop", HTTP_HX_REQUEST="true")
    assert b"no engine has reported" in response.content and len(sent) == 1


def test_unknown_action_is_refused(client_in, sent):
    assert client_in.post("/control/liquidate").status_code == 404
    assert sent == []


def test_get_does_not_act(client_in, sent):
    assert client_in.get("/control/kill").status_code == 405
    assert sent == []


def test_without_csrf_token_nothing_is_sent(csrf_client_in, sent, config):
    before = config_row()
    assert csrf_client_in.post("/control/kill").status_code == 403
    assert sent == [] and config_row() == before


def test_with_csrf_token_the_header_works(csrf_client_in, sent):
    token = csrf_token(csrf_client_in)
    response = csrf_client_in.post("/control/kill", HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and [m["action"] for m in sent] == ["kill"]


def test_cross_site_post_is_refused_even_with_a_token(csrf_client_in, sent):
    token = csrf_token(csrf_client_in)
    response = csrf_client_in.post(
        "/control/kill", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://evil.example"
    )
    assert response.status_code == 403 and sent == []


def test_unreachable_engine_is_reported(client_in, unreachable_layer):
    response = client_in.post("/control/start", HTTP_HX_REQUEST="true")
    assert b"not reachable" in response.content and b"flash-bad" in response.content


def test_anonymous_client_with_valid_csrf_still_refused(sent, db):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post("/control/start", HTTP_X_CSRFTOKEN=token).status_code == 403
    assert sent == []
