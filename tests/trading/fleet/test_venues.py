"""Each account's seat links its REST orders to an order-response session on the ws-api
beside its stream (unless ORDER_RESPONSE_SESSION is off), and never anywhere else."""

from __future__ import annotations

import contextlib

import pytest
from django.test import override_settings

from tests.mmsite.startup import run_python
from trading.fleet.venues import Venue, Venues, response_session, ws_api_url_beside
from trading.sim.runner import SimServer
from trading.standx.order_session import SessionRequests


@pytest.fixture
async def sim():
    server = SimServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@override_settings(STANDX_MODE="sim", ORDER_RESPONSE_SESSION=True)
async def test_a_seat_links_its_rest_orders_to_the_session(sim):
    async with contextlib.AsyncExitStack() as stack:
        seat = await Venues(stack, sim).seat_for("default")
        responses = seat.feed.responses
        assert responses is not None and responses.url == sim.ws_api_url
        assert seat.rest._session is responses.requests
        assert seat.rest._session_id == responses.requests.session_id


@override_settings(ORDER_RESPONSE_SESSION=False)
def test_the_session_can_be_switched_off():
    venue = Venue("sim", "http://127.0.0.1:1", "ws://127.0.0.1:1/ws-stream/v1", "t", "k", "x")
    assert response_session(venue, SessionRequests()) is None


@pytest.mark.parametrize(
    "stream, api",
    [
        ("ws://127.0.0.1:8100/ws-stream/v1", "ws://127.0.0.1:8100/ws-api/v1"),
        ("wss://perps.standx.com/ws-stream/v1", "wss://perps.standx.com/ws-api/v1"),
        ("ws://localhost:9/custom?x=1", "ws://localhost:9/ws-api/v1"),
    ],
)
def test_the_ws_api_url_is_on_the_streams_host(stream, api):
    assert ws_api_url_beside(stream) == api


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "wss://perps.standx.com/ws-api/v1"),
        ({"STANDX_WS_URL": "ws://127.0.0.1:8100/ws-stream/v1"}, "ws://127.0.0.1:8100/ws-api/v1"),
        (
            {"STANDX_WS_URL": "ws://127.0.0.1:1/ws-stream/v1", "STANDX_WS_API_URL": "ws://h/x"},
            "ws://h/x",
        ),
    ],
)
def test_the_ws_api_setting_defaults_to_the_streams_host(env, expected):
    """An environment that points only STANDX_WS_URL at a simulator keeps the order-response
    session there too, not on perps.standx.com."""
    shown = run_python("from django.conf import settings; print(settings.STANDX_WS_API_URL)", **env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == expected
