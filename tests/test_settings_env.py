"""Settings: .env.example documents every variable, and bad values stop startup clearly."""

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mmsite import datadir, env
from mmsite.env import Secret
from trading.fleet import accounts

ROOT = Path(__file__).resolve().parent.parent


def example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def account_variable(name: str) -> bool:
    """Per-account variables (STANDX_<NAME>_...) are documented as patterns, not one by one."""
    return any(
        re.fullmatch(p.replace("{NAME}", "[A-Z][A-Z0-9_]*"), name)
        for p in accounts.ACCOUNT_VARIABLE_PATTERNS
    )


def test_env_example_lists_every_variable_settings_read():
    assert settings.configured
    missing = {n for n in env.READ_VARIABLES - example_names() if not account_variable(n)}
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_documents_the_per_account_patterns():
    text = (ROOT / ".env.example").read_text()
    for pattern in accounts.ACCOUNT_VARIABLE_PATTERNS:
        assert "#   " + pattern.replace("{NAME}", "<NAME>") + "=" in text, pattern
    assert account_variable("STANDX_MAIN_JWT_TOKEN") and not account_variable("STANDX_JWT_TOKEN")


def test_env_example_has_no_variable_settings_ignore():
    extra = example_names() - env.READ_VARIABLES
    assert not extra, f".env.example lists unused {sorted(extra)}"


ORIGINAL_DEFAULTS = {
    "SYMBOL": "BTC-USD",
    "SPREAD_BPS": "50.0",
    "BID_NOTIONAL": "30.0",
    "ASK_NOTIONAL": "30.0",
    "REFRESH_INTERVAL": "1.0",
    "REQUOTE_THRESHOLD_BPS": "25.0",
    "PROXIMITY_GUARD_BPS": "1.0",
    "MAX_NOTIONAL": "10000.0",
    "MAX_CONSECUTIVE_FAILURES": "5",
    "STALE_ORDER_SECONDS": "30",
    "MAX_SPREAD_DEVIATION_BPS": "200",
    "UPTIME_TARGET_MINUTES": "30",
    "STANDX_CHAIN": "bsc",
    "STANDX_API_BASE": "https://perps.standx.com",
    "STANDX_WS_URL": "wss://perps.standx.com/ws-stream/v1",
}


def test_original_variables_keep_their_defaults():
    from decimal import Decimal

    d = settings.BOT_DEFAULTS
    assert d["symbol"] == "BTC-USD"
    assert d["spread_bps"] == Decimal("50.0") and d["bid_notional"] == Decimal("30.0")
    assert d["ask_notional"] == Decimal("30.0") and d["refresh_interval"] == Decimal("1.0")
    assert d["requote_threshold_bps"] == Decimal("25") and d["proximity_guard_bps"] == Decimal("1")
    assert d["max_notional"] == Decimal("10000") and d["max_consecutive_failures"] == 5
    assert d["stale_order_seconds"] == Decimal("30") and d["max_spread_deviation_bps"] == Decimal(
        "200"
    )
    assert d["uptime_target_minutes"] == 30 and d["uptime_band_bps"] == Decimal("10")
    assert d["requote_mode"] == "make_before_break"
    assert settings.STANDX_MODE == "sim" and settings.STANDX_CHAIN == "bsc"
    assert settings.STANDX_API_BASE == "https://perps.standx.com"
    assert settings.STANDX_WS_URL == "wss://perps.standx.com/ws-stream/v1"
    assert settings.WEB_HOST == "127.0.0.1" and settings.WEB_PORT == 8000
    assert settings.CHANNEL_LAYER == "memory"
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name, default in ORIGINAL_DEFAULTS.items():
        assert example[name] == default, name


def run_check(**overrides) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("SPREAD_BPS", "abc", "SPREAD_BPS='abc' is not valid: expected a decimal number"),
        ("SPREAD_BPS", "-5", "SPREAD_BPS='-5' is not valid: expected a number greater than 0"),
        ("SPREAD_BPS", "NaN", "SPREAD_BPS='NaN' is not valid: expected a finite decimal number"),
        (
            "MAX_CONSECUTIVE_FAILURES",
            "2.5",
            "MAX_CONSECUTIVE_FAILURES='2.5' is not valid: expected a whole number",
        ),
        ("STANDX_MODE", "paper", "STANDX_MODE='paper' is not valid: expected one of sim, live"),
        ("REQUOTE_MODE", "yolo", "expected one of make_before_break, cancel_first"),
        ("WEB_PORT", "70000", "WEB_PORT='70000' is not valid: expected a number of at most 65535"),
        ("STANDX_WS_URL", "perps.standx.com", "expected a URL starting with ws:// or wss://"),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(name, value, expected):
    result = run_check(**{name: value})
    assert result.returncode != 0
    assert expected in result.stderr


