"""The one-time login link runbot prints: single use, expires, stored hashed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from dashboard.auth import LINK_LIFETIME, issue_login_link
from dashboard.models import LoginToken

pytestmark = pytest.mark.django_db


def _path(link: str) -> str:
    return urlparse(link).path


def test_link_logs_in_as_local_superuser_with_unusable_password():
    link = issue_login_link("http://127.0.0.1:8000/")
    assert link.startswith("http://127.0.0.1:8000/accounts/link/")
    client = Client()
    response = client.get(_path(link))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()


def test_link_works_once_only():
    link = issue_login_link("http://127.0.0.1:8000")
    assert Client().get(_path(link)).status_code == 302
    second = Client()
    response = second.get(_path(link))
    assert response.status_code == 200 and b"used up or expired" in response.content
    assert second.get("/").status_code == 302  # still not logged in


def test_expired_link_is_refused(monkeypatch):
    link = issue_login_link("http://127.0.0.1:8000/")
    later = timezone.now() + LINK_LIFETIME + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = Client()
    assert b"used up or expired" in client.get(_path(link)).content
    assert client.get("/").status_code == 302


def test_unknown_token_is_refused():
    issue_login_link("http://127.0.0.1:8000/")
    client = Client()
    assert b"used up or expired" in client.get("/accounts/link/not-a-real-token").content
    assert "_auth_user_id" not in client.session


def test_only_a_hash_of_the_token_is_stored():
    link = issue_login_link("http://127.0.0.1:8000/")
    token = _path(link).rsplit("/", 1)[1]
    stored = LoginToken.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.expires_at - stored.created_at <= LINK_LIFETIME + dt.timedelta(seconds=1)


def test_each_link_is_different_and_expired_rows_are_pruned(monkeypatch):
    first = issue_login_link("http://h/")
    later = timezone.now() + LINK_LIFETIME * 2
    monkeypatch.setattr(timezone, "now", lambda: later)
    second = issue_login_link("http://h/")
    assert first != second
    assert LoginToken.objects.count() == 1
