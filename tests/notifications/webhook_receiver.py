"""A template-message receiver for tests: a real HTTP server that checks signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_SECRET = "test-webhook-secret"


@dataclass
class Received:
    headers: dict[str, str]
    payload: dict[str, Any]
    signature_ok: bool
    status: int


@dataclass
class Receiver:
    """A template-message receiver on 127.0.0.1 that checks signatures on its own."""

    url: str = ""
    # Status codes to answer, in order; once used up every signed request gets 200.
    script: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            timestamp = self.headers.get("X-Beian-Timestamp", "")
            # The documented scheme, computed here independently of beian's own code.
            expected = hmac.new(
                WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
            ).hexdigest()
            given = self.headers.get("X-Beian-Signature", "")
            signature_ok = hmac.compare_digest(f"sha256={expected}", given)
            status = 200
            if not signature_ok:
                status = 401
            elif receiver.script:
                status = receiver.script.pop(0)
            receiver.requests.append(
                Received(dict(self.headers), json.loads(body), signature_ok, status)
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Keep the test output quiet."""

    return Handler


@contextmanager
def serve() -> Iterator[Receiver]:
    """Run a receiver in a thread on a free port of 127.0.0.1."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/beian"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
