"""bounded_json.loads: json.loads for text nested at most MAX_DEPTH deep; deeper text is a
JSONDecodeError before the parser recurses (the 200,000-deep bodies that crashed runbot are
sent to a real process in tests/trading/fleet/test_deep_json.py)."""

from __future__ import annotations

import json

import pytest

from trading.core.bounded_json import MAX_DEPTH, loads


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"a": [1, {"b": "2"}]}', {"a": [1, {"b": "2"}]}),
        (nested(MAX_DEPTH), json.loads(nested(MAX_DEPTH))),
        # Brackets inside strings are text, escaped quotes included.
        (json.dumps(["[" * 500, '"{' * 300]), ["[" * 500, '"{' * 300]),
        (json.dumps({"k": "\\" + "[" * 100}), {"k": "\\" + "[" * 100}),
        (b'{"bytes": [1]}', {"bytes": [1]}),
        ('{"x": 1}'.encode("utf-16"), {"x": 1}),
    ],
)
def test_what_nests_within_the_bound_parses_as_json_loads_does(text, expected):
    assert loads(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        nested(MAX_DEPTH + 1),
        '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
        '"unterminated' + "[" * (MAX_DEPTH + 1),  # no string closes: the brackets count
        "[" * (MAX_DEPTH + 1),  # malformed and deep: refused before the parser sees it
    ],
)
def test_deeper_text_is_malformed_json(text):
    with pytest.raises(json.JSONDecodeError, match=f"nested deeper than {MAX_DEPTH} levels"):
        loads(text)


def test_the_error_says_where_and_the_bound_is_a_parameter():
    with pytest.raises(json.JSONDecodeError) as refused:
        loads("[[[1]]]", max_depth=2)
    assert refused.value.pos == 2  # the third "["
    assert loads("[[1]]", max_depth=2) == [[1]]
