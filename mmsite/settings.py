"""Django settings. Everything comes from the environment (and `.env`, which never
overrides a real environment variable), read through the strict helpers in mmsite.env."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from mmsite import datadir, logs
from mmsite.databases import postgres_database
from mmsite.env import (
    env_bool,
    env_choice,
    env_decimal,
    env_int,
    env_secret,
    env_str,
    env_url,
    is_loopback,
)
from mmsite.strategy_defaults import bot_defaults_from_env
from trading import schedules
from trading.alerts.urls import check_alert_urls
from trading.core.reward_schedule import ScheduleError
from trading.fleet import accounts
from trading.reference import venues as reference_venues

BASE_DIR = Path(__file__).resolve().parent.parent
# The test suite (pytest sets PYTEST_VERSION) never reads a developer's .env: tests are hermetic.
if "PYTEST_VERSION" not in os.environ:
    load_dotenv(BASE_DIR / ".env", override=False)

# --- Where local state lives (SQLite file, generated secret key). Git-ignored, private to
# the user running the bot: 0700 directory, 0600 files (mmsite/datadir.py has the policy).
DATA_DIR = Path(env_str("DATA_DIR", "") or BASE_DIR / "var")
datadir.prepare_data_dir(DATA_DIR)
# Empty: a key made once per install into DATA_DIR/secret_key (never shared between installs).
SECRET_KEY = env_secret("DJANGO_SECRET_KEY").reveal() or datadir.generated_secret_key(
    DATA_DIR / "secret_key"
)
DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Web server (dashboard, API, admin). Loopback unless the operator says otherwise.
WEB_HOST = env_str("WEB_HOST", "127.0.0.1")
WEB_ALLOW_REMOTE = env_bool("WEB_ALLOW_REMOTE", False)
if not is_loopback(WEB_HOST) and not WEB_ALLOW_REMOTE:
    raise ImproperlyConfigured(
        f"WEB_HOST={WEB_HOST!r} is not a loopback address: the dashboard, the API and admin "
        "would be served to the network over plain HTTP, so passwords, session cookies and "
        "the API token would cross it unencrypted, and anyone who reaches the port could try "
        "to log in. Keep WEB_HOST=127.0.0.1 and reach it through an SSH tunnel or a TLS "
        "reverse proxy on this machine; or, to accept the risk (a network you trust), set "
        "WEB_ALLOW_REMOTE=true."
    )
WEB_PORT = env_int("WEB_PORT", 8000, minimum=1, maximum=65535)
ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Optional bearer token for scripts calling /api/*; empty disables token access.
API_TOKEN = env_secret(
    "API_TOKEN",
    min_length=24,
    how_to_make=(
        ', e.g. the output of python -c "import secrets; print(secrets.token_urlsafe(32))"'
    ),
)

# --- StandX connection. sim (default) runs the bundled simulator on loopback; paper follows
# StandX's public market (STANDX_API_BASE, STANDX_WS_URL; no credentials) and fills our
# orders in a local paper exchange (trading/sim/feed.py); live trades for real.
STANDX_MODE = env_choice("STANDX_MODE", "sim", ("sim", "paper", "live"))
STANDX_API_BASE = env_url("STANDX_API_BASE", "https://perps.standx.com", ("http", "https"))
STANDX_WS_URL = env_url("STANDX_WS_URL", "wss://perps.standx.com/ws-stream/v1", ("ws", "wss"))
# The order-response session (ws-api, docs/standx-protocol.md §5.2): default: the stream's host.
STANDX_WS_API_URL = env_url(
    "STANDX_WS_API_URL",
    urlsplit(STANDX_WS_URL)._replace(path="/ws-api/v1", query="").geturl(),
    ("ws", "wss"),
)
# Open the order-response session per account (where StandX documents order rejects); off
# halves the WebSocket connections per account (StandX allows 10 per IP) and leaves a
# reject to the order channel, or to the 3 s pending check (query_order).
ORDER_RESPONSE_SESSION = env_bool("ORDER_RESPONSE_SESSION", True)
# The auth host of the wallet login (manage.py standx_login in live mode).
STANDX_AUTH_BASE = env_url("STANDX_AUTH_BASE", "https://api.standx.com", ("http", "https"))
STANDX_JWT_TOKEN = env_secret("STANDX_JWT_TOKEN")
STANDX_ED25519_PRIVATE_KEY = env_secret("STANDX_ED25519_PRIVATE_KEY")
STANDX_WALLET_ADDRESS = env_str("STANDX_WALLET_ADDRESS", "")
STANDX_CHAIN = env_choice("STANDX_CHAIN", "bsc", ("bsc", "solana"))
HTTP_TIMEOUT_SECONDS = env_decimal(
    "HTTP_TIMEOUT_SECONDS", "5", minimum=Decimal("0.1"), maximum=Decimal("120")
)
FEED_STALE_SECONDS = env_decimal(
    "FEED_STALE_SECONDS", "5", minimum=Decimal("0.5"), maximum=Decimal("300")
)
# StandX allows 50 requests/s per IP; one process shares them among all its accounts.
# Several processes on one host (split workers) should each get their share, e.g. 50 / N.
IP_REQUESTS_PER_SECOND = env_decimal(
    "IP_REQUESTS_PER_SECOND", "50", minimum=Decimal("1"), maximum=Decimal("50")
)

# --- Reference venue (issue 23, trading/reference): a faster venue's public price stream for
# the reference guard. Off unless set; down or stale, it turns the guard off, never the bot.
REFERENCE_FEED = env_choice("REFERENCE_FEED", "off", reference_venues.FEEDS)
# The venue's symbol; empty: the asset of each bot's StandX symbol (BTC-USD: btcusdt / BTC).
REFERENCE_SYMBOL = env_str("REFERENCE_SYMBOL", "")
if REFERENCE_SYMBOL and REFERENCE_FEED != "off":
    try:
        REFERENCE_SYMBOL = reference_venues.check_symbol(REFERENCE_FEED, REFERENCE_SYMBOL)
    except ValueError as err:
        raise ImproperlyConfigured(
            f"REFERENCE_SYMBOL={REFERENCE_SYMBOL!r} is not valid: expected {err}."
        ) from None
# The venue's websocket: Binance's base (the feed adds /ws/<symbol>@bookTicker), or
# Hyperliquid's endpoint itself.
_REFERENCE_WS_DEFAULT = reference_venues.DEFAULT_WS_URLS.get(
    REFERENCE_FEED, reference_venues.DEFAULT_WS_URLS["binance"]
)
REFERENCE_WS_URL = (
    env_url("REFERENCE_WS_URL", _REFERENCE_WS_DEFAULT, ("ws", "wss"))
    if env_str("REFERENCE_WS_URL", "")  # empty (as in .env.example): the venue's own
    else _REFERENCE_WS_DEFAULT
)
# A reference price older than this turns the guard off (and the feed reports "stale").
REFERENCE_STALE_SECONDS = env_decimal(
    "REFERENCE_STALE_SECONDS", "3", minimum=Decimal("0.5"), maximum=Decimal("60")
)

# Several accounts (trading.fleet.accounts explains the scheme); credentials never come from the DB.
STANDX_ACCOUNTS = accounts.load_accounts(
    env_str("STANDX_ACCOUNTS", ""),
    accounts.Account(
        accounts.DEFAULT_ACCOUNT,
        STANDX_JWT_TOKEN,
        STANDX_ED25519_PRIVATE_KEY,
        STANDX_WALLET_ADDRESS,
    ),
    live=STANDX_MODE == "live",
)
BOT_ACCOUNTS = accounts.parse_bot_accounts(env_str("BOT_ACCOUNTS", ""), STANDX_ACCOUNTS)
# `runbot --engine-only` workers hold a lease on their bot (trading/fleet/lease.py): renewed every
# TTL/3; after a worker dies, another may take the bot over once the TTL has passed.
LEASE_TTL_SECONDS = env_decimal(
    "LEASE_TTL_SECONDS", "15", minimum=Decimal("3"), maximum=Decimal("600")
)
# How long a worker waits for a lease another worker holds before it gives up (exit 1).
LEASE_WAIT_SECONDS = env_decimal(
    "LEASE_WAIT_SECONDS", "60", minimum=Decimal("0"), maximum=Decimal("86400")
)

# --- Bundled simulator (sim mode), and the paper exchange (paper mode) on the same address.
SIM_HOST = "127.0.0.1"  # never anything but loopback
SIM_PORT = env_int("SIM_PORT", 0, minimum=0, maximum=65535)  # 0: pick a free port
SIM_SEED = env_int("SIM_SEED", 42)
# The paper account's deposit (DUSD): its margin checks are StandX's (cross, the symbol's
# leverage), so a deposit like the one you would make shows the same refusals.
PAPER_BALANCE = env_decimal(
    "PAPER_BALANCE", "100000", minimum=Decimal("1"), maximum=Decimal("1000000000")
)

# --- Strategy defaults: the first BotConfig row is created from these; after that the
# row (edited from the dashboard, the API or admin) is what the engine uses, except that a
# value changed here since the bot's last start is applied at the next (fleet/envsync.py).
# Read and checked in mmsite/strategy_defaults.py (a bad value stops the start, named).
BOT_DEFAULTS = bot_defaults_from_env()
# What StandX pays makers for, by which the engines estimate each hour's Maker Hours: a
# bundled schedule (trading/schedules/*.toml) by name, or the path of a TOML file of the
# same form (docs/standx-protocol.md §7.5). A schedule that fails validation stops the start.
REWARD_SCHEDULE = env_str("REWARD_SCHEDULE", schedules.DEFAULT_SCHEDULE)
try:
    REWARD_SCHEDULE_RULES = schedules.load_schedule(REWARD_SCHEDULE)
except ScheduleError as exc:
    raise ImproperlyConfigured(
        f"REWARD_SCHEDULE={REWARD_SCHEDULE!r} is not valid: {exc}."
    ) from None
# Orders we place carry this prefix; anything without it (placed by hand) is never touched.
CL_ORD_PREFIX = env_str("CL_ORD_PREFIX", "mmbot-")
if (
    not CL_ORD_PREFIX
    or len(CL_ORD_PREFIX) > 16
    or not CL_ORD_PREFIX.replace("-", "").replace("_", "").isalnum()
):
    raise ImproperlyConfigured(
        f"CL_ORD_PREFIX={CL_ORD_PREFIX!r} is not valid: expected 1-16 letters, digits, '-' or '_'."
    )

# --- Alerts (trading/alerts): Apprise URLs, comma-separated (empty: no alerts), e.g.
# tgram://BOT_TOKEN/CHAT_ID,json://127.0.0.1:9000/hook. A secret: the URLs hold tokens.
ALERT_URLS = env_secret("ALERT_URLS")
ALERT_URL_COUNT = check_alert_urls(ALERT_URLS)
# A market feed or account stream down (or an engine silent) this long is alerted.
ALERT_FEED_DOWN_SECONDS = env_int("ALERT_FEED_DOWN_SECONDS", 30, minimum=1, maximum=86400)

# --- Channel layer: in-memory in one process; Redis when web and engines are split.
CHANNEL_LAYER = env_choice("CHANNEL_LAYER", "memory", ("memory", "redis"))
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", ("redis", "rediss", "unix"))
# Keys of this deployment start with it, so two deployments can share one Redis.
REDIS_PREFIX = env_str("REDIS_PREFIX", "mmbot")
if not (0 < len(REDIS_PREFIX) <= 32 and REDIS_PREFIX.replace("-", "").replace("_", "").isalnum()):
    raise ImproperlyConfigured(
        f"REDIS_PREFIX={REDIS_PREFIX!r} is not valid: expected 1-32 letters, digits, '-' or '_'."
    )
if CHANNEL_LAYER == "redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # expiry: a control message nobody read within 10 s is stale (a late "kill" must not
            # hit the next worker); snapshots come every second, so nothing older matters either.
            # capacity: a dashboard tab that stops reading loses snapshots, never blocks the engine.
            # socket_timeout: above channels_redis's 5 s blocking pop (redis-py 8 defaults both
            # to 5 s, so a channel quiet for 5 s, e.g. a dead bot's page, crashed its consumer).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "expiry": 10,
                "capacity": 100,
                "prefix": REDIS_PREFIX,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The engines' latest snapshots (trading/bus.py): this process's memory, or Redis when the
# web tier and the engines are separate processes. The default cache stays local: it holds
# per-process counters (failed logins, dashboard/throttle.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "snapshots": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "snapshots",
    }
    if CHANNEL_LAYER != "redis"
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    },
}

LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error"))
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
# runbot prints one status line per bot this often (0: never); the dashboard has the rest.
STATUS_LINE_SECONDS = env_int("STATUS_LINE_SECONDS", 60, minimum=0, maximum=86400)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "trading",
    "dashboard",
]

MIDDLEWARE = [
    "dashboard.errors.RequestMarker",  # the web's SQLite connections wait less for a lock
    "dashboard.context.mode_header",  # X-Trading-Mode: sim, paper or live on every answer
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dashboard.throttle.LoginThrottleMiddleware",  # failed logins, per client address
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "mmsite.urls"
ASGI_APPLICATION = "mmsite.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context.trading_mode",
            ]
        },
    }
]


# How long a write waits for SQLite's lock before "database is locked" (the engine rides it
# out and retries; a web request answers 503 after 3 s, dashboard/errors.py).
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20, minimum=1, maximum=600)


def sqlite_database(path: str) -> dict:
    """SQLite with a busy timeout: the engine and the web tier write from different threads."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


