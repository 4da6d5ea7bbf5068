"""`manage.py loginlink` prints a one-time link that logs a browser in once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_the_printed_link_logs_in_once(client):
    out = StringIO()
    call_command("loginlink", "--url", "https://mm.example.org/", stdout=out)
    link = out.getvalue().strip()
    assert link.startswith("https://mm.example.org/accounts/link/")
    path = link.removeprefix("https://mm.example.org")
    assert client.get(path).status_code == 302
    assert client.get("/").status_code == 200  # logged in
    client.logout()
    again = client.get(path)  # used: back to the login page
    assert again.status_code == 200 and b"That login link is used up or expired" in again.content
    assert client.get("/").status_code == 302


def test_a_bad_url_is_refused():
    with pytest.raises(CommandError, match="not an http"):
        call_command("loginlink", "--url", "javascript:alert(1)")
