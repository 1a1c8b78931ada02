"""A webhook receiver on loopback for the demo: verifies each delivery's Standard
Webhooks signature and writes the payload next to the mails in the outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class ReceivedWebhook:
    headers: dict[str, str]
    body: bytes
    verified: bool
    error: str = ""


@dataclass
class WebhookReceiver:
    secret: str
    received: list[ReceivedWebhook] = field(default_factory=list)
    url: str = ""

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        from paperbell.webhooks.signing import verify

        try:
            verify(self.secret, headers, body)
        except Exception as exc:
            self.received.append(ReceivedWebhook(headers, body, False, str(exc)))
            return 400
        self.received.append(ReceivedWebhook(headers, body, True))
        return 204

    def write(self, folder: Path) -> list[Path]:
        """One JSON file per verified delivery, under ``folder/webhooks``."""
        target = folder / "webhooks"
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.json"):
            old.unlink()
        paths = []
        for number, hook in enumerate(self.received, start=1):
            payload: Any = json.loads(hook.body) if hook.verified else {"error": hook.error}
            record = {"webhook-id": hook.headers.get("webhook-id"), "verified": hook.verified,
                      "payload": payload}
            path = target / f"{number:03d}-{hook.headers.get('webhook-id', 'unknown')}.json"
            path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
            paths.append(path)
        return paths


@contextmanager
def running_receiver(secret: str) -> Iterator[WebhookReceiver]:
    """Serve a receiver on 127.0.0.1 (random port) for the duration of the block."""
    receiver = WebhookReceiver(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/paperbell"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