# Empty DATABASE_URL: SQLite in DATA_DIR (one process). postgres://...: the split deployment.
DATABASE_URL = env_secret("DATABASE_URL")
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0, maximum=3600)
DATABASE_STATEMENT_TIMEOUT_MS = env_int(
    "DATABASE_STATEMENT_TIMEOUT_MS", 30000, minimum=100, maximum=600000
)
if DATABASE_URL:
    DATABASES = {
        "default": postgres_database(
            DATABASE_URL.reveal(), DATABASE_CONN_MAX_AGE, DATABASE_STATEMENT_TIMEOUT_MS
        )
    }
else:
    # One file per mode: simulator or paper history, run state and settings never show up
    # in live (a shared SQLITE_PATH or DATABASE_URL is refused at start, fleet/envsync.py).
    MODE_FILES = {"live": "live.sqlite3", "paper": "paper.sqlite3"}
    SQLITE_PATH = Path(
        env_str("SQLITE_PATH", "") or DATA_DIR / MODE_FILES.get(STANDX_MODE, "db.sqlite3")
    )
    datadir.secure_sqlite_file(SQLITE_PATH)  # 0600 before SQLite creates it 0644
    DATABASES = {"default": sqlite_database(str(SQLITE_PATH))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# Times to the second, zone labelled (mmsite/formats/en/formats.py): admin shows them so.
FORMAT_MODULE_PATH = ["mmsite.formats"]
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"

# Every line names its bot; LOG_FORMAT=json writes one JSON object a line (mmsite/logs.py).
LOGGING = logs.logging_config(LOG_LEVEL, LOG_FORMAT, paper=STANDX_MODE == "paper")
