"""DATABASE_URL -> Django's DATABASES entry for PostgreSQL (the split deployment).

Strict like every setting: an error names the variable and the part that is wrong, never
the URL (it holds a password). Empty DATABASE_URL means SQLite in DATA_DIR (settings.py).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def postgres_database(url: str, conn_max_age: int, statement_timeout_ms: int) -> dict:
    """postgres://user:password@host:port/dbname[?sslmode=...] -> Django's DATABASES entry.

    Errors name the variable and the part that is wrong, never the URL: it holds a password.
    """

    def bad(what: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            f"DATABASE_URL is not valid: {what} (expected empty for SQLite, or "
            "postgres://USER:PASSWORD@HOST:PORT/DBNAME)."
        )

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise bad(f"scheme {parts.scheme or '(none)'!r} is not postgres")
    try:
        port = parts.port or 5432
    except ValueError:
        raise bad("the port is not a number from 1 to 65535") from None
    name = unquote(parts.path.lstrip("/"))
    if not parts.hostname or not name or "/" in name:
        raise bad("it needs a host and a database name")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - {"sslmode"})
    if unknown:
        raise bad(f"unsupported parameter(s) {', '.join(unknown)}; only sslmode is allowed")
    if query.get("sslmode", "prefer") not in SSL_MODES:
        raise bad("sslmode must be one of " + ", ".join(SSL_MODES))
    options = {
        "connect_timeout": 10,
        # A query that hangs (lock wait, slow disk) fails instead of freezing the engine.
        "options": f"-c statement_timeout={statement_timeout_ms}",
    }
    if "sslmode" in query:
        options["sslmode"] = query["sslmode"]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname,
        "PORT": str(port),
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": options,
    }
