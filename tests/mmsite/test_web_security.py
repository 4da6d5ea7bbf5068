"""Secrets and the web server: a Secret never shows in repr/str/format, API_TOKEN must be
long enough (and is never printed), WEB_HOST off loopback needs an explicit opt-in."""

import pytest
from django.conf import settings

from mmsite import env
from mmsite.env import Secret
from tests.mmsite.startup import run_check


def test_secret_never_shows_in_repr_str_or_format():
    secret = Secret("super-secret-token")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr({"k": secret})):
        assert "super-secret-token" not in text
    assert secret.reveal() == "super-secret-token"
    assert repr(settings.STANDX_JWT_TOKEN).startswith("Secret(")


def test_a_short_api_token_stops_startup_without_showing_it():
    token = "S3CRET-short"
    result = run_check(API_TOKEN=token)
    assert result.returncode != 0
    assert "API_TOKEN is too short (12 characters)" in result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in result.stderr
    assert token not in result.stdout + result.stderr


def test_an_api_token_of_24_characters_starts():
    assert run_check(API_TOKEN="a" * 23).returncode != 0
    result = run_check(API_TOKEN="a" * 24)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "dashboard.example.org"])
def test_web_host_off_loopback_needs_an_explicit_opt_in(host):
    result = run_check(WEB_HOST=host)
    assert result.returncode != 0
    assert f"WEB_HOST={host!r} is not a loopback address" in result.stderr
    assert "unencrypted" in result.stderr and "set WEB_ALLOW_REMOTE=true" in result.stderr
    assert run_check(WEB_HOST=host, WEB_ALLOW_REMOTE="true").returncode == 0


@pytest.mark.parametrize(
    "host,loopback",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("localhost.example", False),
        ("", False),
    ],
)
def test_loopback_is_127_8_or_ipv6_1_or_localhost(host, loopback):
    assert env.is_loopback(host) is loopback