def test_live_mode_without_credentials_refuses_to_start():
    result = run_check(STANDX_MODE="live")
    assert result.returncode != 0
    assert "STANDX_MODE=live needs STANDX_JWT_TOKEN and STANDX_ED25519_PRIVATE_KEY" in result.stderr


def test_live_mode_with_credentials_starts_and_never_prints_them():
    jwt, key = "header.payload.sig-SECRET-JWT", "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(STANDX_MODE="live", STANDX_JWT_TOKEN=jwt, STANDX_ED25519_PRIVATE_KEY=key)
    assert result.returncode == 0, result.stderr
    assert jwt not in result.stdout + result.stderr and key not in result.stdout + result.stderr


def test_secret_never_shows_in_repr_str_or_format():
    secret = Secret("super-secret-token")
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr({"k": secret})):
        assert "super-secret-token" not in text
    assert secret.reveal() == "super-secret-token"
    assert repr(settings.STANDX_JWT_TOKEN).startswith("Secret(")


SECRET_PW = "pw-S3CRET-never-printed"


@pytest.mark.parametrize(
    "overrides,expected",
    [
        (
            {"DATABASE_URL": f"mysql://u:{SECRET_PW}@db/mm"},
            "DATABASE_URL is not valid: scheme 'mysql'",
        ),
        ({"DATABASE_URL": f"sqlite:///{SECRET_PW}"}, "scheme 'sqlite' is not postgres"),
        ({"DATABASE_URL": "127.0.0.1/mm"}, "scheme '(none)' is not postgres"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:99999/mm"}, "the port is not a number"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:x/mm"}, "the port is not a number"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@/mm"}, "it needs a host and a database name"),
        ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/"}, "it needs a host and a database name"),
        (
            {"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?target_session_attrs=any"},
            "unsupported parameter(s) target_session_attrs",
        ),
        (
            {"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?sslmode=maybe"},
            "sslmode must be one of",
        ),
        ({"DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE='-1' is not valid"),
        ({"DATABASE_STATEMENT_TIMEOUT_MS": "5"}, "DATABASE_STATEMENT_TIMEOUT_MS='5' is not valid"),
        ({"REDIS_PREFIX": "a b"}, "REDIS_PREFIX='a b' is not valid"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "expected a URL starting with redis://"),
        ({"CHANNEL_LAYER": "rabbit"}, "CHANNEL_LAYER='rabbit' is not valid"),
        (
            {"LEASE_TTL_SECONDS": "1"},
            "LEASE_TTL_SECONDS='1' is not valid: expected a number of at least 3",
        ),
        ({"LEASE_TTL_SECONDS": "soon"}, "LEASE_TTL_SECONDS='soon' is not valid"),
        ({"LEASE_WAIT_SECONDS": "-1"}, "LEASE_WAIT_SECONDS='-1' is not valid"),
        ({"STANDX_ACCOUNTS": "Main"}, "'Main' is not an account name"),
        ({"STANDX_ACCOUNTS": "main,,alt"}, "'' is not an account name"),
        ({"STANDX_ACCOUNTS": "main-1"}, "'main-1' is not an account name"),
        ({"STANDX_ACCOUNTS": "main,alt,main"}, "STANDX_ACCOUNTS lists main more than once"),
        ({"STANDX_ACCOUNTS": "default"}, "STANDX_ACCOUNTS must not list 'default'"),
        ({"BOT_ACCOUNTS": "eth"}, "'eth' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "eth:"}, "'eth:' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "e th:default"}, "'e th:default' should be BOT:ACCOUNT"),
        ({"BOT_ACCOUNTS": "eth:alt"}, "BOT_ACCOUNTS maps bot 'eth' to unknown account 'alt'"),
        (
            {"BOT_ACCOUNTS": "eth:default,eth:default"},
            "BOT_ACCOUNTS lists bot 'eth' more than once",
        ),
        (
            {"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main"},
            "account 'main' lacks STANDX_MAIN_JWT_TOKEN and STANDX_MAIN_ED25519_PRIVATE_KEY",
        ),
        (
            {"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main", "STANDX_MAIN_JWT_TOKEN": SECRET_PW},
            "account 'main' lacks STANDX_MAIN_ED25519_PRIVATE_KEY",
        ),
        (
            {
                "STANDX_MODE": "live",
                "STANDX_ACCOUNTS": "main",
                "STANDX_JWT_TOKEN": SECRET_PW,
                "STANDX_MAIN_JWT_TOKEN": SECRET_PW,
                "STANDX_MAIN_ED25519_PRIVATE_KEY": SECRET_PW,
            },
            "account 'default' lacks STANDX_ED25519_PRIVATE_KEY",
        ),
    ],
)
def test_bad_split_or_account_setting_stops_startup_without_secrets(overrides, expected):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert expected in result.stderr
    assert SECRET_PW not in result.stdout + result.stderr


