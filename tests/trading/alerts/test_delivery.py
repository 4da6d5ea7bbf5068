"""Delivery through Apprise to a webhook receiver on 127.0.0.1 (trading/alerts/notify.py):
one message per alert while the bucket allows, a backlog combined into one, a dead service
logged without its URL and never raised, and what is queued at shutdown sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from mmsite.env import Secret
from tests.trading.alerts.receiver import receiver
from trading.alerts.notify import BURST, QUEUE_LIMIT, Alert, AlertSender, TokenBucket, combine


async def wait_for(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def test_alerts_arrive_one_by_one_then_a_backlog_as_one_message():
    with receiver() as hook:
        sender = AlertSender(Secret(f"{hook.url('first')},{hook.url('second')}"))
        task = asyncio.create_task(sender.run())
        try:
            sender.put(Alert("default: kill switch engaged: pressed kill", "failure", "default"))
            await wait_for(lambda: len(hook.messages) == 2)  # one per configured URL
            assert sorted(hook.paths) == ["/first", "/second"]
            assert hook.messages[0]["type"] == "failure"
            assert hook.messages[0]["title"].endswith("default: kill switch engaged: pressed kill")
            sender.bucket.tokens = 0.99  # the burst is spent: the next ones pile up meanwhile
            for n in range(3):
                sender.put(Alert(f"eth: fill {n}", "info", "eth"))
            await wait_for(lambda: len(hook.messages) == 4, timeout=20)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        combined = hook.messages[2]
        assert combined["title"] == "StandX market maker: 3 alerts"
        assert combined["message"] == "eth: fill 0\neth: fill 1\neth: fill 2"


async def test_a_dead_service_is_logged_without_its_url_and_the_sender_carries_on(caplog):
    secret_path = "T0KEN-in-the-path-77a1"
    sender = AlertSender(Secret(f"json://127.0.0.1:1/{secret_path}"))
    with caplog.at_level(logging.DEBUG):
        assert (
            await sender.deliver([Alert("default: market feed disconnected", "failure")]) is False
        )
    assert sender.failed == 1
    assert "alert not delivered" in caplog.text and secret_path not in caplog.text


async def test_queued_alerts_are_sent_at_shutdown_and_a_full_queue_drops_the_oldest():
    with receiver() as hook:
        sender = AlertSender(Secret(hook.url()))
        for n in range(QUEUE_LIMIT + 2):
            sender.put(Alert(f"alert {n}"))
        assert sender.dropped == 2
        await sender.drain(timeout=10)
        assert len(hook.messages) == 1
        assert hook.messages[0]["message"].startswith("alert 2\nalert 3\n")
        assert "(2 older alerts were dropped" in hook.messages[0]["message"]


def test_the_bucket_allows_a_burst_then_one_per_refill():
    now = [0.0]
    bucket = TokenBucket(BURST, 12.0, lambda: now[0])
    for _ in range(BURST):
        assert bucket.wait_seconds() == 0
        bucket.take()
    assert bucket.wait_seconds() == 12.0
    now[0] = 6.0
    assert bucket.wait_seconds() == 6.0
    now[0] = 12.0
    assert bucket.wait_seconds() == 0


def test_a_combined_message_takes_the_most_severe_level():
    title, body, level = combine([Alert("a", "info"), Alert("b", "failure"), Alert("c")], 0)
    assert (title, body, level) == ("StandX market maker: 3 alerts", "a\nb\nc", "failure")


def test_runbots_last_word_says_what_its_exit_says():
    from types import SimpleNamespace

    from trading.alerts.service import stop_outcome

    def run(bot, in_doubt=None, error=None, lost=None):
        return SimpleNamespace(bot=bot, orders_in_doubt=in_doubt, error=error, lease_lost=lost)

    assert stop_outcome([run("a"), run("b")])[1] == "info"
    text, level = stop_outcome([run("a"), run("b", in_doubt="2 orders could not be verified")])
    assert level == "failure"
    assert text == (
        "runbot stopped: orders may remain on the exchange: bot b: 2 orders could not be "
        "verified; check the exchange"
    )
    assert stop_outcome([run("a", error=RuntimeError("x"))]) == (
        "runbot stopped: bot a: RuntimeError",
        "failure",
    )


async def test_a_paper_runbots_alerts_say_paper_in_their_title():
    """runbot in paper mode gives its sender trading.fleet.paper.PAPER_TITLE."""
    from trading.fleet.paper import PAPER_TITLE

    with receiver() as hook:
        sender = AlertSender(Secret(hook.url()), title=PAPER_TITLE)
        task = asyncio.create_task(sender.run())
        try:
            sender.put(Alert("default: kill switch engaged: pressed kill", "failure", "default"))
            await wait_for(lambda: len(hook.messages) == 1)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    title = hook.messages[0]["title"]
    assert title == "StandX market maker [paper]: default: kill switch engaged: pressed kill"
