"""One bot's order and account calls to the exchange (through the executor and the
reconciler), accounted for: the kill switch's input and the bot's request rate.

It feeds the consecutive-failure counter (the kill switch's input): any StandXError from an
exchange call counts, except a post-only reject (the market moved; not a fault), a 429 and
an exchange that cannot be reached at all; any success resets it. A refused token (401)
goes to its own handler instead. Every counted error becomes an audit event.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable

from trading.engine.eventlog import EventLog
from trading.engine.failures import Failures
from trading.standx.errors import (
    AuthError,
    OrderRejectedError,
    RateLimitError,
    RejectKind,
    RequestTimeoutError,
    StandXError,
)

log = logging.getLogger(__name__)


def is_reject(exc: BaseException, kind: RejectKind) -> bool:
    return isinstance(exc, OrderRejectedError) and exc.kind is kind


class ExchangeCalls:
    def __init__(
        self,
        events: EventLog,
        failures: Failures,
        on_trip: Callable[[str], None],
        on_auth_error: Callable[[AuthError], None],
        clock: Callable[[], float],
    ):
        self.events, self.failures = events, failures
        self._on_trip, self._on_auth_error = on_trip, on_auth_error
        self._clock = clock
        self._requests: deque[float] = deque()  # when each exchange call of this bot went
        self.requests_by_call: Counter[str] = Counter()  # since the start, for /metrics

    async def call(
        self, where: str, make: Callable[[], Awaitable], answers: tuple[type[StandXError], ...] = ()
    ):
        """One exchange call with failure accounting; returns its result or raises.
        `answers` are errors that are a normal answer here (e.g. 404 for an order that never
        got created): the exchange worked, so they reset the counter like a success."""
        self._count_request()
        self.requests_by_call[where] += 1
        try:
            result = await make()
        except AuthError as exc:
            self._on_auth_error(exc)
            raise
        except answers:
            self.failures.success()
            raise
        except RequestTimeoutError as exc:
            if exc.maybe_sent:
                self.note_failure(where, exc)
            else:
                self.note_unreachable(where, exc)
            raise
        except RateLimitError as exc:
            self.note_rate_limited(where, exc)
            raise
        except StandXError as exc:
            if not is_reject(exc, RejectKind.WOULD_CROSS):
                self.note_failure(where, exc)
            raise
        self.failures.success()
        return result

    def _count_request(self) -> None:
        now = self._clock()
        self._requests.append(now)
        while self._requests and self._requests[0] < now - 60.0:
            self._requests.popleft()

    def requests_per_minute(self, now: float) -> float:
        """This bot's exchange calls in the last minute (its share of the rate budget)."""
        while self._requests and self._requests[0] < now - 60.0:
            self._requests.popleft()
        return float(len(self._requests))

    def note_failure(self, where: str, exc: BaseException) -> None:
        log.warning("%s failed: %s", where, exc)
        self.events.add("error", f"{where}: {type(exc).__name__}: {exc}"[:500])
        if self.failures.failure(where, exc, self._clock()):
            self._on_trip(
                f"{self.failures.consecutive} consecutive failures "
                f"(last: {where}: {type(exc).__name__})"
            )

    def note_unreachable(self, where: str, exc: BaseException) -> None:
        """The exchange could not be reached at all (nothing was sent). Not a kill-switch
        failure: killing cannot cancel anything on an exchange we cannot reach, and it would
        keep the bot dark after the exchange is back. The feed is down too, so the quotes
        are already pulled; reconcile after the reconnect sets our view right."""
        log.warning("%s: exchange unreachable: %s", where, exc)
        self.events.add("error", f"{where}: exchange unreachable: {exc}"[:500])

    def note_rate_limited(self, where: str, exc: RateLimitError) -> None:
        """429 after the client's retries: not a kill-switch failure. The pacer has slowed
        every request down already; killing would leave the bot dark for hours for a
        budget that refills in a second (and its cancels would meet the same limit)."""
        log.warning("%s: rate limited: %s", where, exc)
        self.events.add("error", f"{where}: rate limited: {exc}"[:500])
