"""JSON text from outside, parsed only when its nesting is bounded.

Python's json parser recurses once per nested array or object. Within the interpreter's
recursion limit it raises RecursionError; above the C stack's depth it crashes the process.
eth-account (through py_ecc) raises that limit to 100,000, so `[` x 200,000 sent to any
endpoint would take the whole bot down with it (trading/standx/evm.py puts the limit back;
this bound holds whatever the limit is). Nothing we read nests deeper than a few levels: the
depth is counted before parsing, outside strings, and anything deeper than MAX_DEPTH is a
JSONDecodeError like any other malformed text, so every caller's handling of bad JSON applies.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64

# A JSON string: its brackets are text, not nesting. Unrolled (no alternation in the loop):
# linear in the text's length.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def loads(text: str | bytes | bytearray, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """json.loads, refusing text nested deeper than `max_depth` before parsing it."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode(json.detect_encoding(text), "surrogatepass")
    too_deep = _too_deep_at(text, max_depth)
    if too_deep is not None:
        raise json.JSONDecodeError(f"nested deeper than {max_depth} levels", text, too_deep)
    return json.loads(text, **options)


def _too_deep_at(text: str, limit: int) -> int | None:
    """Where `text` first nests deeper than `limit`; None when it never does."""
    if text.count("[") + text.count("{") <= limit:  # the usual case, at C speed
        return None
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(_blank, text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            return match.start()
    return None


def _blank(string: re.Match[str]) -> str:
    """A string's text replaced by as many spaces: positions stay those of the input."""
    return " " * len(string.group())
