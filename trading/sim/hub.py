"""WebSocket connections of the simulator and fan-out of pushes to them.

Each connection has a bounded outgoing queue drained by its own writer task, so a slow
client never blocks the exchange; an overflowing client is closed (as a real server would).
The per-connection `seq` is assigned when a message is actually written, so it increases in
the order the client receives messages."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

from starlette.websockets import WebSocket

log = logging.getLogger(__name__)
QUEUE_LIMIT = 10_000
PUBLIC_CHANNELS = ("price", "depth_book", "public_trade")
USER_CHANNELS = ("order", "position", "balance", "trade")


@dataclass(eq=False)  # identity hashing: connections live in sets
class Connection:
    ws: WebSocket
    kind: str  # "stream" or "api"
    user: str | None = None
    session_id: str | None = None
    pubkey: bytes | None = None  # ws-api: the key bound to the login token
    subs: set[tuple[str, str | None]] = field(default_factory=set)
    seq: int = 0
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    close_requested: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int = 1000
    close_reason: str = ""

    def send(self, message: dict, *, envelope: bool = False, not_before: float = 0.0) -> None:
        """Queue a message; `envelope` ones get the next seq when written."""
        try:
            self.queue.put_nowait((not_before, envelope, message))
        except asyncio.QueueFull:
            self.request_close(1008, "client too slow: send queue overflow")

    def request_close(self, code: int, reason: str) -> None:
        if not self.close_requested.is_set():
            self.close_code, self.close_reason = code, reason
            self.close_requested.set()

    async def writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            not_before, envelope, message = await self.queue.get()
            wait = not_before - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if envelope:
                self.seq += 1
                message = {"seq": self.seq, **message}
            await self.ws.send_text(json.dumps(message, separators=(",", ":")))


class Hub:
    def __init__(self, traffic=None) -> None:
        self.connections: set[Connection] = set()
        self.sessions: dict[str, Connection] = {}
        self.traffic = traffic  # traffic.TrafficLog: account pushes and ws-api results

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if conn.session_id and self.sessions.get(conn.session_id) is conn:
            del self.sessions[conn.session_id]

    def publish_public(
        self, channel: str, symbol: str, data: dict, delay_s: float, only: Connection | None = None
    ) -> None:
        not_before = asyncio.get_running_loop().time() + delay_s if delay_s else 0.0
        frame = {"channel": channel, "symbol": symbol, "data": data}
        for conn in [only] if only is not None else list(self.connections):
            if conn.kind == "stream" and (channel, symbol) in conn.subs:
                conn.send(frame, envelope=True, not_before=not_before)

    def publish_user(self, user: str, channel: str, data: dict) -> None:
        frame = {"channel": channel, "data": data}
        for conn in list(self.connections):
            if conn.kind == "stream" and conn.user == user and (channel, None) in conn.subs:
                conn.send(frame, envelope=True)
                if self.traffic is not None and self.traffic.enabled:
                    self.traffic.ws(conn, "out", channel=channel, **_order_fields(data))

    def send_session(self, session_id: str | None, message: dict) -> None:
        conn = self.sessions.get(session_id) if session_id else None
        if conn is not None:
            conn.send(message)
            if self.traffic is not None and self.traffic.enabled:
                code = message.get("code")
                self.traffic.ws(
                    conn,
                    "out",
                    code,
                    request_id=message.get("request_id"),
                    reason=message.get("message") if code not in (0, None) else None,
                )

    def close_all(self, code: int, reason: str) -> None:
        for conn in list(self.connections):
            conn.request_close(code, reason)


def _order_fields(data: dict) -> dict:
    """What identifies an order push in the traffic log (other channels: nothing more)."""
    if "cl_ord_id" not in data or "status" not in data:
        return {}
    return {"order_status": data["status"], "cl_ord_id": data["cl_ord_id"]}
