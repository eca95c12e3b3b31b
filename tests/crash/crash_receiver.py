"""A template-message webhook receiver on 127.0.0.1 that records every delivery it gets."""

from __future__ import annotations

import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from beian.notifications.channels import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)


@dataclass(frozen=True)
class Receipt:
    """One POST as it arrived."""

    key: str
    message_id: int
    template: str
    signed: bool


class Receiver:
    """Answers 200 to every POST and keeps (idempotency key, message id, signature ok)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.receipts: list[Receipt] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Where the worker posts."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def start(self) -> Receiver:
        """Serve on a thread of the test process."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def keys(self) -> list[str]:
        """Every idempotency key received, repeats included, in arrival order."""
        with self._lock:
            return [receipt.key for receipt in self.receipts]

    def _record(self, receipt: Receipt) -> None:
        with self._lock:
            self.receipts.append(receipt)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                timestamp = self.headers.get(TIMESTAMP_HEADER, "")
                expected = sign(receiver.secret, timestamp, body)
                given = self.headers.get(SIGNATURE_HEADER, "")
                payload = json.loads(body)
                receiver._record(
                    Receipt(
                        key=self.headers.get(IDEMPOTENCY_HEADER, ""),
                        message_id=int(payload["message_id"]),
                        template=str(payload["template"]),
                        signed=hmac.compare_digest(expected, given),
                    )
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Quiet: the test prints nothing."""

        return Handler
