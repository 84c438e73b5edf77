"""A local HTTP endpoint that records the webhooks it receives (and can fail the first ones)."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


class Endpoint(BaseHTTPRequestHandler):
    failures_left = 0
    received: list = []
    url = ""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
        else:
            type(self).received.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass

    @classmethod
    def bodies(cls) -> list[dict]:
        return [json.loads(body) for _, body in cls.received]


@contextmanager
def webhook_endpoint() -> Iterator[type[Endpoint]]:
    handler = type("RecordingEndpoint", (Endpoint,), {"failures_left": 0, "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
