"""Requests each account sent, by path: what a bot spends of the exchange's request budget.

Counted when the request's token has been verified, before the per-account limit, so a
request refused with 429 counts too (it was sent). Public market-data requests carry no
token and cannot be attributed to an account; a request refused by the per-IP limit is
turned away before its token is read, so it is not counted either. ws-api orders count
under "ws-api order:new" / "ws-api order:cancel". /sim/* controls never count.

Rejections are counted by reason once the account is known: every error answer to its
REST and ws-api requests (429s, signatures, validation) and every order the matching engine
rejected after the ack. The reason is "<code> <message>" with the numbers and quoted values
of the message replaced by N and '…', so "qty 0.00015 is not a multiple of ..." of every
size counts under one reason (the full message is in the traffic log, traffic.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class AccountRequests:
    by_path: Counter = field(default_factory=Counter)
    rate_limited: int = 0
    rejections: Counter = field(default_factory=Counter)
    first_at: float | None = None


class RequestLog:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.accounts: dict[str, AccountRequests] = {}

    def sent(self, user: str, path: str) -> None:
        entry = self.accounts.setdefault(user, AccountRequests())
        entry.by_path[path] += 1
        if entry.first_at is None:
            entry.first_at = self.clock()

    def refused(self, user: str) -> None:
        self.accounts.setdefault(user, AccountRequests()).rate_limited += 1

    def rejected(self, user: str, code: int, message: str) -> None:
        self.accounts.setdefault(user, AccountRequests()).rejections[reason_key(code, message)] += 1

    def figures(self, user: str, now: float) -> dict:
        """Totals since the account's first request; per_minute over that span (None until
        a second has passed, when a rate would mean little)."""
        entry = self.accounts.get(user) or AccountRequests()
        total = sum(entry.by_path.values())
        span = now - entry.first_at if entry.first_at is not None else 0.0
        return {
            "total": total,
            "by_path": dict(sorted(entry.by_path.items())),
            "rate_limited": entry.rate_limited,
            "rejections": dict(sorted(entry.rejections.items())),
            "seconds": round(span, 3),
            "per_minute": round(total / span * 60, 2) if span >= 1.0 else None,
        }


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def reason_key(code: int, message: str) -> str:
    """A rejection's reason without its variable parts (see the module docstring)."""
    return f"{code} " + _NUMBER.sub("N", _QUOTED.sub("'…'", message))
