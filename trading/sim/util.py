"""Small helpers shared by the simulator modules: time formatting, ids, decimals."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def iso(ts: float) -> str:
    """ISO-8601 UTC with microseconds and a Z suffix, the way StandX writes timestamps."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_hour(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:00:00Z")


def new_ulid(now: float | None = None) -> str:
    """A 26-char ULID (48-bit ms time + 80 random bits, Crockford base32), like StandX's ids."""
    ms = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def id_sequence() -> Iterator[int]:
    """Ids that never repeat across restarts, as a real exchange's: counting up from the wall
    clock in microseconds at the start (about 1.8e15, within a double's exact integers, so
    JavaScript clients read them exactly). No simulator makes a trade, order or position a
    microsecond, so a later start always begins above every id an earlier one gave: a bot
    keeping fills by trade id across a simulator restart never sees an id again. The wall
    clock on purpose: SimConfig.clock may be a test's fake clock, the same at every start."""
    return itertools.count(time.time_ns() // 1000 + 1)


def rounded(value: Decimal, decimals: int) -> str:
    """A decimal string with exactly `decimals` places (half-even), as StandX writes an
    amount: never 65954.07333333333333333333333 for a price with two."""
    return dstr(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))


def dstr(value: Decimal) -> str:
    """Plain decimal string (never exponent notation)."""
    return format(value, "f")


def on_tick(value: Decimal, tick: Decimal) -> Decimal:
    return value.quantize(tick, rounding=ROUND_HALF_EVEN)


def is_multiple(value: Decimal, tick: Decimal) -> bool:
    return value % tick == 0
