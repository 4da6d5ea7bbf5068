"""Simulator wallet login (docs/standx-protocol.md §2.2): prepare-signin, a real EIP-191
signature checked by recovering its signer, and a token bound to the request key of the login."""

from __future__ import annotations

import time

import base58
import pytest
from eth_account import Account as EthAccount
from eth_account.messages import encode_defunct
from nacl.signing import SigningKey

from tests.trading.sim.helpers import Api, Stream, alo
from trading.standx.errors import AuthError, OrderRejectedError
from trading.standx.login import WalletKeyError, wallet_login
from trading.standx.rest import StandXRest
from trading.standx.signing import RequestSigner, jwt_claims

WALLET = EthAccount.from_key(bytes(range(1, 33)))
OTHER_WALLET = EthAccount.from_key(bytes(range(2, 34)))


def request_key() -> tuple[str, str]:
    """(base58 seed, base58 public key = requestId) of a fresh Ed25519 key."""
    seed = SigningKey.generate()
    return (
        base58.b58encode(bytes(seed)).decode(),
        base58.b58encode(bytes(seed.verify_key)).decode(),
    )


async def prepare(http, request_id: str, address: str = WALLET.address) -> str:
    r = await http.post(
        "/v1/offchain/prepare-signin?chain=bsc", json={"address": address, "requestId": request_id}
    )
    assert r.status_code == 200, r.text
    assert r.json()["success"] is True
    return r.json()["signedData"]


def sign(signed_data: str, wallet=WALLET) -> str:
    message = jwt_claims(signed_data)["message"]
    return "0x" + bytes(wallet.sign_message(encode_defunct(text=message)).signature).hex()


async def login(http, signed_data: str, signature: str, **extra):
    return await http.post(
        "/v1/offchain/login?chain=bsc",
        json={"signature": signature, "signedData": signed_data, **extra},
    )


async def test_login_binds_the_request_key_and_the_token_trades(sim, http):
    seed, request_id = request_key()
    signed_data = await prepare(http, request_id)
    claims = jwt_claims(signed_data)
    assert claims["address"] == WALLET.address and claims["requestId"] == request_id
    assert claims["message"].startswith("standx.com wants you to sign in")
    assert 0 < claims["exp"] - claims["iat"] <= 180
    r = await login(http, signed_data, sign(signed_data))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"token", "address", "alias", "chain", "perpsAlpha"}
    assert body["address"] == WALLET.address and body["chain"] == "bsc"
    token_claims = jwt_claims(body["token"])
    assert token_claims["requestId"] == request_id
    assert token_claims["exp"] - time.time() > 6.9 * 86400  # 7 days by default
    api = Api(http, body["token"], seed)
    r = await api.post("/api/new_order", alo("buy", "60000.00"))
    assert r.status_code == 200, r.text
    stream = await Stream.open(sim.ws_stream_url, body["token"])  # the stream takes it too
    await stream.close()
    other = Api(http, body["token"], request_key()[0])  # same token, another key
    r = await other.post("/api/new_order", alo("buy", "60000.00"))
    assert r.status_code == 403  # the key is bound to the token


async def test_a_second_login_reuses_the_account_and_each_token_keeps_its_key(http):
    first_seed, first_id = request_key()
    data = await prepare(http, first_id)
    first = (await login(http, data, sign(data))).json()["token"]
    second_seed, second_id = request_key()
    data = await prepare(http, second_id)
    second = (await login(http, data, sign(data), expiresSeconds=3600)).json()["token"]
    assert 3500 < jwt_claims(second)["exp"] - time.time() <= 3600
    assert jwt_claims(first)["user"] == jwt_claims(second)["user"]
    for token, seed in ((first, first_seed), (second, second_seed)):
        r = await Api(http, token, seed).post("/api/new_order", alo("buy", "60000.00"))
        assert r.status_code == 200, r.text
    r = await Api(http, second, first_seed).post("/api/new_order", alo("buy", "60000.00"))
    assert r.status_code == 403


