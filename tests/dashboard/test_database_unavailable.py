"""A locked SQLite file (another connection holds BEGIN EXCLUSIVE) makes writes impossible:
the web tier answers 503 with Retry-After well within an HTTP client's timeout, JSON under
/api/ and a plain page elsewhere, and changes nothing; once the lock is gone it works again.
A real server process on a real file: the in-process test client shares one connection."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from tests.dashboard import webtier

AUTH = webtier.auth()
CLIENT_TIMEOUT = 10.0  # a script's patience; SQLite's own busy timeout is 20 s


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("locked")
    with webtier.web_tier(data_dir) as url:
        env = {**webtier._environment(data_dir, ""), "DJANGO_SUPERUSER_PASSWORD": "pw-locked-123"}
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "createsuperuser",
                "--noinput",
                "--username",
                "boss",
                "--email",
                "b@x.invalid",
            ],
            cwd=webtier.ROOT,
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
        yield Web(url, data_dir / "db.sqlite3")


class Web(NamedTuple):
    url: str
    db: Path


@contextlib.contextmanager
def locked(db):
    locker = sqlite3.connect(db, timeout=5, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def stored_spread(db) -> str:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return conn.execute(
            "select spread_bps from trading_botconfig where name='default'"
        ).fetchone()[0]


def test_api_write_on_a_locked_database_is_a_quick_json_503(web):
    httpx.get(web.url + "/api/status", headers=AUTH, timeout=CLIENT_TIMEOUT)  # the row exists
    before = stored_spread(web.db)
    with locked(web.db):
        response = httpx.post(
            web.url + "/api/config",
            json={"spread_bps": "12.5"},
            headers=AUTH,
            timeout=CLIENT_TIMEOUT,
        )
    assert response.status_code == 503, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "detail": "database unavailable: database is locked; try again shortly"
    }
    assert int(response.headers["retry-after"]) > 0
    assert stored_spread(web.db) == before
    again = httpx.post(
        web.url + "/api/config", json={"spread_bps": "12.5"}, headers=AUTH, timeout=CLIENT_TIMEOUT
    )
    assert again.status_code == 200 and again.json()["config"]["spread_bps"] == "12.5"


def test_reads_still_work_while_locked(web):
    """WAL: readers never wait for the writer's lock."""
    with locked(web.db):
        response = httpx.get(web.url + "/api/status", headers=AUTH, timeout=CLIENT_TIMEOUT)
    assert response.status_code == 200 and response.json()["bot"] == "default"


def test_login_on_a_locked_database_is_a_plain_503_page(web):
    with httpx.Client(base_url=web.url, timeout=CLIENT_TIMEOUT) as browser:
        browser.get("/accounts/login/")
        form = {
            "username": "boss",
            "password": "pw-locked-123",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        }
        with locked(web.db):
            response = browser.post("/accounts/login/", data=form)
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "database is locked" in response.text and int(response.headers["retry-after"]) > 0
        assert browser.post("/accounts/login/", data=form).status_code == 302
