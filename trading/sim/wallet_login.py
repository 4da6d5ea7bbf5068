"""The auth host's wallet login (docs/standx-protocol.md §2.2), EVM wallets (`chain=bsc`), verified.

prepare-signin answers `{"success": true, "signedData": <JWT>}` whose payload carries the
SIWE-style `message`, the wallet `address`, the `requestId` (base58 Ed25519 public key) and
a 180 s `exp`. login recovers the signer of the EIP-191 `personal_sign` signature of that
message with eth-account, requires it to be the address, and issues an access token bound
to the requestId key: body signatures by that key verify from then on (auth.py). A wallet's
first login opens a funded account (SimConfig.initial_balance); later logins reuse it, each
token keeping its own key. Each signedData works once.

Assumed where StandX is silent: statuses (400 malformed, 401 wrong signer or expired
signedData), signedData signed HS256 with the simulator's secret (StandX: ES256, verifiable
with /v1/offchain/certs, which the simulator does not serve); solana wallets get a clear 400."""

from __future__ import annotations

import os
import re
import time

import base58

from trading.sim.endpoint import Ctx
from trading.sim.errors import ApiError, bad_request
from trading.sim.traffic import ACCOUNT
from trading.sim.util import iso
from trading.sim.validation import parse_json_object
from trading.standx.evm import BadSignature, EthAccount, encode_defunct

SIGNIN_TTL_S = 180
DEFAULT_EXPIRES_S = 604_800
MAX_EXPIRES_S = 30 * 24 * 3600
SIGNIN_PURPOSE = "standx-signin"
EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _chain(ctx: Ctx) -> str:
    chain = ctx.query.get("chain", "bsc")
    if chain == "solana":
        raise bad_request("chain solana: the simulator's wallet login supports bsc only")
    if chain != "bsc":
        raise bad_request(f"chain must be bsc or solana, not {chain!r}")
    return chain


def _request_key(request_id: object) -> bytes:
    try:
        if not isinstance(request_id, str):
            raise ValueError
        key = base58.b58decode(request_id)
        if len(key) != 32:
            raise ValueError
    except ValueError:
        raise bad_request("requestId must be the base58 32-byte ed25519 public key") from None
    return key


async def prepare_signin(exchange, ctx: Ctx):
    chain = _chain(ctx)
    body = parse_json_object(ctx.raw_body)
    address, request_id = body.get("address"), body.get("requestId")
    if not isinstance(address, str) or not EVM_ADDRESS.fullmatch(address):
        raise bad_request("address must be an EVM address: 0x and 40 hex digits")
    _request_key(request_id)
    now, nonce = int(time.time()), os.urandom(8).hex()
    statement = "Sign in to StandX (simulator)"
    message = (
        f"standx.com wants you to sign in with your Ethereum account:\n{address}\n\n"
        f"{statement}\n\nURI: https://standx.com\nVersion: 1\n"
        f"Chain ID: 56\nNonce: {nonce}\nIssued At: {iso(now)}\nRequest ID: {request_id}"
    )
    claims = {
        "purpose": SIGNIN_PURPOSE,
        "domain": "standx.com",
        "uri": "https://standx.com",
        "version": "1",
        "statement": statement,
        "chainId": 56,
        "chain": chain,
        "nonce": nonce,
        "address": address,
        "requestId": request_id,
        "issuedAt": iso(now),
        "message": message,
        "iat": now,
        "exp": now + SIGNIN_TTL_S,
    }
    return {"success": True, "signedData": exchange.jwt.encode(claims)}


async def login(exchange, ctx: Ctx):
    chain = _chain(ctx)
    body = parse_json_object(ctx.raw_body)
    signature, signed_data = body.get("signature"), body.get("signedData")
    if not isinstance(signature, str) or not isinstance(signed_data, str):
        raise bad_request("signature and signedData are required strings")
    ttl = _expires_seconds(body.get("expiresSeconds", DEFAULT_EXPIRES_S))
    claims = _signin_claims(exchange, signed_data)
    address = claims["address"]
    if _signer(claims["message"], signature).lower() != address.lower():
        raise ApiError(401, "signature does not match the address")
    if not exchange.wallet_nonces.use(claims["nonce"], float(claims["exp"])):
        raise ApiError(401, "signedData was already used: call prepare-signin again")
    account = exchange.wallet_account(address, _request_key(claims["requestId"]))
    token = exchange.jwt.issue(account.user, address, account.pubkey, ttl)
    setattr(ctx.request.state, ACCOUNT, account.user)
    return {
        "token": token,
        "address": address,
        "alias": f"sim-{address[2:8].lower()}",
        "chain": chain,
        "perpsAlpha": True,
    }


def _expires_seconds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_EXPIRES_S:
        raise bad_request(f"expiresSeconds must be an integer in 1..{MAX_EXPIRES_S}")
    return value


def _signin_claims(exchange, signed_data: str) -> dict:
    try:
        claims = exchange.jwt.decode(signed_data)
    except ApiError as err:
        reason = "expired: call prepare-signin again" if "expired" in err.message else "invalid"
        raise ApiError(401, f"signedData {reason}") from None
    fields = ("message", "address", "requestId", "nonce")
    if claims.get("purpose") != SIGNIN_PURPOSE or not all(
        isinstance(claims.get(f), str) for f in fields
    ):
        raise ApiError(401, "signedData invalid: not issued by prepare-signin")
    return claims


def _signer(message: str, signature: str) -> str:
    """The address that signed `message` with EIP-191 personal_sign (65 bytes r||s||v)."""
    text = signature[2:] if signature.startswith(("0x", "0X")) else signature
    try:
        raw = bytes.fromhex(text)
        if len(raw) != 65:
            raise ValueError
        return str(EthAccount.recover_message(encode_defunct(text=message), signature=raw))
    except (ValueError, BadSignature):
        raise bad_request("signature must be a 65-byte EIP-191 signature in hex") from None
