"""PURE parts of the order-response session: ws-api frames -> OrderResponse, and the
request-id bookkeeping that names the order each answer is about."""

from __future__ import annotations

import json

import pytest

from tests.trading.standx.conftest import ScriptedExchange
from trading.standx import order_session, protocol
from trading.standx.errors import MalformedResponseError, RejectKind
from trading.standx.frames import OrderResponse, PingMessage, UnknownMessage, parse_order_response
from trading.standx.order_session import (
    CANCEL_ORDER,
    NEW_ORDER,
    OrderResult,
    SessionRequest,
    SessionRequests,
)

NEW = SessionRequest(NEW_ORDER, "mmbot-a-1b")


@pytest.mark.parametrize(
    "frame, expected",
    [
        (
            {"code": 400, "message": "alo order rejected", "request_id": "r1"},
            OrderResponse("r1", 400, "alo order rejected"),
        ),
        ({"code": 0, "message": "success", "request_id": "r2"}, OrderResponse("r2", 0, "success")),
        ({"code": "0", "msg": "success", "request_id": "r3"}, OrderResponse("r3", 0, "success")),
        (  # newer docs: a gateway pass before the final answer
            {"code": 0, "status": "accepted", "request_id": "r4"},
            OrderResponse("r4", 0, "", final=False),
        ),
    ],
)
def test_answers_parse(frame, expected):
    assert parse_order_response(json.dumps(frame)) == expected


def test_pings_and_foreign_frames_are_told_apart():
    assert parse_order_response('{"ping": 7}') == PingMessage(7)
    assert isinstance(parse_order_response('{"channel": "order", "data": {}}'), UnknownMessage)
    assert isinstance(parse_order_response('{"code": 0, "message": "ok"}'), UnknownMessage)


@pytest.mark.parametrize("raw", ["not json", "[1]", '{"code": "x", "request_id": "r"}'])
def test_broken_frames_raise(raw):
    with pytest.raises(MalformedResponseError):
        parse_order_response(raw)


def test_the_login_frame_carries_the_session_id_and_params_as_a_string():
    frame = json.loads(protocol.api_login_frame("sess-1", "req-1", "tok"))
    assert frame == {
        "session_id": "sess-1",
        "request_id": "req-1",
        "method": "auth:login",
        "params": '{"token":"tok"}',
    }


def test_an_answer_names_the_request_it_answers():
    requests = SessionRequests("sess")
    requests.sent("r1", NEW)
    result = requests.resolve(OrderResponse("r1", 400, "alo order rejected"))
    assert result == OrderResult(NEW, 400, "alo order rejected")
    assert not result.ok and result.kind is RejectKind.WOULD_CROSS
    ok = requests.resolve(OrderResponse("r1", 0, "success"))
    assert ok is not None and ok.ok and ok.kind is None


def test_a_gateway_pass_is_not_a_result():
    requests = SessionRequests()
    requests.sent("r1", NEW)
    assert requests.resolve(OrderResponse("r1", 0, "", final=False)) is None


def test_an_early_answer_is_delivered_when_the_acknowledgement_links_it():
    requests, late = SessionRequests(), []
    requests.on_late = late.append
    requests.sent("ours", NEW)
    assert requests.resolve(OrderResponse("theirs", 400, "alo order rejected")) is None
    requests.acked("ours", "theirs")
    assert late == [OrderResult(NEW, 400, "alo order rejected")]
    # once linked, a later answer under either id resolves directly
    cancel = SessionRequest(CANCEL_ORDER, "mmbot-a-1b", 12)
    requests.sent("c1", cancel)
    assert requests.resolve(OrderResponse("c1", 0, "success")) == OrderResult(cancel, 0, "success")


def test_an_acknowledgement_echoing_our_id_changes_nothing():
    requests, late = SessionRequests(), []
    requests.on_late = late.append
    requests.sent("ours", NEW)
    requests.acked("ours", "ours")
    requests.acked("unknown", "other")
    assert late == []


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(order_session, "REQUEST_MEMORY", 3)
    monkeypatch.setattr(order_session, "UNMATCHED_MEMORY", 2)
    requests = SessionRequests()
    for i in range(5):
        requests.sent(f"r{i}", NEW)
        requests.resolve(OrderResponse(f"u{i}", 400, "x"))
    assert requests.resolve(OrderResponse("r0", 400, "x")) is None  # forgotten, kept unmatched
    assert requests.resolve(OrderResponse("r4", 400, "x")) is not None
    late: list = []
    requests.on_late = late.append
    requests.sent("s", NEW)
    requests.acked("s", "u0")  # dropped long ago
    requests.acked("s", "r0")  # the newest unmatched answers are kept
    assert len(late) == 1


def test_a_session_id_is_made_when_none_is_given():
    first, second = SessionRequests(), SessionRequests()
    assert first.session_id.startswith("mm-") and first.session_id != second.session_id


async def test_order_requests_carry_the_session_id_and_are_remembered(make_client):
    """new_order and cancel_order name the session (x-session-id) and record what each
    request id was about, also under the acknowledgement's own request_id; reads and the
    batch cancel do neither."""
    exchange = ScriptedExchange(
        (200, {"code": 0, "message": "success", "request_id": "gateway-1"}),
        (200, {"code": 0, "message": "success", "request_id": "gateway-2"}),
        (200, {"code": 0, "message": "success"}),
    )
    requests = SessionRequests("sess-9")
    client = make_client(exchange, session=requests)
    await client.new_order("BTC-USD", "buy", "0.001", "66000", "mmbot-a-1b")
    await client.cancel_order(cl_ord_id="mmbot-a-1b")
    await client.cancel_orders(cl_ord_ids=["mmbot-a-1b"])
    sent = [r.headers.get("x-session-id") for r in exchange.requests]
    assert sent == ["sess-9", "sess-9", None]
    placed, cancelled = (r.headers["x-request-id"] for r in exchange.requests[:2])
    answer = OrderResponse("gateway-1", 400, "alo order rejected")
    assert requests.resolve(answer) == OrderResult(NEW, 400, "alo order rejected")
    by_ours = requests.resolve(OrderResponse(placed, 400, "alo order rejected"))
    assert by_ours is not None and by_ours.request == NEW
    cancel = requests.resolve(OrderResponse(cancelled, 0, "success"))
    assert cancel is not None and cancel.request == SessionRequest(CANCEL_ORDER, "mmbot-a-1b")
