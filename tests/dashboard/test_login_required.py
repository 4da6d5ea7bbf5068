"""Nothing without a staff login: pages redirect to the login page, posts get 403."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.dashboard.conftest import config_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/bots/", "/bots/default/"])
def test_dashboard_redirects_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_login_page_lets_a_createsuperuser_user_in():
    get_user_model().objects.create_superuser("boss", password="correct horse")
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b"one-time link" in page.content
    response = client.post("/accounts/login/", {"username": "boss", "password": "correct horse"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_stays_out():
    get_user_model().objects.create_superuser("boss", password="correct horse")
    client = Client()
    response = client.post("/accounts/login/", {"username": "boss", "password": "nope"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_non_staff_user_is_not_an_operator(config, sent):
    user = get_user_model().objects.create_user("viewer", password="pw-123456")
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 403
    before = config_row()
    assert client.post("/control/kill").status_code == 403
    assert client.post("/config", {"spread_bps": "10"}).status_code == 403
    assert config_row() == before and sent == []


@pytest.mark.parametrize(
    "path",
    [
        "/control/start",
        "/control/stop",
        "/control/kill",
        "/config",
        "/bots/default/control/kill",
        "/bots/default/config",
        "/bots/kill-all",
    ],
)
def test_anonymous_posts_are_refused_and_change_nothing(path, config, sent):
    before = config_row()
    response = Client().post(
        path,
        {
            "symbol": "ETH-USD",
            "spread_bps": "10",
            "bid_notional": "5",
            "ask_notional": "5",
            "requote_threshold_bps": "5",
        },
    )
    assert response.status_code == 403
    assert config_row() == before and sent == []


def test_admin_needs_login():
    response = Client().get("/admin/trading/botconfig/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_api_docs_need_login():
    assert Client().get("/api/docs").status_code == 302


def test_logout_is_a_post_and_ends_the_session(client_in):
    assert client_in.post("/accounts/logout/").status_code == 302
    assert client_in.get("/").status_code == 302
