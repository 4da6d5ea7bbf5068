"""A StandX HTTP response to its payload or to the StandXError it means.

Non-2xx statuses map through errors.error_for_status (message and code from the body when it
has them, a 429's Retry-After kept); a 2xx body carrying an error code raises too.
"""

from __future__ import annotations

from typing import Any

import httpx

from trading.standx import protocol
from trading.standx.errors import (
    MalformedResponseError,
    RateLimitError,
    StandXError,
    error_for_status,
)
from trading.standx.values import first_text, integer, parse_json, snippet


def decode_response(response: httpx.Response) -> Any:
    status = response.status_code
    if not 200 <= status < 300:
        raise http_error(response)
    payload = parse_json(response.content)
    error = protocol.ack_error(payload)
    if error is not None:
        raise error
    return payload


def http_error(response: httpx.Response) -> StandXError:
    status = response.status_code
    message, code = response.reason_phrase or f"HTTP {status}", None
    try:
        payload = parse_json(response.content)
    except MalformedResponseError:
        payload = None
        if response.content:
            message = f"{message}: {snippet(response.text)}"
    if isinstance(payload, dict):
        message = first_text(payload, "message", "msg") or message
        try:
            code = integer(payload.get("code"), "code")
        except MalformedResponseError:
            code = None
    error = error_for_status(status, message, code)
    if isinstance(error, RateLimitError):
        error.retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
    return error


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by StandX; ignore it)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None
