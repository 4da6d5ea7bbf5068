"""A local webhook receiver on 127.0.0.1: what Apprise's json:// (or a Slack/Discord-like
webhook) posts lands in `messages`. A real HTTP server in a thread, so the alert takes the
same path out of the process as it would to a chat service."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.messages: list[dict] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "hook") -> str:
        """The Apprise URL of this receiver."""
        return f"json://127.0.0.1:{self.port}/{path}"

    def bodies(self) -> list[str]:
        with self.lock:
            return [f"{m.get('title', '')}\n{m.get('message', '')}" for m in self.messages]

    def wait_for(self, text: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in self.messages:
                    if text in message.get("message", "") or text in message.get("title", ""):
                        return message
            time.sleep(0.05)
        raise AssertionError(f"no alert containing {text!r} within {timeout}s: {self.bodies()}")


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with holder[0].lock:
                holder[0].messages.append(body)
                holder[0].paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(server))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
