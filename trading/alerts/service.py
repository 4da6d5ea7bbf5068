"""Alerts in a runbot process: the watcher and the sender as supervised tasks, for the bots
this process runs (each split worker alerts for its own bots), and a last word when runbot
stops: cleanly, or with orders that may remain on the exchange (a person must look)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from mmsite.env import Secret
from trading.alerts.notify import TITLE, Alert, AlertSender
from trading.alerts.watcher import AlertWatcher
from trading.supervisor import supervise

DRAIN_SECONDS = 5.0


class AlertService:
    def __init__(
        self,
        bots: Callable[[], Iterable[str]],
        urls: Secret,
        feed_down_seconds: float,
        title: str = TITLE,
    ) -> None:
        self.sender = AlertSender(urls, title=title)
        self.watcher = AlertWatcher(bots, self.sender.put, feed_down_seconds)
        self.tasks: list[asyncio.Task] = []

    def start(self, group: asyncio.TaskGroup, hello: str) -> None:
        """`hello` goes first, so a trader sees at each start that alerts reach them."""
        self.sender.put(Alert(hello, "info"))
        self.tasks = [
            group.create_task(supervise("alert-watcher", self.watcher.run), name="alert-watcher"),
            group.create_task(supervise("alert-delivery", self.sender.run), name="alert-delivery"),
        ]

    def stop_watching(self) -> None:
        """Before the engines stop: a clean stop is no outage to report."""
        self.tasks[0].cancel()

    async def finish(self, text: str, level: str) -> None:
        """The last word, with whatever is still queued (bounded by DRAIN_SECONDS)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.wait(self.tasks)
        self.sender.put(Alert(text, level))
        await self.sender.drain(DRAIN_SECONDS)


def stop_outcome(runs: Iterable) -> tuple[str, str]:
    """What runbot's exit says (trading.fleet.runner.Runner.report), as an alert."""
    runs = list(runs)
    in_doubt = [f"bot {r.bot}: {r.orders_in_doubt}" for r in runs if r.orders_in_doubt]
    errors = [f"bot {r.bot}: {type(r.error).__name__}" for r in runs if r.error is not None]
    lost = [f"bot {r.bot}: lease lost" for r in runs if r.lease_lost]
    if in_doubt:
        return "runbot stopped: orders may remain on the exchange: " + "; ".join(
            in_doubt
        ) + "; check the exchange", "failure"
    if errors or lost:
        return "runbot stopped: " + "; ".join(errors + lost), "failure"
    return "runbot stopped cleanly: every order of ours cancelled and checked gone", "info"
