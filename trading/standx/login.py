"""StandX wallet login (docs/standx-protocol.md §2.2), EVM wallets, over HTTP: the credentials a bot
needs (an access token and the Ed25519 request key bound to it) from a wallet private key.

1. a FRESH Ed25519 request key; requestId = base58 of its 32-byte public key;
2. POST {auth}/v1/offchain/prepare-signin?chain=bsc {"address", "requestId"} -> signedData;
3. the SIWE `message` in signedData's payload, signed EIP-191 (personal_sign) by the wallet;
4. POST {auth}/v1/offchain/login?chain=bsc {"signature", "signedData", "expiresSeconds"}
   -> {"token", "address", ...}: the token is bound to the request key.

The wallet key is used for that one signature and kept nowhere; no message or repr of this
module ever contains it, the token or the request key. No retries: a login is interactive.
"""

from __future__ import annotations

import binascii
import os
from dataclasses import dataclass, field
from typing import Any

import base58
import httpx
from nacl.signing import SigningKey

from trading.standx.errors import MalformedResponseError, StandXError, error_for_status
from trading.standx.evm import EthAccount, LocalAccount, encode_defunct
from trading.standx.signing import TokenError, jwt_claims, jwt_expiry
from trading.standx.values import first_text, parse_json, snippet

DEFAULT_EXPIRES_SECONDS = 604_800  # 7 days, StandX's default
CHAIN = "bsc"


class WalletKeyError(ValueError):
    """The wallet private key is not usable. The message never contains the key."""


@dataclass(frozen=True)
class Credentials:
    token: str = field(repr=False)
    request_key: str = field(repr=False)  # base58 of the 32-byte Ed25519 seed
    address: str
    chain: str
    expires_at: float | None  # the token's `exp` (epoch seconds), when it has one


def wallet_account(wallet_key: str) -> LocalAccount:
    """The EVM account of a private key given as 64 hex digits, with or without 0x."""
    text = wallet_key.strip()
    digits = text[2:] if text[:2].lower() == "0x" else text
    try:
        if len(digits) != 64:
            raise ValueError
        account: LocalAccount = EthAccount.from_key(bytes.fromhex(digits))
    except (ValueError, binascii.Error):
        raise WalletKeyError(
            "the wallet private key must be 64 hex digits (32 bytes), with or without 0x"
        ) from None
    return account


async def wallet_login(
    auth_base: str,
    wallet_key: str,
    *,
    expires_seconds: int = DEFAULT_EXPIRES_SECONDS,
    timeout: float = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Credentials:
    """Log in with a wallet key; raises WalletKeyError, StandXError (HTTP status mapped as
    in the REST client) or MalformedResponseError."""
    wallet = wallet_account(wallet_key)
    seed = os.urandom(32)
    request_id = base58.b58encode(bytes(SigningKey(seed).verify_key)).decode("ascii")
    async with httpx.AsyncClient(
        base_url=auth_base.rstrip("/"), timeout=timeout, transport=transport
    ) as http:
        identity = {"address": wallet.address, "requestId": request_id}
        prepared = await _post(http, "/v1/offchain/prepare-signin", identity)
        signed_data = _text(prepared, "signedData")
        message = _signin_message(signed_data, wallet.address, request_id)
        signature = wallet.sign_message(encode_defunct(text=message)).signature
        body = {
            "signature": "0x" + bytes(signature).hex(),
            "signedData": signed_data,
            "expiresSeconds": expires_seconds,
        }
        answer = await _post(http, "/v1/offchain/login", body)
    token = _text(answer, "token")
    return Credentials(
        token=token,
        request_key=base58.b58encode(seed).decode("ascii"),
        address=wallet.address,
        chain=CHAIN,
        expires_at=jwt_expiry(token),
    )


def _signin_message(signed_data: str, address: str, request_id: str) -> str:
    """The message to sign, after checking the server prepared it for this wallet and key."""
    try:
        claims = jwt_claims(signed_data)
    except TokenError as exc:
        raise MalformedResponseError(f"prepare-signin: signedData {exc}") from None
    if str(claims.get("address", "")).lower() != address.lower():
        raise MalformedResponseError("prepare-signin: signedData is for another address")
    if claims.get("requestId") != request_id:
        raise MalformedResponseError("prepare-signin: signedData is for another request key")
    message = claims.get("message")
    if not isinstance(message, str) or not message:
        raise MalformedResponseError("prepare-signin: signedData carries no message to sign")
    return message


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = await http.post(path, params={"chain": CHAIN}, json=body)
    except httpx.HTTPError as exc:
        raise StandXError(f"{path}: no answer ({type(exc).__name__})") from None
    try:
        payload = parse_json(response.content)
    except MalformedResponseError:
        payload = None
    if response.status_code != 200:
        message = first_text(payload, "message", "msg") if isinstance(payload, dict) else None
        text = message or snippet(response.text) or response.reason_phrase
        raise error_for_status(response.status_code, f"{path}: {text}")
    if not isinstance(payload, dict):
        raise MalformedResponseError(f"{path}: the answer is not a JSON object")
    return payload


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedResponseError(f"the login answer has no {name}")
    return value
