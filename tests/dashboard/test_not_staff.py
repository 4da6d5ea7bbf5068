"""A logged-in user who is not staff is told so (403), never bounced between a page and the
login page: following every redirect ends on a page, within a few hops."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(config) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_user("viewer", password="pw-123456"))
    return client


@pytest.mark.parametrize("path", ["/", "/bots/", "/bots/default/", "/accounts/login/?next=/"])
def test_following_redirects_ends_without_a_loop(viewer_client, path):
    response = viewer_client.get(path, follow=True)
    assert len(response.redirect_chain) <= 1, response.redirect_chain
    assert response.status_code in (200, 403)


@pytest.mark.parametrize("path", ["/", "/bots/", "/bots/default/"])
def test_pages_say_not_staff_and_offer_to_log_out(viewer_client, path):
    response = viewer_client.get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert "not a staff user" in html and 'action="/accounts/logout/"' in html


def test_login_page_shows_the_form_to_switch_user(viewer_client):
    response = viewer_client.get("/accounts/login/?next=/")
    assert response.status_code == 200 and b'name="password"' in response.content


def test_staff_user_is_still_sent_on_from_the_login_page(client_in):
    response = client_in.get("/accounts/login/?next=/bots/")
    assert response.status_code == 302 and response["Location"] == "/bots/"


def test_api_answers_403_json(viewer_client):
    response = viewer_client.get("/api/status")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "This account is not a staff user: only staff may see or steer the bots."
    }
