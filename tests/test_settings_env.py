"""Settings: .env.example documents every variable, and bad values stop startup clearly."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from mmsite import env
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
    return any(re.fullmatch(p.replace("{NAME}", "[A-Z][A-Z0-9_]*"), name)
               for p in accounts.ACCOUNT_VARIABLE_PATTERNS)


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
    "SYMBOL": "BTC-USD", "SPREAD_BPS": "50.0", "BID_NOTIONAL": "30.0", "ASK_NOTIONAL": "30.0",
    "REFRESH_INTERVAL": "1.0", "REQUOTE_THRESHOLD_BPS": "25.0", "PROXIMITY_GUARD_BPS": "1.0",
    "MAX_NOTIONAL": "10000.0", "MAX_CONSECUTIVE_FAILURES": "5", "STALE_ORDER_SECONDS": "30",
    "MAX_SPREAD_DEVIATION_BPS": "200", "UPTIME_TARGET_MINUTES": "30", "STANDX_CHAIN": "bsc",
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
    assert d["stale_order_seconds"] == Decimal("30") and d["max_spread_deviation_bps"] == Decimal("200")
    assert d["uptime_target_minutes"] == 30 and d["uptime_band_bps"] == Decimal("10")
    assert d["requote_mode"] == "make_before_break"
    assert settings.STANDX_MODE == "sim" and settings.STANDX_CHAIN == "bsc"
    assert settings.STANDX_API_BASE == "https://perps.standx.com"
    assert settings.STANDX_WS_URL == "wss://perps.standx.com/ws-stream/v1"
    assert settings.WEB_HOST == "127.0.0.1" and settings.WEB_PORT == 8000
    assert settings.CHANNEL_LAYER == "memory"
    example = dict(l.split("=", 1) for l in (ROOT / ".env.example").read_text().splitlines()
                   if l and not l.startswith("#"))
    for name, default in ORIGINAL_DEFAULTS.items():
        assert example[name] == default, name


def run_check(**overrides) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("STANDX_", "SPREAD"))}
    environment.update(overrides)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name,value,expected", [
    ("SPREAD_BPS", "abc", "SPREAD_BPS='abc' is not valid: expected a decimal number"),
    ("SPREAD_BPS", "-5", "SPREAD_BPS='-5' is not valid: expected a number greater than 0"),
    ("SPREAD_BPS", "NaN", "SPREAD_BPS='NaN' is not valid: expected a finite decimal number"),
    ("MAX_CONSECUTIVE_FAILURES", "2.5", "MAX_CONSECUTIVE_FAILURES='2.5' is not valid: expected a whole number"),
    ("STANDX_MODE", "paper", "STANDX_MODE='paper' is not valid: expected one of sim, live"),
    ("REQUOTE_MODE", "yolo", "expected one of make_before_break, cancel_first"),
    ("WEB_PORT", "70000", "WEB_PORT='70000' is not valid: expected a number of at most 65535"),
    ("STANDX_WS_URL", "perps.standx.com", "expected a URL starting with ws:// or wss://"),
])
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


@pytest.mark.parametrize("overrides,expected", [
    ({"DATABASE_URL": f"mysql://u:{SECRET_PW}@db/mm"}, "DATABASE_URL is not valid: scheme 'mysql'"),
    ({"DATABASE_URL": f"sqlite:///{SECRET_PW}"}, "scheme 'sqlite' is not postgres"),
    ({"DATABASE_URL": "127.0.0.1/mm"}, "scheme '(none)' is not postgres"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:99999/mm"}, "the port is not a number"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db:x/mm"}, "the port is not a number"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@/mm"}, "it needs a host and a database name"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/"}, "it needs a host and a database name"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?target_session_attrs=any"},
     "unsupported parameter(s) target_session_attrs"),
    ({"DATABASE_URL": f"postgres://u:{SECRET_PW}@db/mm?sslmode=maybe"}, "sslmode must be one of"),
    ({"DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE='-1' is not valid"),
    ({"DATABASE_STATEMENT_TIMEOUT_MS": "5"}, "DATABASE_STATEMENT_TIMEOUT_MS='5' is not valid"),
    ({"REDIS_PREFIX": "a b"}, "REDIS_PREFIX='a b' is not valid"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "expected a URL starting with redis://"),
    ({"CHANNEL_LAYER": "rabbit"}, "CHANNEL_LAYER='rabbit' is not valid"),
    ({"LEASE_TTL_SECONDS": "1"}, "LEASE_TTL_SECONDS='1' is not valid: expected a number of at least 3"),
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
    ({"BOT_ACCOUNTS": "eth:default,eth:default"}, "BOT_ACCOUNTS lists bot 'eth' more than once"),
    ({"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main"},
     "account 'main' lacks STANDX_MAIN_JWT_TOKEN and STANDX_MAIN_ED25519_PRIVATE_KEY"),
    ({"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main", "STANDX_MAIN_JWT_TOKEN": SECRET_PW},
     "account 'main' lacks STANDX_MAIN_ED25519_PRIVATE_KEY"),
    ({"STANDX_MODE": "live", "STANDX_ACCOUNTS": "main", "STANDX_JWT_TOKEN": SECRET_PW,
      "STANDX_MAIN_JWT_TOKEN": SECRET_PW, "STANDX_MAIN_ED25519_PRIVATE_KEY": SECRET_PW},
     "account 'default' lacks STANDX_ED25519_PRIVATE_KEY"),
])
def test_bad_split_or_account_setting_stops_startup_without_secrets(overrides, expected):
    result = run_check(**overrides)
    assert result.returncode != 0
    assert expected in result.stderr
    assert SECRET_PW not in result.stdout + result.stderr


def test_live_mode_with_named_accounts_only_starts():
    key = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    result = run_check(STANDX_MODE="live", STANDX_ACCOUNTS="main,alt", BOT_ACCOUNTS="default:main,eth:alt",
                       STANDX_MAIN_JWT_TOKEN=SECRET_PW, STANDX_MAIN_ED25519_PRIVATE_KEY=key,
                       STANDX_ALT_JWT_TOKEN=SECRET_PW + "2", STANDX_ALT_ED25519_PRIVATE_KEY=key)
    assert result.returncode == 0, result.stderr
    assert SECRET_PW not in result.stdout + result.stderr


def test_postgres_url_becomes_a_psycopg_database_with_timeouts():
    from mmsite.settings import postgres_database
    db = postgres_database("postgresql://mm%40bot:p%2Fw@127.0.0.1:5433/mm_db?sslmode=require", 60, 1500)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("mm_db", "mm@bot", "p/w")
    assert (db["HOST"], db["PORT"], db["CONN_MAX_AGE"]) == ("127.0.0.1", "5433", 60)
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"] == {"connect_timeout": 10, "options": "-c statement_timeout=1500",
                             "sslmode": "require"}
    assert postgres_database("postgres://db/mm", 0, 100)["PORT"] == "5432"


def test_default_storage_and_layer_stay_sqlite_and_memory():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert not settings.DATABASE_URL
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert list(settings.STANDX_ACCOUNTS) == ["default"] and settings.BOT_ACCOUNTS == {}


def test_redis_layer_settings_bound_capacity_and_expiry():
    code = ("from django.conf import settings; import json; "
            "print(json.dumps(settings.CHANNEL_LAYERS['default']))")
    environment = dict(os.environ, CHANNEL_LAYER="redis", REDIS_URL="redis://127.0.0.1:6390/2",
                       REDIS_PREFIX="mm-test", DJANGO_SETTINGS_MODULE="mmsite.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json
    layer = json.loads(result.stdout)
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"] == {"hosts": ["redis://127.0.0.1:6390/2"], "expiry": 10,
                               "capacity": 100, "prefix": "mm-test"}
