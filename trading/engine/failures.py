"""The kill switch's input: consecutive exchange failures.

Any failed exchange call counts (what counts is decided in exchange_calls.py); any success
resets the count, so only an unbroken run of MAX_CONSECUTIVE_FAILURES trips the switch.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

RECENT = 10


@dataclass
class Failures:
    """Consecutive exchange failures; `seen` keeps the recent ones (the snapshot shows
    them, so a trader sees what tripped the switch)."""

    limit: int | None = None  # MAX_CONSECUTIVE_FAILURES; None until the config row is read
    consecutive: int = 0
    total: int = 0
    seen: deque = field(default_factory=lambda: deque(maxlen=RECENT))

    def failure(self, where: str, exc: BaseException, now: float) -> bool:
        """Count one; True when the kill switch must trip."""
        self.consecutive += 1
        self.total += 1
        self.seen.append((now, where, f"{type(exc).__name__}: {exc}"[:300]))
        return self.limit is not None and self.consecutive >= self.limit

    def success(self) -> None:
        self.consecutive = 0
