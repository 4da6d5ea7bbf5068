"""Authentication as StandX does it (docs/standx-protocol.md §2): HS256 JWT bearer tokens signed
with a per-simulator secret, carrying `exp` and the base58 Ed25519 public key bound at issue
(`requestId`); and Ed25519 body signatures over `v1,<id>,<ts>,<raw body>`.

The simulator verifies with nacl directly (a server must not depend on its client)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass

import base58
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from trading.sim.errors import ApiError

INVALID_SIGNATURE = "invalid body signature"


@dataclass(frozen=True)
class TokenClaims:
    user: str
    address: str
    pubkey: bytes
    exp: float


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwtIssuer:
    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or os.urandom(32)

    def encode(self, claims: dict) -> str:
        header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        sig = hmac.new(self.secret, signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(sig)}"

    def decode(self, token: str) -> dict:
        """Verified claims, or ApiError(401). `exp` is checked against wall time."""
        try:
            header_b64, payload_b64, sig_b64 = token.split(".")
            expected = hmac.new(
                self.secret, f"{header_b64}.{payload_b64}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(expected, _unb64url(sig_b64)):
                raise ValueError("bad signature")
            claims = json.loads(_unb64url(payload_b64))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "invalid token") from None
        if not isinstance(claims, dict) or float(claims.get("exp", 0)) <= time.time():
            raise ApiError(401, "token expired")
        return claims

    def issue(self, user: str, address: str, pubkey: bytes, ttl_s: float) -> str:
        now = int(time.time())
        return self.encode(
            {
                "sub": user,
                "user": user,
                "address": address,
                "chain": "bsc",
                "requestId": base58.b58encode(pubkey).decode(),
                "iat": now,
                "exp": now + int(ttl_s),
            }
        )

    def verify(self, token: str) -> TokenClaims:
        claims = self.decode(token)
        try:
            pubkey = base58.b58decode(claims["requestId"])
            return TokenClaims(claims["user"], claims["address"], pubkey, float(claims["exp"]))
        except (KeyError, ValueError, TypeError):
            raise ApiError(401, "invalid token") from None


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise ApiError(401, "missing Authorization bearer token")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization header must be 'Bearer <token>'")
    return token.strip()


def verify_body_signature(
    pubkey: bytes | None, headers: dict[str, str], payload: bytes, window_s: float
) -> None:
    """Check x-request-* headers against `payload` (the exact raw body bytes) or raise 403.
    The timestamp must be Unix milliseconds within +/- window_s of the server clock.
    `pubkey` is the signer's key from the token; None (not logged in) is a 401."""
    if pubkey is None:
        raise ApiError(401, "a signed request needs a logged-in account")
    request_id = headers.get("x-request-id")
    timestamp = headers.get("x-request-timestamp")
    signature = headers.get("x-request-signature")
    version = headers.get("x-request-sign-version", "v1")
    if not (request_id and timestamp and signature):
        raise ApiError(403, f"{INVALID_SIGNATURE}: missing x-request-* signature headers")
    if version != "v1":
        raise ApiError(403, f"{INVALID_SIGNATURE}: unsupported x-request-sign-version")
    try:
        ts_ms = int(timestamp)
    except ValueError:
        raise ApiError(403, "request expired") from None
    if abs(ts_ms / 1000.0 - time.time()) > window_s:
        raise ApiError(403, "request expired")
    message = f"v1,{request_id},{timestamp},".encode() + payload
    try:
        VerifyKey(pubkey).verify(message, base64.b64decode(signature, validate=True))
    except (BadSignatureError, binascii.Error, ValueError, TypeError):
        raise ApiError(403, INVALID_SIGNATURE) from None


class NonceBook:
    """signedData nonces already used for a login, kept until their signedData expires."""

    def __init__(self) -> None:
        self._used: dict[str, float] = {}

    def use(self, nonce: str, expires_at: float) -> bool:
        now = time.time()
        self._used = {n: exp for n, exp in self._used.items() if exp > now}
        if nonce in self._used:
            return False
        self._used[nonce] = expires_at
        return True
