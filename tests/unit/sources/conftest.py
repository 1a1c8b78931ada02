"""Shared fixtures for the sources tests: fixture files, a fake clock, a local HTTP server.

Tests never touch the network: every HTTP exchange goes to a ``ThreadingHTTPServer``
on 127.0.0.1 whose routes the test programs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ..conftest import FakeTime

__all__ = ["FakeTime"]

FEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"


def feed_bytes(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@pytest.fixture
def feeds_dir() -> Path:
    return FEEDS




@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # real seconds to wait before answering (timeouts)
    truncate_to: int | None = None  # send a Content-Length but only this many bytes
    no_length: bool = False  # no Content-Length: body ends when the connection closes


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


Route = Callable[[Seen], Reply] | list[Reply] | Reply


class LocalServer:
    """Programmable HTTP server: ``routes[path]`` is a reply, a list (served in order,
    the last one repeating) or a function of the request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = Seen(parts.path, parse_qs(parts.query),
                               {k.lower(): v for k, v in self.headers.items()})
                reply = server._reply_for(request)
                if reply.delay:
                    threading.Event().wait(reply.delay)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.no_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                if reply.truncate_to is not None:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def _reply_for(self, request: Seen) -> Reply:
        with self._lock:
            self.seen.append(request)
            route = self.routes.get(request.path)
            if route is None:
                return Reply(404, b"not found")
            if isinstance(route, Reply):
                return route
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
        return route(request)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    local.thread.start()
    try:
        yield local
    finally:
        local.httpd.shutdown()
        local.httpd.server_close()


@pytest.fixture
def fetcher(fake_time: FakeTime) -> Iterator[Any]:
    from paperbell.sources import HttpFetcher

    with HttpFetcher(
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        wall_clock=fake_time.wall_clock,
        rng=lambda: 0.5,
        connect_timeout=2.0,
        read_timeout=2.0,
    ) as instance:
        yield instance
