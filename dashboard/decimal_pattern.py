"""A regular expression that accepts exactly the plain decimal strings within a range:
what the API's JSON schema promises for a Decimal value sent as a string ("12.5"), since JSON
Schema has no numeric bounds for strings. Plain means digits, optionally a point and up to
`places` digits: no sign, exponent, spaces or leading zeros (except a lone 0). Only [0-9]
(never \\d, which is Unicode in Python and ASCII in ECMA regexes)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

D = "[0-9]"


def decimal_pattern(low: Decimal, high: Decimal, places: int) -> str:
    """^...$ for plain decimals v with low <= v <= high and at most `places` decimals
    (0 <= low, and low and high in different whole numbers)."""
    step = Decimal(1).scaleb(-places)
    low, high = low.quantize(step, ROUND_CEILING), high.quantize(step, ROUND_FLOOR)
    whole_low, whole_high = int(low), int(high)
    if low < 0 or whole_low >= whole_high or places < 1:
        raise ValueError(f"unsupported range {low}..{high} with {places} places")
    parts = [f"{whole_low}{_fraction_at_least(_digits(low, places))}"]
    if whole_high - whole_low >= 2:
        parts.append(f"(?:{integers(whole_low + 1, whole_high - 1)})(?:\\.{D}{{1,{places}}})?")
    parts.append(f"{whole_high}{_fraction_at_most(_digits(high, places))}")
    return "^(?:" + "|".join(parts) + ")$"


def _digits(value: Decimal, places: int) -> str:
    """The fraction's digits, exactly `places` of them."""
    return f"{value:.{places}f}".split(".")[1]


def _fraction_at_least(floor: str) -> str:
    """An optional '.digits' whose value (zero-padded) is at least 0.<floor>."""
    places = len(floor)
    if set(floor) == {"0"}:
        return f"(?:\\.{D}{{1,{places}}})?"
    options = [
        f"{floor[:i]}[{int(c) + 1}-9]{D}{{0,{places - i - 1}}}"
        for i, c in enumerate(floor)
        if c != "9"
    ]
    equal = floor.rstrip("0")
    options.append(f"{equal}0{{0,{places - len(equal)}}}")
    return "\\.(?:" + "|".join(options) + ")"


def _fraction_at_most(ceiling: str) -> str:
    """An optional '.digits' whose value (zero-padded) is at most 0.<ceiling>."""
    places = len(ceiling)
    options = [
        f"{ceiling[:i]}[0-{int(c) - 1}]{D}{{0,{places - i - 1}}}"
        for i, c in enumerate(ceiling)
        if c != "0"
    ]
    prefixes = ""
    for c in reversed(ceiling):  # c1(?:c2(?:c3)?)?: every prefix of the ceiling
        prefixes = f"{c}(?:{prefixes})?" if prefixes else c
    options.append(prefixes)
    return "(?:\\.(?:" + "|".join(options) + "))?"


def integers(low: int, high: int) -> str:
    """Alternatives matching the whole numbers low..high, written without leading zeros."""
    parts = []
    for length in range(len(str(low)), len(str(high)) + 1):
        first = max(low, 10 ** (length - 1) if length > 1 else 0)
        last = min(high, 10**length - 1)
        if first == 10 ** (length - 1) and last == 10**length - 1 and length > 1:
            parts.append(f"[1-9]{D}{{{length - 1}}}")  # every number of this length
        elif first <= last:
            parts.append(_same_length(str(first), str(last)))
    return "|".join(parts)


def _same_length(first: str, last: str) -> str:
    if set(first) == {"0"} and set(last) == {"9"}:
        return f"{D}{{{len(first)}}}"
    if len(first) == 1:
        return f"[{first}-{last}]"
    if first[0] == last[0]:
        return first[0] + _same_length(first[1:], last[1:])
    rest = len(first) - 1
    parts = [first[0] + "(?:" + _same_length(first[1:], "9" * rest) + ")"]
    if int(last[0]) - int(first[0]) >= 2:
        parts.append(f"[{int(first[0]) + 1}-{int(last[0]) - 1}]{D}{{{rest}}}")
    parts.append(last[0] + "(?:" + _same_length("0" * rest, last[1:]) + ")")
    return "(?:" + "|".join(parts) + ")"
