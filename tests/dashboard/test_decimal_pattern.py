"""The API schema's decimal-string patterns accept exactly the plain decimals in range."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.decimal_pattern import decimal_pattern, integers

RANGES = [  # the strategy fields' shapes: (low, high, places)
    (Decimal("0.000001"), Decimal("1000"), 4),
    (Decimal("0"), Decimal("1000"), 4),
    (Decimal("0.05"), Decimal("60"), 3),
    (Decimal("1"), Decimal("86400"), 3),
    (Decimal("0.000001"), Decimal("100000000"), 4),
    (Decimal("2.5"), Decimal("3.25"), 2),
]
PLAIN = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]+)?")


def truth(text: str, low: Decimal, high: Decimal, places: int) -> bool:
    if not PLAIN.fullmatch(text):
        return False
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), text  # PLAIN admits no NaN or Infinity ("n", "F")
    return low <= value <= high and -exponent <= places


candidates = st.one_of(
    st.from_regex(r"\A[0-9]{1,10}(\.[0-9]{0,6})?\Z"),
    st.decimals(min_value=-1, max_value=10**9, allow_nan=False, places=6).map(str),
    st.text(alphabet="0123456789.+-eE \n", max_size=12),
)


@pytest.mark.parametrize("low,high,places", RANGES)
@settings(max_examples=400, deadline=None)
@given(text=candidates)
def test_pattern_matches_exactly_the_plain_decimals_in_range(low, high, places, text):
    pattern = re.compile(decimal_pattern(low, high, places))
    assert bool(pattern.fullmatch(text)) == truth(text, low, high, places), (text, pattern.pattern)


@pytest.mark.parametrize("low,high,places", RANGES)
def test_edges(low, high, places):
    pattern = re.compile(decimal_pattern(low, high, places))
    step = Decimal(1).scaleb(-places)
    first = low.quantize(step, rounding="ROUND_CEILING")
    for text, expected in [
        (str(first), True),
        (str(first - step), first - step >= low),
        (str(high), True),
        (f"{high:.{places}f}", True),
        (str(high + step), False),
        ("0" + str(high), False),
        ("1e2", False),
        (f"{high} ", False),
    ]:
        assert bool(pattern.fullmatch(text)) == expected, text


@settings(max_examples=300, deadline=None)
@given(low=st.integers(0, 5000), span=st.integers(0, 5000), n=st.integers(0, 12000))
def test_integer_ranges(low, span, n):
    assert bool(re.fullmatch(f"(?:{integers(low, low + span)})", str(n))) == (
        low <= n <= low + span
    )
