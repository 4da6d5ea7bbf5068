"""DATA_DIR, the database and the key file: private modes on a new install, an existing one
tightened with a warning, a shared directory left alone, clear errors when a path cannot be
written, and a key of the install's own that a published one never is."""

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mmsite import datadir
from tests.mmsite.startup import run_check, run_python


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


WRITE_WHILE_OPEN = """
import json, sqlite3
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:                  # WAL: -wal and -shm exist while open
    cursor.execute("CREATE TABLE t (x)")
    cursor.execute("INSERT INTO t VALUES (1)")
    print(json.dumps({p.name: oct(p.stat().st_mode & 0o777) for p in settings.DATA_DIR.iterdir()}))
connection.close()
raw = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
raw.execute("PRAGMA journal_mode=DELETE")            # a rollback journal, mid-transaction
raw.execute("BEGIN IMMEDIATE")
raw.execute("INSERT INTO t VALUES (2)")
print(json.dumps({p.name: oct(p.stat().st_mode & 0o777) for p in settings.DATA_DIR.iterdir()}))
raw.execute("COMMIT")
"""


def test_a_new_data_dir_is_private_and_so_are_the_database_and_key(tmp_path):
    data = tmp_path / "new" / "var"
    result = run_python(WRITE_WHILE_OPEN, DATA_DIR=str(data))
    assert result.returncode == 0, result.stderr
    with_wal, with_journal = (json.loads(line) for line in result.stdout.splitlines())
    assert with_wal == {
        "db.sqlite3": "0o600",
        "db.sqlite3-wal": "0o600",
        "db.sqlite3-shm": "0o600",
        "secret_key": "0o600",
    }
    assert with_journal == {
        "db.sqlite3": "0o600",
        "db.sqlite3-journal": "0o600",
        "secret_key": "0o600",
    }
    assert mode(data) == 0o700
    assert result.stderr == ""  # nothing to warn about


def test_an_existing_install_open_to_others_is_tightened_with_a_warning(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "secret_key"):
        (data / name).write_text("k" * 60 if name == "secret_key" else "")
        (data / name).chmod(0o644)
    data.chmod(0o755)
    result = run_check(DATA_DIR=str(data))
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    assert {p.name: mode(p) for p in data.iterdir()} == dict.fromkeys(
        ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm", "secret_key"), 0o600
    )
    assert f"DATA_DIR {data} was open to other users (mode 755): tightened to 700." in result.stderr
    assert (
        f"{data}/db.sqlite3-wal was readable by other users (mode 644): tightened to 600."
        in result.stderr
    )
    assert (data / "secret_key").read_text() == "k" * 60  # the install keeps its key


def test_a_shared_data_dir_is_left_alone_with_a_warning(tmp_path):
    """A directory like /tmp (sticky bit) belongs to everyone: never chmod it, say so."""
    data = tmp_path / "shared"
    data.mkdir()
    data.chmod(0o1777)
    result = run_check(DATA_DIR=str(data))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o1777
    assert "is open to other users (mode 1777) and is not ours to change" in result.stderr
    assert mode(data / "db.sqlite3") == 0o600 and mode(data / "secret_key") == 0o600


def test_an_unwritable_database_path_stops_startup_clearly(tmp_path):
    result = run_check(DATA_DIR=str(tmp_path), SQLITE_PATH=str(tmp_path / "missing" / "db.sqlite3"))
    assert result.returncode != 0
    assert (
        f"The SQLite database {tmp_path}/missing/db.sqlite3 cannot be opened for writing"
        in result.stderr
    )


def test_each_install_makes_its_own_key_and_keeps_it(tmp_path):
    first = datadir.generated_secret_key(tmp_path / "a_key")
    assert len(first) >= 50 and first != datadir.generated_secret_key(tmp_path / "b_key")
    assert datadir.generated_secret_key(tmp_path / "a_key") == first
    assert mode(tmp_path / "a_key") == 0o600 and sorted(os.listdir(tmp_path)) == ["a_key", "b_key"]


def test_a_key_file_that_cannot_be_written_stops_startup_clearly(tmp_path):
    with pytest.raises(
        ImproperlyConfigured,
        match="The secret key file .* cannot be read or written .*set DJANGO_SECRET_KEY",
    ):
        datadir.generated_secret_key(tmp_path / "missing" / "secret_key")


def test_a_published_key_is_replaced(tmp_path, monkeypatch, caplog):
    key_file = tmp_path / "secret_key"
    key_file.write_text("published-in-the-repository\n")
    monkeypatch.setattr(
        datadir,
        "PUBLIC_SECRET_KEYS",
        frozenset({hashlib.sha256(b"published-in-the-repository").hexdigest()}),
    )
    fresh = datadir.generated_secret_key(key_file)
    assert fresh != "published-in-the-repository" and key_file.read_text() == fresh
    assert "was published with the source code: replaced" in caplog.text