async def test_wrong_signer_reuse_and_tampering_are_refused(sim, http):
    _, request_id = request_key()
    data = await prepare(http, request_id)
    r = await login(http, data, sign(data, OTHER_WALLET))
    assert r.json() == {"code": 401, "message": "signature does not match the address"}
    assert r.status_code == 401
    assert (await login(http, data, sign(data))).status_code == 200
    r = await login(http, data, sign(data))
    assert r.status_code == 401 and "already used" in r.json()["message"]
    header, payload, sig = (await prepare(http, request_id)).split(".")
    forged = f"{header}.{payload[:-2]}AA.{sig}"
    r = await login(http, forged, "0x" + "11" * 65)
    assert r.status_code == 401 and r.json()["message"] == "signedData invalid"
    stale = sim.exchange.jwt.encode({**jwt_claims(data), "exp": time.time() - 1})
    r = await login(http, stale, sign(stale))
    assert r.status_code == 401 and "expired" in r.json()["message"]
    token = sim.create_account().token  # an access token is no signedData
    r = await login(http, token, "0x" + "11" * 65)
    assert r.status_code == 401 and "not issued by prepare-signin" in r.json()["message"]


@pytest.mark.parametrize(
    "path, body, message",
    [
        ("prepare-signin?chain=bsc", {"address": "0xabc", "requestId": "x"}, "EVM address"),
        ("prepare-signin?chain=bsc", {"address": WALLET.address, "requestId": "0OIl"}, "base58"),
        ("prepare-signin?chain=solana", {"address": WALLET.address}, "bsc only"),
        ("prepare-signin?chain=eth", {"address": WALLET.address}, "bsc or solana"),
        ("login?chain=bsc", {"signature": "0x00"}, "required strings"),
        (
            "login?chain=bsc",
            {"signature": "0x00", "signedData": "a.b.c", "expiresSeconds": 0},
            "1..",
        ),
        ("login?chain=bsc", "not json", "malformed JSON"),
    ],
)
async def test_malformed_login_requests_are_400(http, path, body, message):
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    r = await http.post(f"/v1/offchain/{path}", **kwargs)
    assert r.status_code == 400 and r.json()["code"] == 400, r.text
    assert message in r.json()["message"]


async def test_a_malformed_signature_is_400(http):
    data = await prepare(http, request_key()[1])
    for bad in ("0x1234", "zz" * 65, "0x" + "00" * 64 + "05"):
        r = await login(http, data, bad)
        assert r.status_code == 400 and "65-byte EIP-191" in r.json()["message"]


async def test_the_client_login_gives_credentials_the_rest_client_can_use(sim):
    creds = await wallet_login(sim.api_base, "0x" + bytes(range(1, 33)).hex())
    assert creds.address == WALLET.address and creds.chain == "bsc"
    assert creds.expires_at is not None and creds.expires_at > time.time() + 6 * 86400
    assert creds.token not in repr(creds) and creds.request_key not in repr(creds)
    async with StandXRest(
        sim.api_base, token=creds.token, signer=RequestSigner(creds.request_key)
    ) as rest:
        balance = await rest.query_balance()
        assert balance.equity == sim.exchange.config.initial_balance
        ack = await rest.new_order("BTC-USD", "buy", "0.0010", "60000.00", "mm-login-1")
        assert ack.code == 0
    async with StandXRest(sim.api_base, token="not-a-jwt") as rest:
        with pytest.raises(AuthError):
            await rest.query_balance()


async def test_the_client_login_refuses_a_bad_key_before_the_network(sim):
    for bad in ("", "0x1234", "g" * 64, "0x" + "ab" * 33):
        with pytest.raises(WalletKeyError) as caught:
            await wallet_login("http://127.0.0.1:9", bad)  # nothing listens there
        assert not bad or bad not in str(caught.value)
    # The server's reason reaches the caller (here a 400 on login, after prepare-signin).
    with pytest.raises(OrderRejectedError, match="expiresSeconds must be an integer"):
        await wallet_login(sim.api_base, "0x" + "ab" * 32, expires_seconds=0)
