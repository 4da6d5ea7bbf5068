"""What the scale benchmark's WebSocket clients see (bench/scale.py): each bot's JSON
snapshots, one bot's page frames and the overview rows, as real dashboard clients would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time

import websockets

from bench.localproc import HOST

BOT_NAME = re.compile(r"\bbot\d\d\b")  # how a bot is recognized in overview HTML
API_TOKEN = "scale-bench-token-4f1c9a7e2b6d"  # settings refuse fewer than 24 characters


def ws_headers(dep) -> dict:
    return {
        "origin": f"http://{HOST}:{dep.web_port}",
        "max_size": None,
        "open_timeout": 15,
        "additional_headers": {"Authorization": f"Bearer {API_TOKEN}"},
    }


async def frames(url: str, dep, until: float, on_frame) -> None:
    """Every frame of one WebSocket until `until`; a refused or dropped socket ends it
    (the missing frames show in the figures)."""
    with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
        async with websockets.connect(url, **ws_headers(dep)) as ws:
            while (left := until - time.monotonic()) > 0:
                on_frame(await asyncio.wait_for(ws.recv(), timeout=left), time.monotonic())


class Probe:
    """What the WebSocket clients saw: each bot's first and last JSON snapshot, the arrival
    times of one bot's page frames and of each bot's overview rows."""

    def __init__(self, bots):
        self.first, self.last = {}, {}
        self.page: list[float] = []
        self.overview: dict[str, list[float]] = {}
        self.bots = list(bots)

    def streams(self, dep, until: float) -> list:
        return [
            *(
                frames(
                    dep.ws(f"/ws/bots/{bot}/"),
                    dep,
                    until,
                    lambda text, at, bot=bot: self.on_snapshot(bot, json.loads(text)),
                )
                for bot in self.bots
            ),
            frames(
                dep.ws(f"/ws/dashboard/{self.bots[0]}/"),
                dep,
                until,
                lambda text, at: self.page.append(at),
            ),
            frames(dep.ws("/ws/overview/"), dep, until, self.on_overview),
        ]

    def on_snapshot(self, bot: str, snapshot: dict) -> None:
        self.first.setdefault(bot, snapshot)
        self.last[bot] = snapshot

    def on_overview(self, text: str, at: float) -> None:
        for bot in set(BOT_NAME.findall(text)) or {"*"}:  # "*": frames naming no bot
            self.overview.setdefault(bot, []).append(at)

    def requotes(self) -> dict[str, int]:
        """Each bot's requotes during the window (the snapshot counts them per UTC hour: a
        window across the hour's end leaves that bot out)."""
        count = lambda s: (s.get("uptime") or {}).get("requotes") or 0  # noqa: E731
        deltas = {b: count(self.last[b]) - count(self.first[b]) for b in self.last}
        return {b: d for b, d in deltas.items() if d >= 0}

    def requests(self) -> dict[str, dict]:
        """Each bot's exchange requests during the window, by path (its account's client)."""

        def paths(s: dict) -> dict:
            return (s.get("exchange") or {}).get("paths") or {}

        return {
            b: {k: v - paths(self.first[b]).get(k, 0) for k, v in paths(last).items()}
            for b, last in self.last.items()
        }

    def figures(self) -> dict:
        return {
            "latency": {b: self.last.get(b, {}).get("latency") for b in self.bots},
            "states": {b: self.last.get(b, {}).get("state") for b in self.bots},
            "reasons": {
                b: s["state_reason"]
                for b, s in self.last.items()
                if s.get("state") != "running" and s.get("state_reason")
            },
            "requotes": self.requotes(),
            "requests": self.requests(),
            "page_arrivals": self.page,
            "overview_arrivals": self.overview,
        }