def test_live_mode_with_named_accounts_only_starts():
    key = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(
        STANDX_MODE="live",
        STANDX_ACCOUNTS="main,alt",
        BOT_ACCOUNTS="default:main,eth:alt",
        STANDX_MAIN_JWT_TOKEN=SECRET_PW,
        STANDX_MAIN_ED25519_PRIVATE_KEY=key,
        STANDX_ALT_JWT_TOKEN=SECRET_PW + "2",
        STANDX_ALT_ED25519_PRIVATE_KEY=key,
    )
    assert result.returncode == 0, result.stderr
    assert SECRET_PW not in result.stdout + result.stderr


def test_postgres_url_becomes_a_psycopg_database_with_timeouts():
    from mmsite.settings import postgres_database

    db = postgres_database(
        "postgresql://mm%40bot:p%2Fw@127.0.0.1:5433/mm_db?sslmode=require", 60, 1500
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("mm_db", "mm@bot", "p/w")
    assert (db["HOST"], db["PORT"], db["CONN_MAX_AGE"]) == ("127.0.0.1", "5433", 60)
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"] == {
        "connect_timeout": 10,
        "options": "-c statement_timeout=1500",
        "sslmode": "require",
    }
    assert postgres_database("postgres://db/mm", 0, 100)["PORT"] == "5432"


def test_default_storage_and_layer_stay_sqlite_and_memory():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert not settings.DATABASE_URL
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert list(settings.STANDX_ACCOUNTS) == ["default"] and settings.BOT_ACCOUNTS == {}


def test_redis_layer_settings_bound_capacity_and_expiry():
    code = (
        "from django.conf import settings; import json; "
        "print(json.dumps(settings.CHANNEL_LAYERS['default']))"
    )
    environment = dict(
        os.environ,
        CHANNEL_LAYER="redis",
        REDIS_URL="redis://127.0.0.1:6390/2",
        REDIS_PREFIX="mm-test",
        DJANGO_SETTINGS_MODULE="mmsite.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    layer = json.loads(result.stdout)
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"] == {
        "hosts": ["redis://127.0.0.1:6390/2"],
        "expiry": 10,
        "capacity": 100,
        "prefix": "mm-test",
    }


# ------------------------------------------------------ settings that guarantee a requote loop

LOOP_WHY = "replaced at once: a requote loop; make SPREAD_BPS wider than PROXIMITY_GUARD_BPS"


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"SPREAD_BPS": "0.5"}, "SPREAD_BPS (0.5) is not wider than PROXIMITY_GUARD_BPS (1)."),
        ({"SPREAD_BPS": "0.9"}, LOOP_WHY),
        ({"SPREAD_BPS": "2", "PROXIMITY_GUARD_BPS": "5"}, LOOP_WHY),
        ({"SPREAD_BPS": "1", "PROXIMITY_GUARD_BPS": "1"}, LOOP_WHY),
        (
            {"SPREAD_BPS": "1", "MAX_SPREAD_DEVIATION_BPS": "1"},
            "make MAX_SPREAD_DEVIATION_BPS wider than PROXIMITY_GUARD_BPS",
        ),
    ],
)
def test_settings_that_guarantee_a_requote_loop_stop_startup_saying_why(overrides, expected):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: The strategy settings would start a requote loop." in result.stderr
    )
    assert expected in result.stderr


def test_a_spread_beyond_the_deviation_cap_stops_startup():
    """The first bot row is made from these values; the forms refuse it, so must the start."""
    result = run_check(SPREAD_BPS="300")
    assert result.returncode != 0
    assert "SPREAD_BPS (300) is wider than MAX_SPREAD_DEVIATION_BPS (200)" in result.stderr


def test_a_spread_just_wider_than_the_guard_starts():
    assert run_check(SPREAD_BPS="1.01").returncode == 0


# ---------------------------------------------------------------- API_TOKEN and WEB_HOST


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


# ------------------------------------------------------ DATA_DIR, database and key file modes


def run_python(code: str, **overrides) -> subprocess.CompletedProcess:
    """`code` after django.setup(), with the usual umask 022 (files would be 0644)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "mmsite.settings", **overrides})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o022),
    )


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
