"""A recording played back as a market source (`runsim --replay FILE [--speed X]`): each
frame delivered at its recorded offset from the first one, divided by `speed`; a gap is
time without frames (the market then was not seen, so nothing is made up for it). With
`loop`, the recording starts over when it ends (the book jumps back at the seam); without,
the market keeps its last state and falls silent.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from trading.marketdata.frames import Apply
from trading.marketdata.recording import End, first_state, item_time, read_header, read_items

log = logging.getLogger(__name__)


class Replay:
    def __init__(self, path: Path | str, speed: float = 1.0, loop: bool = False) -> None:
        if not speed > 0:
            raise ValueError(f"--speed must be above 0, not {speed}")
        self.path, self.speed, self.loop = Path(path), speed, loop
        self.header = read_header(self.path)  # RecordingError: not a recording
        self.symbol_info = {self.header.symbol: self.header.symbol_info}
        self.initial = first_state(self.path, self.header.symbol)
        self.duration_s = self._duration()
        self.position_s = 0.0  # recorded seconds played in the current pass
        self.passes = 0  # finished passes
        self.finished = False

    def _duration(self) -> float:
        times = [item_time(i) for i in read_items(self.path) if not isinstance(i, End)]
        return max(times) - min(times) if times else 0.0

    async def run(self, apply: Apply) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start, first = loop.time(), None
            for item in read_items(self.path):
                if isinstance(item, End):
                    continue
                at = item_time(item)
                first = at if first is None else first
                wait = start + (at - first) / self.speed - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.position_s = at - first
                apply(item)
            self.passes += 1
            if not self.loop:
                break
            log.info("replay of %s: starting over (pass %d)", self.path, self.passes + 1)
        self.finished = True
        log.info("replay of %s finished: the market keeps its last state", self.path)

    def describe(self) -> dict[str, Any]:
        return {
            "source": "replay",
            "file": str(self.path),
            "symbol": self.header.symbol,
            "speed": self.speed,
            "loop": self.loop,
            "duration_s": round(self.duration_s, 3),
            "position_s": round(self.position_s, 3),
            "passes": self.passes,
            "finished": self.finished,
        }
