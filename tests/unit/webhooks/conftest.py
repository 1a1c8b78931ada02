"""Fixtures for the webhook tests: a scripted local HTTP server and a network fence.

The fence is autouse: any attempt to connect a socket anywhere but loopback, or to
resolve a real DNS name, fails the test. That is how the tests prove the SSRF guard
refuses *before* connecting (a redirect to 10.0.0.1 must never reach ``connect``).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Fence:
    refused: list[Any] = field(default_factory=list)


@pytest.fixture(autouse=True)
def network_fence(monkeypatch: pytest.MonkeyPatch) -> Fence:
    fence = Fence()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        try:
            ip = ipaddress.ip_address(str(host).split("%")[0])
        except ValueError:
            ip = None
        if ip is None or not ip.is_loopback:
            fence.refused.append(address)
            raise AssertionError(f"test tried to connect to non-loopback {address!r}")
        return real_connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            ipaddress.ip_address(str(host))
        except ValueError:
            fence.refused.append(host)
            raise socket.gaierror(socket.EAI_NONAME, f"DNS disabled in tests: {host}") from None
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return fence


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeouts, capped reads) are expected here."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    hang: bool = False  # wait (until teardown) before answering


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers requests with the scripted replies in order (the last one repeats)."""

    def __init__(self) -> None:
        self.script: list[Reply] = [Reply()]
        self.requests: list[Received] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append(
                    Received(self.command, self.path, dict(self.headers.items()), body)
                )
                index = min(len(outer.requests), len(outer.script)) - 1
                reply = outer.script[index]
                if reply.hang:
                    outer.release.wait(10)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value.replace("{port}", str(outer.port)))
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_POST = _handle
            do_GET = _handle

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    try:
        yield srv
    finally:
        srv.close()
