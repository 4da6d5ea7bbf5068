"""`runsim --log-requests FILE`: one JSON line per HTTP request and per non-market
WebSocket frame, so a misbehaving client can be diagnosed from what the exchange saw.

HTTP (every path, /sim controls included):
  {"time", "kind": "http", "account", "method", "path", "status", "reason"?, "bearer"?,
   "signed"?}
  `bearer: true` when the request carried an Authorization header, `signed: true` when it
  carried an x-request-signature (whether or not either was valid): a client that must
  send neither (paper mode's public market) is proved to by their absence.
WebSocket frames in (auth, account-channel subscriptions, ws-api methods, malformed frames;
market subscriptions and JSON pings are not logged) and out (account-channel pushes, ws-api
results):
  {"time", "kind": "ws-stream"|"ws-api", "dir": "in"|"out", "account", "channel"|"method",
   "status", "reason"?, "request_id"?, "order_status"?, "cl_ord_id"?}
`status` is the HTTP status, or the code the frame carried or was answered with (0 or 200 =
success); `reason` is the error message of every rejection; `account` is the StandX user
("bsc_0x...") once known, else null. `time` is the simulator clock in ISO-8601 UTC.
Lines are flushed as written; off (no file, no cost) unless a path is given."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO

from trading.sim.util import iso

# Keys the request handlers leave in the ASGI scope's state for the log line.
ACCOUNT = "sim_account"
REJECT_REASON = "sim_reject_reason"


class TrafficLog:
    def __init__(self, path: str, clock: Callable[[], float]) -> None:
        self.path, self.clock = path, clock
        self._file: IO[str] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.path)

    def write(self, kind: str, **fields: object) -> None:
        if not self.path:
            return
        if self._file is None:
            self._file = open(self.path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        line: dict[str, object] = {"time": iso(self.clock()), "kind": kind}
        line.update({k: v for k, v in fields.items() if v is not None or k == "account"})
        self._file.write(json.dumps(line, separators=(",", ":")) + "\n")

    def ws(self, conn, direction: str, status: object = None, **fields: object) -> None:
        if self.path:
            kind = "ws-api" if conn.kind == "api" else "ws-stream"
            self.write(kind, dir=direction, account=conn.user, status=status, **fields)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class TrafficMiddleware:
    """Pure ASGI middleware: the HTTP status as sent, the account and rejection reason the
    handlers recorded in the scope's state."""

    def __init__(self, app, traffic: TrafficLog) -> None:
        self.app, self.traffic = app, traffic

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not self.traffic.enabled:
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        logged = False
        names = {name.lower() for name, _ in scope.get("headers", ())}
        bearer = True if b"authorization" in names else None
        signed = True if b"x-request-signature" in names else None

        def log(status: int) -> None:
            nonlocal logged
            logged = True
            reason = state.get(REJECT_REASON)
            if status >= 400 and reason is None:
                reason = "internal server error" if status >= 500 else f"HTTP {status}"
            self.traffic.write(
                "http",
                account=state.get(ACCOUNT),
                method=scope["method"],
                path=scope["path"],
                status=status,
                reason=reason,
                bearer=bearer,
                signed=signed,
            )

        async def send_logged(message) -> None:
            if message["type"] == "http.response.start":
                log(message["status"])  # before the client can see the answer
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        finally:
            if not logged:  # an unhandled error: the outer middleware answers 500
                log(500)
