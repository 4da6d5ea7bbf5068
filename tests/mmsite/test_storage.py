"""Storage and channel layer: SQLite and the in-memory layer by default, a PostgreSQL URL
becomes a psycopg database with timeouts, the Redis layer bounds capacity and expiry."""

import json
import os
import subprocess
import sys

from django.conf import settings

from tests.mmsite.startup import ROOT


def test_postgres_url_becomes_a_psycopg_database_with_timeouts():
    from mmsite.databases import postgres_database

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
        "hosts": [{"address": "redis://127.0.0.1:6390/2", "socket_timeout": 15}],
        "expiry": 10,
        "capacity": 100,
        "prefix": "mm-test",
    }
