"""Strict readers for settings that come from the environment.

Every reader records the variable name it was asked for, so a test can check that
`.env.example` documents each one. A bad value raises `ImproperlyConfigured` with
the variable's name and the accepted form, which stops startup with a clear message.
"""

from __future__ import annotations

import ipaddress
import os
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

READ_VARIABLES: set[str] = set()


class Secret:
    """A string that never shows itself in repr(), str() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _raw(name: str, default: str) -> str:
    READ_VARIABLES.add(name)
    return os.environ.get(name, default).strip()


def _bad(name: str, value: str, form: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {form}.")


def env_str(name: str, default: str = "") -> str:
    return _raw(name, default)


def env_secret(name: str, min_length: int = 0, how_to_make: str = "") -> Secret:
    """A secret; when set, at least `min_length` characters (the error never shows it)."""
    value = _raw(name, "")
    if value and len(value) < min_length:
        raise ImproperlyConfigured(
            f"{name} is too short ({len(value)} character{'' if len(value) == 1 else 's'}): a "
            f"guessable secret is no protection; use at least {min_length} random characters"
            f"{how_to_make}."
        )
    return Secret(value)


def env_choice(name: str, default: str, choices: tuple[str, ...], upper: bool = False) -> str:
    raw = _raw(name, default)
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise _bad(name, value, "one of " + ", ".join(choices))
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name, "true" if default else "false").lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise _bad(name, value, "true or false")


def env_int(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name, str(default))
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, value, "a whole number") from None
    _check_range(name, value, number, minimum, maximum)
    return number


def env_decimal(
    name: str,
    default: str,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    exclusive_minimum: bool = False,
) -> Decimal:
    value = _raw(name, default)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise _bad(name, value, "a decimal number such as 12.5") from None
    if not number.is_finite():
        raise _bad(name, value, "a finite decimal number")
    if exclusive_minimum and minimum is not None and number <= minimum:
        raise _bad(name, value, f"a number greater than {minimum}")
    _check_range(name, value, number, minimum, maximum)
    return number


def _check_range(name, value, number, minimum, maximum) -> None:
    if minimum is not None and number < minimum:
        raise _bad(name, value, f"a number of at least {minimum}")
    if maximum is not None and number > maximum:
        raise _bad(name, value, f"a number of at most {maximum}")


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = _raw(name, default)
    if not any(value.startswith(scheme + "://") for scheme in schemes):
        raise _bad(name, value, "a URL starting with " + " or ".join(s + "://" for s in schemes))
    return value.rstrip("/")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not) or "localhost": reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything
