"""Typed errors of the StandX client.

Each carries the HTTP status (None when there was no response), the exchange `code` (None
when the body had none) and a message. Messages come from the exchange body or from us;
they never contain the access token or the signing key.
"""

from __future__ import annotations

import enum

MAX_MESSAGE_CHARS = 300


class StandXError(Exception):
    """Base class of every error the StandX client raises."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None):
        self.message = str(message)[:MAX_MESSAGE_CHARS]
        self.status = status
        self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.code is not None and self.code != self.status:
            parts.append(f"code={self.code}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status}, code={self.code})"


class AuthError(StandXError):
    """401: missing, invalid or expired access token (log in again)."""


class ForbiddenError(StandXError):
    """403: e.g. invalid body signature or request expired (clock skew)."""


class NotFoundError(StandXError):
    """404: unknown path, order or symbol."""


class RateLimitError(StandXError):
    """429: too many requests; retried with backoff by the REST client."""

    def __init__(
        self,
        message: str,
        status: int | None = 429,
        code: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, status, code)
        self.retry_after = retry_after


class ServerError(StandXError):
    """5xx: exchange-side failure; retried with backoff by the REST client."""


class RejectKind(enum.StrEnum):
    """What an order reject means for the caller. StandX documents only 'alo order
    rejected'; the other texts are the simulator's and common exchange wording."""

    WOULD_CROSS = "would_cross"  # post-only (ALO) would have crossed: the book moved
    CAPACITY = "capacity"  # margin or the open-order limit forbids one more order
    ORDER_GONE = "order_gone"  # cancel of an order that is no longer open
    OTHER = "other"


_REJECT_WORDS = (
    (RejectKind.WOULD_CROSS, ("alo", "cross", "post only", "post-only")),
    (
        RejectKind.CAPACITY,
        ("margin", "max open orders", "too many open orders", "open order limit"),
    ),
    (RejectKind.ORDER_GONE, ("order not found", "not open", "unknown order")),
)


def classify_reject(message: str) -> RejectKind:
    text = message.lower()
    for kind, words in _REJECT_WORDS:
        if any(word in text for word in words):
            return kind
    return RejectKind.OTHER


class OrderRejectedError(StandXError):
    """400, or a non-zero `code` inside a 2xx body (e.g. 'alo order rejected'); `kind`
    says what the reject means (RejectKind)."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None):
        super().__init__(message, status, code)
        self.kind = classify_reject(self.message)


class MalformedResponseError(StandXError):
    """The body was not JSON, or its shape or values were not what the protocol says."""


class RequestTimeoutError(StandXError):
    """The request timed out or the transport failed.

    `maybe_sent` is False only when the connection was never made (nothing reached the
    exchange); otherwise a write may have been executed and must be reconciled (by cl_ord_id).
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: int | None = None,
        maybe_sent: bool = True,
    ):
        super().__init__(message, status, code)
        self.maybe_sent = maybe_sent


def error_for_status(status: int, message: str, code: int | None = None) -> StandXError:
    """The typed error for an HTTP error status (or an error `code` in a 2xx body)."""
    if status == 401:
        return AuthError(message, status, code)
    if status == 403:
        return ForbiddenError(message, status, code)
    if status == 404:
        return NotFoundError(message, status, code)
    if status == 429:
        return RateLimitError(message, status, code)
    if status >= 500:
        return ServerError(message, status, code)
    return OrderRejectedError(message, status, code)
