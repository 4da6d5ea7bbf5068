"""The one door of a bot's order and account calls (trading/engine/exchange_calls.py): what
counts toward the kill switch and what does not, judged call by call.

A post-only reject means the market moved (not a fault), a 429 is the pacer's business and an
exchange that cannot be reached cannot be helped by a kill; each of those counted would
stop a healthy bot after MAX_CONSECUTIVE_FAILURES busy seconds. The errors are the client's
own (`error_for_status` is how the REST client maps an answer, and one case goes through the
real client with a scripted transport); the event log and the failure counter are the real
ones."""

from __future__ import annotations

import httpx
import pytest

from tests.trading.standx.conftest import BASE_URL, SEED_B58, VALID_TOKEN, ScriptedExchange
from trading.engine.eventlog import EventLog
from trading.engine.exchange_calls import ExchangeCalls
from trading.engine.failures import Failures
from trading.standx.errors import (
    AuthError,
    NotFoundError,
    OrderRejectedError,
    RateLimitError,
    RequestTimeoutError,
    StandXError,
    error_for_status,
)
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner


class Clock:
    def __init__(self, now: float = 1_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class Door:
    """An ExchangeCalls with a limit of 3 and everything it reports kept."""

    def __init__(self, limit: int = 3):
        self.clock = Clock()
        self.events = EventLog("bot", self.clock, lambda: "BTC-USD")
        self.failures = Failures(limit)
        self.trips: list[str] = []
        self.refused: list[AuthError] = []
        self.calls = ExchangeCalls(
            self.events, self.failures, self.trips.append, self.refused.append, self.clock
        )

    async def run(self, error: BaseException | None, where: str = "new_order", answers=()):
        async def make():
            if error is not None:
                raise error
            return "ok"

        try:
            return await self.calls.call(where, make, answers)
        except StandXError as exc:
            assert exc is error  # raised to the caller unchanged
            return exc

    def errors(self) -> list[str]:
        return [e["message"] for e in self.events.recent() if e["kind"] == "error"]


ALO = error_for_status(400, "alo order rejected")
CROSS = OrderRejectedError("order would cross the book", 200, 400)  # a 2xx body's code


def timeout(maybe_sent: bool) -> RequestTimeoutError:
    return RequestTimeoutError("timed out", maybe_sent=maybe_sent)


@pytest.mark.parametrize(
    ("error", "counts", "audited"),
    [
        (ALO, False, None),  # post-only reject: the book moved
        (CROSS, False, None),
        (error_for_status(429, "too many requests"), False, "rate limited"),
        (RateLimitError("slow down", retry_after=1.0), False, "rate limited"),
        (timeout(maybe_sent=False), False, "exchange unreachable"),
        (timeout(maybe_sent=True), True, "RequestTimeoutError"),  # may have been executed
        (error_for_status(500, "internal"), True, "ServerError"),
        (error_for_status(403, "invalid signature"), True, "ForbiddenError"),
        (error_for_status(404, "no such order"), True, "NotFoundError"),
        (error_for_status(400, "insufficient margin"), True, "OrderRejectedError"),
        (error_for_status(400, "invalid qty"), True, "OrderRejectedError"),
    ],
)
async def test_what_counts_toward_the_kill_switch(error, counts, audited):
    door = Door(limit=3)
    for _ in range(3):
        assert await door.run(error) is error
    assert door.failures.consecutive == (3 if counts else 0)
    assert door.failures.total == (3 if counts else 0)
    assert door.trips == (
        [f"3 consecutive failures (last: new_order: {type(error).__name__})"] if counts else []
    )
    if audited is None:
        assert door.errors() == []  # a post-only reject is routine: not an error event
    else:
        assert len(door.errors()) == 3 and all(audited in text for text in door.errors())
        assert all(text.startswith("new_order: ") for text in door.errors())
    assert door.refused == []


STEPS = {
    "f": error_for_status(500, "boom"),
    "s": None,
    "a": NotFoundError("order not found", 404),
    "r": error_for_status(429, "slow"),
    "u": timeout(maybe_sent=False),
    "p": ALO,
}


@pytest.mark.parametrize(
    ("script", "trips"),
    [
        ("fff", 1),  # the third failure in a row trips
        ("ffff", 2),  # ... and every failure past it says so again
        ("ffsf", 0),  # any success breaks the run
        ("ffaf", 0),  # so does an expected answer (a 404 on cancel): the exchange works
        ("ffrf", 1),  # a 429 neither counts nor breaks the run
        ("ffuf", 1),  # nor does an unreachable exchange
        ("ffpf", 1),  # nor a post-only reject: it says nothing of the exchange's health
        ("pppppp", 0),
    ],
)
async def test_only_an_unbroken_run_of_counted_failures_trips(script, trips):
    door = Door(limit=3)
    for letter in script:
        await door.run(STEPS[letter], "cancel_order", answers=(NotFoundError,))
    assert len(door.trips) == trips


async def test_an_expected_answer_is_raised_to_the_caller_and_not_audited():
    door = Door()
    gone = NotFoundError("order not found", 404)
    await door.run(error_for_status(500, "boom"))
    assert await door.run(gone, "cancel_order", answers=(NotFoundError,)) is gone
    assert door.failures.consecutive == 0
    assert len(door.errors()) == 1  # only the 5xx
    # Not listed as an answer, the same 404 is a failure like any other.
    await door.run(gone, "query_order")
    assert door.failures.consecutive == 1


async def test_a_refused_token_goes_to_its_own_handler_and_is_not_a_failure():
    door = Door()
    refused = error_for_status(401, "token expired")
    assert isinstance(refused, AuthError)
    assert await door.run(refused) is refused
    assert door.refused == [refused]
    assert door.failures.consecutive == 0 and door.trips == []


async def test_a_success_returns_the_answer_and_resets_the_count():
    door = Door()
    await door.run(error_for_status(500, "boom"))
    await door.run(error_for_status(500, "boom"))
    assert await door.run(None) == "ok"
    assert door.failures.consecutive == 0 and door.failures.total == 2


async def test_every_call_counts_toward_the_request_rate_for_a_minute():
    door = Door()
    for where, error in (("new_order", None), ("new_order", ALO), ("cancel_order", None)):
        await door.run(error, where)
    assert door.calls.requests_by_call == {"new_order": 2, "cancel_order": 1}
    assert door.calls.requests_per_minute(door.clock.now) == 3.0
    door.clock.now += 30.0
    await door.run(None, "query_open_orders")
    assert door.calls.requests_per_minute(door.clock.now) == 4.0
    assert door.calls.requests_per_minute(door.clock.now + 30.0) == 4.0  # exactly a minute
    assert door.calls.requests_per_minute(door.clock.now + 30.01) == 1.0  # the first 3 left
    assert door.calls.requests_per_minute(door.clock.now + 60.0) == 1.0
    assert door.calls.requests_per_minute(door.clock.now + 60.01) == 0.0
    assert door.calls.requests_by_call["query_open_orders"] == 1  # the total never expires


async def test_a_post_only_reject_in_the_clients_answer_is_not_counted():
    """Through the real REST client: StandX answers a crossing post-only order with a
    non-zero code in a 2xx body; the client raises it, the door does not count it."""
    exchange = ScriptedExchange((200, {"code": 400, "message": "alo order rejected"}))
    rest = StandXRest(
        BASE_URL,
        token=VALID_TOKEN,
        signer=RequestSigner(SEED_B58),
        transport=httpx.MockTransport(exchange),
        max_retries=0,
    )
    door = Door(limit=1)
    try:
        with pytest.raises(OrderRejectedError):
            await door.calls.call(
                "new_order", lambda: rest.new_order("BTC-USD", "buy", "0.001", "66000", "c1")
            )
    finally:
        await rest.aclose()
    assert len(exchange.requests) == 1
    assert door.failures.consecutive == 0 and door.trips == []
