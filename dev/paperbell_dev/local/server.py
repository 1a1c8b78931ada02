"""``paperbell serve``: the subscriber API and pages on loopback, over the embedded AWS.

Each HTTP request is translated into an API Gateway HTTP API (payload v2) event and
given to the real ApiFunction handler through the local invoker - the same code that
runs in Lambda, not a second app. Mails SES accepted (confirmation links, ...) are
written to the outbox folder as ``.eml`` files after every request.

The local AWS is in-process moto (or the endpoint in ``AWS_ENDPOINT_URL``) and lives as
long as the server: stop it and the subscribers are gone.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 1024 * 1024


def http_event(
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    source_ip: str = "127.0.0.1",
    host: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API v2 event, as the ``$default``/``/{proxy+}`` route sends."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    lowered.setdefault("host", host)
    now = datetime.now(UTC)
    params: dict[str, str] = {}
    if query:
        from urllib.parse import parse_qsl

        for key, value in parse_qsl(query, keep_blank_values=True):
            params[key] = f"{params[key]},{value}" if key in params else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "ANY /{proxy+}" if path != "/" else "ANY /",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered["host"],
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "ANY /{proxy+}" if path != "/" else "ANY /",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if params:
        event["queryStringParameters"] = params
    if path != "/":
        event["pathParameters"] = {"proxy": path.lstrip("/")}
    if body:
        event["body"] = base64.b64encode(body).decode("ascii")
    return event


def response_parts(result: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of a Lambda proxy (v2) response."""
    status = int(result.get("statusCode", 200))
    headers: list[tuple[str, str]] = []
    for key, value in (result.get("headers") or {}).items():
        headers.append((key, str(value)))
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((key, str(v)) for v in values)
    for cookie in result.get("cookies") or []:
        headers.append(("Set-Cookie", str(cookie)))
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return status, headers, body


class LocalApiServer:
    """A ThreadingHTTPServer in front of the local ApiFunction (start/stop or ``with``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        outbox: str | Path | None = "outbox",
        seed: bool = True,
        template_path: str | Path | None = None,
        feeds: list[str] | None = None,
        subscribers_file: str | Path | None = None,
    ):
        self.host = host
        #: What to load at start (``--feed``, repeatable): default the bundled feeds.
        self.feeds = list(feeds or [])
        #: Subscribers (``--subscribers``) added first; their day is delivered at start.
        self.subscribers_file = subscribers_file
        self.own_webhooks: list[Any] = []
        self.requested_port = port
        self.outbox = Path(outbox) if outbox else None
        self.seed = seed
        self.template_path = template_path
        self._lock = threading.Lock()
        self._mails_written = 0
        self.httpd: ThreadingHTTPServer | None = None
        self.pipeline: Any = None
        self._thread: threading.Thread | None = None
        self._saved_local_mode: str | None = None

    @property
    def url(self) -> str:
        assert self.httpd is not None
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> LocalApiServer:
        import os

        from paperbell_dev.local.pipeline import LocalPipeline

        self.httpd = ThreadingHTTPServer((self.host, self.requested_port), self._handler_class())
        self.httpd.daemon_threads = True
        self._saved_local_mode = os.environ.get("PAPERBELL_LOCAL_MODE")
        os.environ["PAPERBELL_LOCAL_MODE"] = "1"
        try:
            self.pipeline = LocalPipeline(self.template_path, parameters={"SiteUrl": self.url})
            self.pipeline.__enter__()
            self._load()
        except BaseException:
            self.stop()
            raise
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def _load(self) -> None:
        """The feeds, so the preview has papers; with subscribers, a whole simulated day
        (match, plan, mail and webhooks) so they receive what a deployed stack sends."""
        if self.subscribers_file:
            from paperbell_dev.local.demo import load_demo_subscribers

            subscribers, self.own_webhooks = load_demo_subscribers(self.subscribers_file)
            self.pipeline.add_subscribers(subscribers)
            self.pipeline.run_day(self.feeds or None)
            self._flush_outbox()
        elif self.seed:
            self.pipeline.scrape(self.feeds or None)

    def stop(self) -> None:
        import os

        if self.httpd is not None:
            if self._thread is not None:
                self.httpd.shutdown()
            self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.pipeline is not None:
            self.pipeline.__exit__(None, None, None)
            self.pipeline = None
        self.httpd = None
        if self._saved_local_mode is None:
            os.environ.pop("PAPERBELL_LOCAL_MODE", None)
        else:
            os.environ["PAPERBELL_LOCAL_MODE"] = self._saved_local_mode

    def __enter__(self) -> LocalApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- requests --------------------------------------------------------------------
    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """Run one event through ApiFunction (serialized: the invoker sets os.environ)."""
        with self._lock:
            result: dict[str, Any] = self.pipeline.invoker.invoke("ApiFunction", event)
            self._flush_outbox()
        return result

    def _flush_outbox(self) -> None:
        if self.outbox is None:
            return
        from paperbell_dev.local.outbox import write_outbox

        mails = self.pipeline.sent_mails()
        if len(mails) != self._mails_written:
            write_outbox(mails, self.outbox)
            self._mails_written = len(mails)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "paperbell-local"
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.send_error(413)
                    return
                body = self.rfile.read(length) if length else b""
                event = http_event(
                    self.command,
                    parts.path or "/",
                    query=parts.query,
                    headers={k: v for k, v in self.headers.items()},
                    body=body,
                    source_ip=self.client_address[0],
                    host=self.headers.get("Host", server.host),
                )
                try:
                    result = server.invoke(event)
                except Exception as exc:
                    message = f"internal error: {type(exc).__name__}: {exc}".encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "text/plain; charset=utf-8")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                status, headers, payload = response_parts(result)
                self.send_response(status)
                for key, value in headers:
                    if key.lower() not in ("content-length", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = _handle

            def log_message(self, format: str, *args: Any) -> None:
                if server.log is not None:
                    server.log(f"{self.address_string()} {format % args}")

        return Handler

    log: Callable[[str], None] | None = None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    outbox: str | Path | None = "outbox",
    *,
    seed: bool = True,
    feeds: list[str] | None = None,
    subscribers_file: str | Path | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    import warnings

    # A request that records no metric is normal here (Powertools warns on every one).
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    server = LocalApiServer(
        host, port, outbox=outbox, seed=seed, feeds=feeds, subscribers_file=subscribers_file
    )
    server.log = announce
    with server:
        for hook in server.own_webhooks:
            announce(f"paperbell: your webhook {hook.url}: verify with secret {hook.secret}")
        announce(f"paperbell: serving {server.url}/ (mails to {server.outbox or 'nowhere'}; "
                 "Ctrl-C stops, all data is in memory)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            announce("paperbell: stopped")
