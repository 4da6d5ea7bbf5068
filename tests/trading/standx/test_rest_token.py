"""The access token: expiry read from the JWT, refused locally once expired, never logged."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from mmsite.env import Secret
from tests.trading.standx.conftest import (
    BASE_URL,
    EXPIRED_TOKEN,
    FAR_FUTURE,
    SEED_B58,
    VALID_TOKEN,
    ScriptedExchange,
    make_jwt,
)
from trading.standx.errors import AuthError
from trading.standx.rest import StandXRest


async def test_token_expiry_is_exposed(make_client):
    assert make_client(ScriptedExchange()).token_expires_at == FAR_FUTURE
    assert make_client(ScriptedExchange(), token="opaque").token_expires_at is None


async def test_expired_token_is_refused_without_touching_the_network(make_client):
    exchange = ScriptedExchange()
    client = make_client(exchange, token=EXPIRED_TOKEN)
    with pytest.raises(AuthError, match="expired"):
        await client.query_balance()
    with pytest.raises(AuthError, match="expired"):
        await client.new_order("BTC-USD", "buy", Decimal("1"), Decimal("1"), "c")
    assert exchange.requests == []
    assert client.stats.errors["AuthError"] == 2


async def test_public_calls_still_work_with_an_expired_token(make_client):
    exchange = ScriptedExchange((200, {"symbol": "BTC-USD", "bids": [], "asks": []}))
    await make_client(exchange, token=EXPIRED_TOKEN).query_depth_book("BTC-USD")
    assert "authorization" not in exchange.requests[0].headers


async def test_token_is_renewable(make_client):
    exchange = ScriptedExchange((200, []))
    client = make_client(exchange, token=EXPIRED_TOKEN)
    client.set_token(Secret(VALID_TOKEN))
    assert await client.query_positions() == []
    assert exchange.requests[0].headers["authorization"] == f"Bearer {VALID_TOKEN}"


async def test_missing_credentials_are_auth_errors(make_client):
    exchange = ScriptedExchange()
    with pytest.raises(AuthError):
        await make_client(exchange, token=None).query_balance()
    with pytest.raises(AuthError):
        await make_client(exchange, signer=None).cancel_order(order_id=1)
    assert exchange.requests == []


async def test_expired_token_is_warned_about_at_construction(caplog):
    with caplog.at_level(logging.WARNING, logger="trading.standx.rest"):
        client = StandXRest(BASE_URL, token=Secret(EXPIRED_TOKEN))
    await client.aclose()
    assert any("expired" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("exp_in, warned", [(600, True), (10 * 86400, False)])
async def test_a_token_expiring_soon_is_warned_about(caplog, exp_in, warned):
    token = make_jwt({"exp": 1_000_000 + exp_in})
    with caplog.at_level(logging.WARNING, logger="trading.standx.rest"):
        client = StandXRest(BASE_URL, token=token, clock=lambda: 1_000_000.0)
    await client.aclose()
    messages = [record.getMessage() for record in caplog.records]
    assert bool(messages) is warned
    assert all(token not in message for message in messages)


async def test_logs_and_reprs_never_contain_secrets(make_client, caplog):
    exchange = ScriptedExchange((500, ""), (200, {"code": 0, "message": "success"}), (200, []))
    client = make_client(exchange, token=Secret(VALID_TOKEN))
    with caplog.at_level(logging.DEBUG):
        await client.new_order("BTC-USD", "buy", Decimal("1"), Decimal("1"), "c")
        await client.query_positions()
    text = "\n".join(record.getMessage() for record in caplog.records) + repr(client)
    assert "/api/new_order" in text  # something was logged...
    for secret in (VALID_TOKEN, SEED_B58, "x-request-signature", "Bearer"):
        assert secret not in text  # ...but never a credential
