"""Per-bot cl_ord_id prefixes: bots sharing an account must never take each other's orders
for their own (a bot's startup cancels every open order with its prefix)."""

from __future__ import annotations

import itertools

import pytest
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from trading.core.domain import Side
from trading.core.orders import MAX_CL_ORD_ID_CHARS, OrderTracker, bot_prefix, bot_tag
from trading.fleet.bots import check_prefixes

bot_names = st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True)


@given(bot_names, bot_names)
def test_no_bots_prefix_starts_another_bots(a, b):
    first, second = bot_prefix("mmbot-", a), bot_prefix("mmbot-", b)
    if bot_tag(a) != bot_tag(b):
        assert not first.startswith(second) and not second.startswith(first)
        assert not OrderTracker(first).is_ours(OrderTracker(second).new_cl_ord_id(Side.BUY))


@given(bot_names)
def test_ids_stay_within_the_exchange_limit_with_the_longest_base_and_name(name):
    tracker = OrderTracker(bot_prefix("p" * 16, name))
    for _ in range(3):
        tracker.new_cl_ord_id(Side.SELL)
    tracker.ids._counter = itertools.count(36**6)  # a very long run's counter
    assert len(tracker.new_cl_ord_id(Side.BUY)) <= MAX_CL_ORD_ID_CHARS


def test_the_prefix_is_stable_across_runs_and_processes():
    """Startup cleanup after a crash finds the dead run's orders by this prefix."""
    assert bot_prefix("mmbot-", "default") == bot_prefix("mmbot-", "default")
    assert bot_prefix("mmbot-", "default") == "mmbot-" + bot_tag("default") + "-"
    assert len(bot_tag("a")) == len(bot_tag("x" * 40)) == 5


def colliding_names() -> tuple[str, str]:
    seen: dict[str, str] = {}
    number = 0
    while True:
        name = f"bot{number}"
        tag = bot_tag(name)
        if tag in seen:
            return seen[tag], name
        seen[tag], number = name, number + 1


def test_two_bots_with_one_prefix_are_refused_naming_both():
    first, second = sorted(colliding_names())
    with pytest.raises(CommandError, match=f"'{first}' and '{second}' would share"):
        check_prefixes("mmbot-", [second, first, "default"])
    check_prefixes("mmbot-", [first, "default", "eth"])  # distinct tags pass
