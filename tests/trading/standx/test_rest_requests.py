"""What the REST client puts on the wire: method, path, query, headers, signed body bytes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.trading.standx.conftest import VALID_TOKEN, ScriptedExchange
from tests.trading.standx.test_response_parsing import ORDER, SYMBOL_INFO_ROW
from trading.core.domain import Side
from trading.sim.auth import verify_body_signature
from trading.sim.errors import ApiError

ENVELOPE = {"code": 0, "message": "success", "request_id": "srv-1"}
SIGNATURE_HEADERS = (
    "x-request-sign-version",
    "x-request-id",
    "x-request-timestamp",
    "x-request-signature",
)


def signature_verifies(signer, headers, payload: bytes) -> bool:
    """The simulator's check (the server side) of the x-request-* headers against exactly
    `payload`."""
    try:
        verify_body_signature(
            signer.public_key_bytes,
            {k.lower(): v for k, v in headers.items()},
            payload,
            window_s=60.0,
        )
    except ApiError:
        return False
    return True


def assert_signed_body(request, signer) -> dict:
    """The signature must verify against exactly the bytes that were sent."""
    headers = request.headers
    assert headers["x-request-sign-version"] == "v1"
    assert headers["x-request-timestamp"].isdigit() and len(headers["x-request-timestamp"]) == 13
    assert signature_verifies(signer, headers, request.content)
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == f"Bearer {VALID_TOKEN}"
    return json.loads(request.content)


async def test_new_order_wire_format(make_client, signer):
    exchange = ScriptedExchange((200, ENVELOPE))
    client = make_client(exchange, session_id="sess-1")
    ack = await client.new_order(
        "BTC-USD", Side.BUY, Decimal("0.0010"), Decimal("60000.00"), "mm-1"
    )
    (request,) = exchange.requests
    assert (request.method, request.url.path, request.url.query) == ("POST", "/api/new_order", b"")
    body = assert_signed_body(request, signer)
    assert body == {
        "symbol": "BTC-USD",
        "side": "buy",
        "order_type": "limit",
        "qty": "0.0010",
        "price": "60000.00",
        "time_in_force": "alo",
        "reduce_only": False,
        "cl_ord_id": "mm-1",
    }
    assert b" " not in request.content  # compact separators
    assert request.headers["x-session-id"] == "sess-1"
    assert (ack.code, ack.request_id) == (0, "srv-1")


async def test_a_tampered_body_would_not_verify(make_client, signer):
    exchange = ScriptedExchange((200, ENVELOPE))
    await make_client(exchange).new_order("BTC-USD", "sell", Decimal("1"), Decimal("2"), "c")
    request = exchange.requests[0]
    respaced = json.dumps(json.loads(request.content))  # same JSON, different bytes
    assert signature_verifies(signer, request.headers, request.content)
    assert not signature_verifies(signer, request.headers, respaced.encode())


@pytest.mark.parametrize(
    "call, path, body",
    [
        (
            lambda c: c.cancel_order(order_id=11545819148),
            "/api/cancel_order",
            {"order_id": 11545819148},
        ),
        (lambda c: c.cancel_order(cl_ord_id="mm-1"), "/api/cancel_order", {"cl_ord_id": "mm-1"}),
        (
            lambda c: c.cancel_orders(order_ids=[1, 2]),
            "/api/cancel_orders",
            {"order_id_list": [1, 2]},
        ),
        (
            lambda c: c.cancel_orders(cl_ord_ids=["a"]),
            "/api/cancel_orders",
            {"cl_ord_id_list": ["a"]},
        ),
    ],
)
async def test_cancel_wire_format(make_client, signer, call, path, body):
    exchange = ScriptedExchange((200, ENVELOPE))
    await call(make_client(exchange))
    (request,) = exchange.requests
    assert (request.method, request.url.path) == ("POST", path)
    assert assert_signed_body(request, signer) == body


async def test_cancel_orders_accepts_a_bare_list(make_client):
    ack = await make_client(ScriptedExchange((200, []))).cancel_orders(order_ids=[1])
    assert ack.code == 0


async def test_each_write_gets_its_own_request_id(make_client):
    exchange = ScriptedExchange((200, ENVELOPE))
    client = make_client(exchange)
    await client.cancel_order(order_id=1)
    await client.cancel_order(order_id=1)
    ids = {r.headers["x-request-id"] for r in exchange.requests}
    assert len(ids) == 2


@pytest.mark.parametrize(
    "call, path, query, reply",
    [
        (
            lambda c: c.query_open_orders("BTC-USD"),
            "/api/query_open_orders",
            {"symbol": "BTC-USD"},
            {"page_size": 1, "result": [ORDER], "total": 1},
        ),
        (
            lambda c: c.query_open_orders(),
            "/api/query_open_orders",
            {},
            {"page_size": 0, "result": [], "total": 0, "code": 0, "message": "success"},
        ),
        (
            lambda c: c.query_order(order_id=1820682),
            "/api/query_order",
            {"order_id": "1820682"},
            ORDER,
        ),
        (
            lambda c: c.query_order(cl_ord_id="mm-1"),
            "/api/query_order",
            {"cl_ord_id": "mm-1"},
            ORDER,
        ),
        (lambda c: c.query_positions("BTC-USD"), "/api/query_positions", {"symbol": "BTC-USD"}, []),
        (
            lambda c: c.query_balance(),
            "/api/query_balance",
            {},
            {"balance": "1", "equity": "1", "cross_available": "1"},
        ),
    ],
)
async def test_private_gets(make_client, call, path, query, reply):
    exchange = ScriptedExchange((200, reply))
    await call(make_client(exchange))
    (request,) = exchange.requests
    assert (request.method, request.url.path, dict(request.url.params)) == ("GET", path, query)
    assert request.headers["authorization"] == f"Bearer {VALID_TOKEN}"
    assert request.content == b""
    assert not any(h in request.headers for h in SIGNATURE_HEADERS)


@pytest.mark.parametrize(
    "call, path, query, reply",
    [
        (lambda c: c.query_symbol_info(), "/api/query_symbol_info", {}, [SYMBOL_INFO_ROW]),
        (
            lambda c: c.query_symbol_info("BTC-USD"),
            "/api/query_symbol_info",
            {"symbol": "BTC-USD"},
            [SYMBOL_INFO_ROW],
        ),
        (
            lambda c: c.query_symbol_price("BTC-USD"),
            "/api/query_symbol_price",
            {"symbol": "BTC-USD"},
            {"symbol": "BTC-USD", "mark_price": "1"},
        ),
        (
            lambda c: c.query_depth_book("BTC-USD"),
            "/api/query_depth_book",
            {"symbol": "BTC-USD"},
            {"symbol": "BTC-USD", "bids": [], "asks": []},
        ),
    ],
)
async def test_public_gets_send_no_credentials(make_client, call, path, query, reply):
    exchange = ScriptedExchange((200, reply))
    await call(make_client(exchange))
    (request,) = exchange.requests
    assert (request.method, request.url.path, dict(request.url.params)) == ("GET", path, query)
    assert "authorization" not in request.headers


async def test_public_gets_work_without_any_credentials(make_client):
    exchange = ScriptedExchange((200, {"symbol": "BTC-USD", "bids": [["1", "1"], ["2", "1"]]}))
    book = await make_client(exchange, token=None, signer=None).query_depth_book("BTC-USD")
    assert book.best_bid == Decimal("2") and book.received_at > 0


async def test_parsed_results_are_domain_objects(make_client):
    exchange = ScriptedExchange(
        (200, {"page_size": 1, "result": [ORDER | {"id": "7"}], "total": 1})
    )
    (order,) = await make_client(exchange).query_open_orders()
    assert order.id == 7 and order.price == Decimal("121900.00")
