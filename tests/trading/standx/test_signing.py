"""Known-answer vectors of docs/standx-protocol.md §2.4, plus key decoding and JWT helpers."""

from __future__ import annotations

import base64
import json

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from mmsite.env import Secret
from trading.standx.signing import (
    KeyFormatError,
    RequestSigner,
    TokenError,
    check_token_expiry,
    decode_private_key,
    jwt_claims,
    jwt_expiry,
    signing_message,
    token_expiry_problem,
)

SEED_HEX = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
SEED_B58 = "4wBqpZM9xaSheZzJSMawUKKwhdpChKbZ5eu5ky4Vigw"
PUBKEY_HEX = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
PUBKEY_B58 = "9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj"
REQUEST_ID = "6f071beb-1b81-4c68-a8bf-66f1589c2146"
TIMESTAMP = 1760000000000
ORDER_BODY = (
    '{"symbol":"BTC-USD","side":"buy","order_type":"limit","qty":"0.001","price":"60000.00",'
    '"time_in_force":"alo","reduce_only":false,"cl_ord_id":"mm-1"}'
)
ORDER_SIGNATURE = (
    "p4jBnwd5oP75y1Xcfu+oeaXDum9uXBtmXbHcVTLFyUcBzl3v8Qcp0Xhl9bHtRplN4dgtUi9g19Yy39gQi7UgCw=="
)
EMPTY_SIGNATURE = (
    "OyRoVFuRSlpE21md5io4RMty94d5Z8XZHSAvitq84ThStr0rfzNrBxAiU4zZwj216IABxd9E5///xK+obcLSBw=="
)


def test_seed_base58_decodes_to_the_vector_seed():
    assert decode_private_key(SEED_B58).hex() == SEED_HEX


def test_public_key_of_the_vector_seed():
    signer = RequestSigner(SEED_B58)
    assert signer.public_key_bytes.hex() == PUBKEY_HEX
    assert signer.public_key_base58 == PUBKEY_B58


def test_order_body_vector():
    headers = RequestSigner(SEED_B58).headers(ORDER_BODY, REQUEST_ID, TIMESTAMP)
    assert headers == {
        "x-request-sign-version": "v1",
        "x-request-id": REQUEST_ID,
        "x-request-timestamp": "1760000000000",
        "x-request-signature": ORDER_SIGNATURE,
    }


def test_empty_payload_vector():
    headers = RequestSigner(SEED_B58).headers("", REQUEST_ID, TIMESTAMP)
    assert headers["x-request-signature"] == EMPTY_SIGNATURE


def test_signed_message_layout_has_trailing_comma_for_empty_payload():
    assert signing_message(REQUEST_ID, TIMESTAMP, "") == f"v1,{REQUEST_ID},{TIMESTAMP},".encode()


def test_default_headers_use_uuid4_and_millisecond_clock():
    headers = RequestSigner(SEED_B58).headers("{}")
    assert len(headers["x-request-id"]) == 36 and headers["x-request-id"][14] == "4"
    assert len(headers["x-request-timestamp"]) == 13  # milliseconds, not seconds
    message = signing_message(headers["x-request-id"], headers["x-request-timestamp"], "{}")
    VerifyKey(bytes.fromhex(PUBKEY_HEX)).verify(
        message, base64.b64decode(headers["x-request-signature"])
    )  # raises if it is not


def test_signature_is_standard_padded_base64_of_64_bytes():
    signature = RequestSigner(SEED_B58).sign(REQUEST_ID, TIMESTAMP, ORDER_BODY)
    assert len(base64.b64decode(signature, validate=True)) == 64
    assert signature.endswith("==")


def test_key_as_secret():
    assert RequestSigner(Secret(SEED_B58)).public_key_base58 == PUBKEY_B58


def test_64_byte_seed_plus_pubkey_key_uses_the_seed():
    key = base58.b58encode(bytes.fromhex(SEED_HEX + PUBKEY_HEX)).decode()
    assert decode_private_key(key).hex() == SEED_HEX
    assert RequestSigner(key).public_key_base58 == PUBKEY_B58


def test_64_byte_key_with_mismatched_pubkey_half_is_refused():
    other_pub = bytes(SigningKey(b"\x07" * 32).verify_key)
    key = base58.b58encode(bytes.fromhex(SEED_HEX) + other_pub).decode()
    with pytest.raises(KeyFormatError, match="does not match") as caught:
        decode_private_key(key)
    assert key not in str(caught.value)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "   ",
        "0OIl-not-base58",  # 0, O, I, l are not in the alphabet
        base58.b58encode(b"\x01" * 31).decode(),  # wrong length
        base58.b58encode(b"\x01" * 33).decode(),
        base58.b58encode(b"\x01" * 48).decode(),
        SEED_HEX,  # hex: "0" is not in the alphabet
    ],
)
def test_bad_keys_raise_key_format_error_without_echoing_the_key(key):
    with pytest.raises(KeyFormatError) as caught:
        RequestSigner(key)
    if key.strip():
        assert key not in str(caught.value)


def test_signer_repr_shows_only_the_public_key():
    text = repr(RequestSigner(SEED_B58))
    assert PUBKEY_B58 in text and SEED_B58 not in text


def _jwt(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_jwt_claims_decode_unpadded_base64url():
    token = _jwt({"exp": 1760000000, "sub": "bsc_0xabc", "note": "?>?>"})  # encodes to a "-"
    assert jwt_claims(token) == {"exp": 1760000000, "sub": "bsc_0xabc", "note": "?>?>"}
    assert jwt_claims(Secret(token))["sub"] == "bsc_0xabc"


def test_jwt_expiry():
    assert jwt_expiry(_jwt({"exp": 1760000000})) == 1760000000.0
    assert jwt_expiry(_jwt({"iat": 1})) is None
    assert jwt_expiry(_jwt({"exp": "soon"})) is None
    assert jwt_expiry("not-a-jwt") is None


@pytest.mark.parametrize(
    "token", ["a.b", "a.!!!.c", f"a.{base64.urlsafe_b64encode(b'[1]').decode()}.c"]
)
def test_jwt_claims_rejects_non_jwts_without_echoing(token):
    with pytest.raises(TokenError) as caught:
        jwt_claims(token)
    assert token not in str(caught.value)


def test_token_expiry_problem():
    assert "expired 10s ago" in token_expiry_problem(1000.0, now=1010.0)
    assert "expires in 30s" in token_expiry_problem(1000.0, now=970.0, within_seconds=60)
    assert token_expiry_problem(1000.0, now=900.0, within_seconds=60) is None
    assert token_expiry_problem(None, now=900.0) is None


def test_check_token_expiry_reads_the_token():
    token = _jwt({"exp": 2000})
    assert "expired" in check_token_expiry(token, now=2001)
    assert check_token_expiry(token, now=1000, within_seconds=60) is None


@given(
    body=st.text(max_size=200),
    request_id=st.text(min_size=1, max_size=40),
    timestamp=st.integers(min_value=0, max_value=10**13),
)
def test_sign_then_verify_round_trips_and_binds_the_body(body, request_id, timestamp):
    signer = RequestSigner(SEED_B58)
    signature = base64.b64decode(signer.sign(request_id, timestamp, body))
    key = VerifyKey(signer.public_key_bytes)
    key.verify(signing_message(request_id, timestamp, body), signature)
    with pytest.raises(BadSignatureError):
        key.verify(signing_message(request_id, timestamp, body + "x"), signature)
