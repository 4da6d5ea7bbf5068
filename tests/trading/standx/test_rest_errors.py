"""HTTP statuses, error codes in 2xx bodies and broken JSON map onto the typed errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.trading.standx.conftest import VALID_TOKEN, ScriptedExchange
from trading.standx.errors import (
    AuthError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    OrderRejectedError,
    RateLimitError,
    ServerError,
    StandXError,
)


def place(client):
    return client.new_order("BTC-USD", "buy", Decimal("0.001"), Decimal("60000"), "mm-1")


@pytest.mark.parametrize(
    "status, body, error, code, message",
    [
        (
            400,
            {"code": 400, "message": "alo order rejected"},
            OrderRejectedError,
            400,
            "alo order rejected",
        ),
        (401, {"code": 401, "message": "unauthorized"}, AuthError, 401, "unauthorized"),
        (
            403,
            {"code": 403, "message": "invalid body signature"},
            ForbiddenError,
            403,
            "invalid body signature",
        ),
        (404, "page not found", NotFoundError, None, "Not Found: page not found"),
        (429, "", RateLimitError, None, "Too Many Requests"),
        (500, {"code": 500, "msg": "internal"}, ServerError, 500, "internal"),
        (503, b"<html>down</html>", ServerError, None, "Service Unavailable: <html>down</html>"),
    ],
)
async def test_http_status_mapping(make_client, status, body, error, code, message):
    client = make_client(ScriptedExchange((status, body)), max_retries=0)
    with pytest.raises(error) as caught:
        await place(client)
    assert isinstance(caught.value, StandXError)
    assert (caught.value.status, caught.value.code, caught.value.message) == (status, code, message)


async def test_non_zero_code_in_a_2xx_body_is_a_rejection(make_client):
    client = make_client(ScriptedExchange((200, {"code": 400, "message": "alo order rejected"})))
    with pytest.raises(OrderRejectedError) as caught:
        await place(client)
    assert (caught.value.code, caught.value.message) == (400, "alo order rejected")


async def test_non_zero_code_on_a_get_is_a_rejection_too(make_client):
    client = make_client(ScriptedExchange((200, {"code": 7, "message": "nope", "result": []})))
    with pytest.raises(OrderRejectedError):
        await client.query_open_orders()


@pytest.mark.parametrize("body", ["not json", b"", '{"symbol": ', "[1,2]", '{"bids": 5}'])
async def test_malformed_bodies(make_client, body):
    client = make_client(ScriptedExchange((200, body)))
    with pytest.raises(MalformedResponseError):
        await client.query_depth_book("BTC-USD")


async def test_errors_never_carry_the_token(make_client):
    client = make_client(ScriptedExchange((401, {"code": 401, "message": "bad token"})))
    with pytest.raises(AuthError) as caught:
        await client.query_balance()
    assert VALID_TOKEN not in str(caught.value) and VALID_TOKEN not in repr(caught.value)


async def test_errors_are_counted_by_type(make_client):
    client = make_client(
        ScriptedExchange((403, {"code": 403, "message": "x"}), (400, {"code": 400, "message": "y"}))
    )
    for _ in range(2):
        with pytest.raises(StandXError):
            await place(client)
    assert client.stats.as_dict() == {
        "requests": 2,
        "retries": 0,
        "errors": {"ForbiddenError": 1, "OrderRejectedError": 1},
        "paths": {"/api/new_order": 2},
    }
