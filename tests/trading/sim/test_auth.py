"""Auth as StandX: Bearer JWT (401 when missing, invalid, expired), Ed25519 signature over
the exact raw body (403), millisecond timestamps within the window (403 "request expired")."""

from __future__ import annotations

import base64
import time

from tests.trading.sim.helpers import alo, sign_headers

BODY = (
    '{"symbol":"BTC-USD","side":"buy","order_type":"limit","qty":"0.0010",'
    '"price":"65000.00","time_in_force":"alo","reduce_only":false}'
)


async def _post(http, token, body, headers):
    return await http.post(
        "/api/new_order",
        content=body.encode(),
        headers={"Authorization": f"Bearer {token}", **headers},
    )


async def test_missing_jwt_is_401(api, http):
    r = await http.get("/api/query_balance")
    assert r.status_code == 401 and r.json()["code"] == 401
    r = await http.post("/api/new_order", content=BODY, headers=sign_headers(api.private_key, BODY))
    assert r.status_code == 401


async def test_invalid_and_expired_jwt_are_401(sim, api, http):
    tampered = api.token[:-2] + ("AA" if not api.token.endswith("AA") else "BB")
    r = await http.get("/api/query_balance", headers={"Authorization": f"Bearer {tampered}"})
    assert r.status_code == 401
    user = sim.exchange.jwt.verify(api.token).user
    expired = sim.exchange.issue_token(user, ttl_s=-10)
    r = await http.get("/api/query_balance", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and r.json()["message"] == "token expired"
    r = await _post(http, expired, BODY, sign_headers(api.private_key, BODY))
    assert r.status_code == 401


async def test_bad_signature_is_403_and_changes_nothing(api, http):
    other_key = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
    r = await _post(http, api.token, BODY, sign_headers(other_key, BODY))
    assert r.status_code == 403
    assert r.json() == {"code": 403, "message": "invalid body signature"}
    assert await api.open_orders() == []


async def test_signature_must_cover_the_exact_bytes_sent(api, http):
    spaced = BODY.replace(",", ", ")  # same JSON, different bytes
    r = await _post(http, api.token, spaced, sign_headers(api.private_key, BODY))
    assert r.status_code == 403
    r = await _post(http, api.token, spaced, sign_headers(api.private_key, spaced))
    assert r.status_code == 200


async def test_garbage_and_missing_signature_headers_are_403(api, http):
    headers = sign_headers(api.private_key, BODY)
    headers["x-request-signature"] = base64.b64encode(b"x" * 10).decode()
    assert (await _post(http, api.token, BODY, headers)).status_code == 403
    r = await _post(http, api.token, BODY, {})
    assert r.status_code == 403 and "invalid body signature" in r.json()["message"]


async def test_timestamp_outside_window_is_request_expired(api, http):
    old = int((time.time() - 120) * 1000)
    r = await _post(http, api.token, BODY, sign_headers(api.private_key, BODY, timestamp_ms=old))
    assert r.status_code == 403 and r.json()["message"] == "request expired"
    seconds = int(time.time())  # a client that falls back to seconds is out of window
    r = await _post(
        http, api.token, BODY, sign_headers(api.private_key, BODY, timestamp_ms=seconds)
    )
    assert r.status_code == 403 and r.json()["message"] == "request expired"
    assert await api.open_orders() == []


async def test_any_request_id_and_signed_or_unsigned_gets(api, http):
    r = await _post(
        http,
        api.token,
        BODY,
        sign_headers(api.private_key, BODY, request_id="9C6hybhQ6Aycep9jaUnP6"),
    )
    assert r.status_code == 200 and r.json()["request_id"] == "9C6hybhQ6Aycep9jaUnP6"
    signed_get = {**api.auth(), **sign_headers(api.private_key, "")}
    assert (await http.get("/api/query_balance", headers=signed_get)).status_code == 200
    assert (await http.get("/api/query_balance", headers=api.auth())).status_code == 200


async def test_public_endpoints_need_no_token(http):
    assert (
        await http.get("/api/query_symbol_price", params={"symbol": "BTC-USD"})
    ).status_code == 200


async def test_region_answers_the_server_time(http):
    r = await http.get("/v1/region")
    assert r.json()["region"] == "sim" and abs(r.json()["systemTime"] / 1000 - time.time()) < 5


async def test_sim_account_balance_and_alo_helper_shape(sim, http):
    r = await http.post("/sim/accounts", json={"balance": "2500"})
    acct = r.json()
    assert set(acct) == {"token", "ed25519_private_key", "address", "user"}
    assert acct["user"] == f"bsc_{acct['address']}"
    bal = await http.get("/api/query_balance", headers={"Authorization": f"Bearer {acct['token']}"})
    assert bal.json()["balance"] == "2500.000000000"  # in the quote asset's 9 decimals
    assert alo("buy", "1.00")["time_in_force"] == "alo"
