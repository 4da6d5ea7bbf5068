"""WebSocket limits of docs/standx-protocol.md §4.1/§6, per client IP, /ws-stream/v1 and /ws-api/v1
counted together (the exchange counts connections per IP, not per path):

- at most SimConfig.max_ws_per_ip connections open at once;
- at most SimConfig.max_new_ws_per_minute connections admitted in any sliding 60 s window.

0 disables a limit. Only admitted connections count as "new" (a refused handshake does not
use up the window: the protocol is silent, and counting refusals would lock out a client
that retries). The limits are read from the config at every handshake, so an in-process
test may change them on a running simulator. The window uses the monotonic clock, like the
REST limits (limits are about real time); `clock` is replaceable so tests can slide it."""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable

from trading.sim.config import SimConfig

log = logging.getLogger(__name__)
WINDOW_S = 60.0
CONCURRENT = "max_per_ip"  # keys of the refusal counters in GET /sim/stats
NEW_PER_MINUTE = "max_new_per_minute"


class WsLimiter:
    def __init__(self, config: SimConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.open: Counter = Counter()  # ip -> connections open now
        self.peak: Counter = Counter()  # ip -> most connections open at once
        self.recent: dict[str, deque] = {}  # ip -> admission times in the window
        self.refused: Counter = Counter()  # limit -> refusals
        self.refused_by_ip: dict[str, Counter] = {}

    def admit(self, ip: str) -> str | None:
        """None if the connection may open (it is then counted open until release(ip)),
        else the refusal message naming the limit it hit."""
        now = self.clock()
        recent = self.recent.setdefault(ip, deque())
        while recent and now - recent[0] >= WINDOW_S:
            recent.popleft()
        refusal = self._refusal(ip, len(recent))
        if refusal is not None:
            kind, message = refusal
            self.refused[kind] += 1
            self.refused_by_ip.setdefault(ip, Counter())[kind] += 1
            log.warning("refused a websocket connection from %s: %s", ip, message)
            return message
        recent.append(now)
        self.open[ip] += 1
        self.peak[ip] = max(self.peak[ip], self.open[ip])
        return None

    def _refusal(self, ip: str, admitted_in_window: int) -> tuple[str, str] | None:
        most, per_minute = self.config.max_ws_per_ip, self.config.max_new_ws_per_minute
        if most and self.open[ip] >= most:
            return CONCURRENT, f"too many websocket connections from this IP (max {most})"
        if per_minute and admitted_in_window >= per_minute:
            return NEW_PER_MINUTE, (
                f"too many new websocket connections from this IP (max {per_minute} per minute)"
            )
        return None

    def release(self, ip: str) -> None:
        self.open[ip] -= 1
        if self.open[ip] <= 0:
            del self.open[ip]

    def snapshot(self) -> dict:
        """The "ws" part of GET /sim/stats (simulator-wide: limits are per IP, not per account)."""
        return {
            "limits": {
                "max_ws_per_ip": self.config.max_ws_per_ip,
                "max_new_ws_per_minute": self.config.max_new_ws_per_minute,
            },
            "open_by_ip": dict(self.open),
            "peak_open_by_ip": dict(self.peak),
            "refused": {
                CONCURRENT: self.refused[CONCURRENT],
                NEW_PER_MINUTE: self.refused[NEW_PER_MINUTE],
            },
            "refused_by_ip": {ip: dict(c) for ip, c in self.refused_by_ip.items()},
        }
