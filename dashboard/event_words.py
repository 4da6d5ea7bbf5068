"""The audit log in plain words. The engine writes terse reasons (trigger names such as
"missing", the tracker's "exchange: rejected", the order-response session's "exchange: alo
order rejected (order response)", the client's "alo order rejected status=400");
the database keeps them as written, and the events panel and admin show this reading of them
(the original stays in the row's tooltip).
"""

from __future__ import annotations

import re

# trading.core.actions.Trigger: why an order was placed or cancelled.
TRIGGER_WORDS = {
    "no_quote": "no quote is wanted on this side now",
    "proximity": "it came too close to the other side of the book",
    "exposure": "the position limit (MAX_NOTIONAL) is reached on this side",
    "band": "it left the reward band around the mark",
    "config": "the settings changed",
    "stale": "it rested longer than STALE_ORDER_SECONDS",
    "drift": "the mid moved more than REQUOTE_THRESHOLD_BPS",
    "missing": "this side had no order",
    "duplicate": "a second order on this side",
    "replaced": "its replacement is resting",
}
EXCHANGE_STATUS = {
    "canceled": "the exchange confirms it is cancelled",
    "filled": "filled completely",
    "rejected": (
        "rejected by the exchange; the order stream gives no reason and the order-response "
        "session's answer (which has one) did not come first (for a post-only order it "
        "almost always means it would have crossed the book)"
    ),
}
FIXED = {
    "resting": "resting on the book",
    "missing from open orders": "the exchange no longer lists it as open",
    "canceled (verified)": "cancelled, and the exchange lists it no more",
}
_PLACE = re.compile(r"^(?P<trigger>[a-z_]+)(?: \(replaces (?P<old>[^)]+)\))?$")
_BATCH = re.compile(r"^(?P<trigger>[a-z_]+): (?P<count>\d+) order\(s\)$")
# trading.core.actions.Cancel.reason of a cancel that makes room for a replacement
_ROOM = re.compile(r"^make_room:(?P<trigger>[a-z_]+)$")
_STATUS = re.compile(r"^(?P<text>.*?)(?: status=(?P<status>\d+))?(?: code=(?P<code>-?\d+))?$")
_NOT_SENT = re.compile(r"^(?:dropped before sending|not sent|retry not sent): (?P<why>.+)$")


def plain_message(kind: str | None, message: str | None) -> str:
    """The event's message for a reader; an unknown message is returned as written."""
    text = (message or "").strip()
    if kind in ("place", "cancel"):
        worded = _trigger_words(kind, text)
        if worded:
            return worded
    if text.startswith("exchange: "):
        status = text.removeprefix("exchange: ")
        if status in EXCHANGE_STATUS:
            return EXCHANGE_STATUS[status]
        if kind == "reject":  # the order-response session's answer carries the reason
            return _reject_words(status.removesuffix(" (order response)"))
        return f"the exchange reports it {status}"
    if text in FIXED:
        return FIXED[text]
    not_sent = _NOT_SENT.match(text)
    if not_sent:
        return f"not sent to the exchange: {not_sent['why']}"
    if kind == "reject":
        return _reject_words(text)
    return text


def _trigger_words(kind: str, text: str) -> str | None:
    place = _PLACE.match(text)
    if place and place["trigger"] in TRIGGER_WORDS:
        why = TRIGGER_WORDS[place["trigger"]]
        if kind == "cancel":
            return f"cancel: {why}"
        old = f", replacing {place['old']}" if place["old"] else ""
        return f"new order: {why}{old}"
    room = _ROOM.match(text)
    if room and room["trigger"] in TRIGGER_WORDS:
        return (
            f"cancel to make room for a replacement (two orders a side at most, both "
            f"within MAX_NOTIONAL): {TRIGGER_WORDS[room['trigger']]}"
        )
    batch = _BATCH.match(text)
    if batch:
        why = TRIGGER_WORDS.get(batch["trigger"], batch["trigger"])
        return f"cancel {batch['count']} order(s): {why}"
    return None


def _reject_words(text: str) -> str:
    """A reject the exchange answered with a reason (the client's error text): quoted, with
    the HTTP status, and what it means when it is a known one."""
    parts = _STATUS.match(text)
    reason = (parts["text"] if parts else text) or "no reason given"
    status = f" (HTTP {parts['status']})" if parts and parts["status"] else ""
    meaning = ""
    lowered = reason.lower()
    if "alo" in lowered or "cross" in lowered or "post only" in lowered:
        meaning = ": the post-only order would have crossed the book"
    elif "margin" in lowered or "balance" in lowered:
        meaning = ": not enough margin for it"
    return f"rejected by the exchange: “{reason}”{status}{meaning}"
