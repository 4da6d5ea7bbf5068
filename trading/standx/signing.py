"""PURE request signing for StandX (docs/standx-protocol.md §2.4) and JWT claim helpers.

Nothing here does I/O or reads a clock except where a default (uuid4, time.time) is asked
for explicitly by leaving an argument out. Secrets are never echoed into error messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from typing import Any

import base58
from nacl.signing import SigningKey

SIGN_VERSION = "v1"
SEED_LENGTH = 32


class KeyFormatError(ValueError):
    """The Ed25519 key could not be decoded. The message never contains the key."""


class TokenError(ValueError):
    """A JWT could not be decoded. The message never contains the token."""


def _reveal(value: object) -> str:
    """Accept a plain str or an mmsite.env.Secret (anything with .reveal())."""
    reveal = getattr(value, "reveal", None)
    return reveal() if callable(reveal) else str(value)


def decode_private_key(key: object) -> bytes:
    """Return the 32-byte Ed25519 seed from a base58 key of 32 (seed) or 64 (seed+pubkey) bytes."""
    text = _reveal(key).strip()
    if not text:
        raise KeyFormatError("Ed25519 private key is empty")
    try:
        raw = base58.b58decode(text)
    except ValueError:
        raise KeyFormatError("Ed25519 private key is not valid base58") from None
    if len(raw) == SEED_LENGTH:
        return raw
    if len(raw) == 2 * SEED_LENGTH:
        seed, public_half = raw[:SEED_LENGTH], raw[SEED_LENGTH:]
        if bytes(SigningKey(seed).verify_key) != public_half:
            raise KeyFormatError(
                "Ed25519 private key is 64 bytes but its public-key half does not match its seed"
            )
        return seed
    raise KeyFormatError(
        f"Ed25519 private key decodes to {len(raw)} bytes; expected base58 of a 32-byte seed "
        "or a 64-byte seed+public key"
    )


def signing_message(request_id: str, timestamp_ms: int | str, payload: str) -> bytes:
    """The exact bytes StandX signs: v1,<id>,<ts>,<payload> (payload may be empty)."""
    return f"{SIGN_VERSION},{request_id},{timestamp_ms},{payload}".encode()


class RequestSigner:
    """Signs request bodies with the agent key. repr() never shows the key."""

    __slots__ = ("_signing_key", "public_key_bytes", "public_key_base58")

    def __init__(self, key: object):
        self._signing_key = SigningKey(decode_private_key(key))
        self.public_key_bytes = bytes(self._signing_key.verify_key)
        self.public_key_base58 = base58.b58encode(self.public_key_bytes).decode("ascii")

    def __repr__(self) -> str:
        return f"RequestSigner(public_key={self.public_key_base58})"

    def sign(self, request_id: str, timestamp_ms: int | str, payload: str) -> str:
        """Standard base64 (padded) of the 64-byte detached signature."""
        signed = self._signing_key.sign(signing_message(request_id, timestamp_ms, payload))
        return base64.b64encode(signed.signature).decode("ascii")

    def headers(
        self, body: str, request_id: str | None = None, timestamp_ms: int | None = None
    ) -> dict[str, str]:
        request_id = request_id or str(uuid.uuid4())
        timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        return {
            "x-request-sign-version": SIGN_VERSION,
            "x-request-id": request_id,
            "x-request-timestamp": timestamp,
            "x-request-signature": self.sign(request_id, timestamp, body),
        }


def jwt_claims(token: object) -> dict[str, Any]:
    """The JWT payload (middle segment, base64url) without verifying the signature."""
    parts = _reveal(token).strip().split(".")
    if len(parts) != 3:
        raise TokenError("token is not a JWT (expected three dot-separated segments)")
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise TokenError("token payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise TokenError("token payload is not a JSON object")
    return claims


def jwt_expiry(token: object) -> float | None:
    """The `exp` claim as epoch seconds, or None when the token has none (or is not a JWT)."""
    try:
        exp = jwt_claims(token).get("exp")
    except TokenError:
        return None
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    return float(exp)


def token_expiry_problem(
    expires_at: float | None, now: float, within_seconds: float = 0.0
) -> str | None:
    """A human-readable problem with a token's expiry, or None when it is fine (or unknown)."""
    if expires_at is None:
        return None
    remaining = expires_at - now
    if remaining <= 0:
        return f"access token expired {-remaining:.0f}s ago; log in again for a new token"
    if remaining <= within_seconds:
        return f"access token expires in {remaining:.0f}s; renew it soon"
    return None


def check_token_expiry(
    token: object, now: float | None = None, within_seconds: float = 0.0
) -> str | None:
    """token_expiry_problem() for a token (reads the clock only when now is omitted)."""
    return token_expiry_problem(
        jwt_expiry(token), time.time() if now is None else now, within_seconds
    )
