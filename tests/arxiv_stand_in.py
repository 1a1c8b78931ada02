"""A local stand-in for the arXiv export API (``/api/query?id_list=...``).

Why a hand-made server: fetching liked papers must be tested against real HTTP
(batching, spacing, errors) without the network. It answers with Atom in the export
API's own shape, built from the papers it is given, and records every request. The
``arxiv_api`` fixture (tests/conftest.py) starts one per test on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from paperbell.models import Paper


def arxiv_atom(papers: list[Paper]) -> bytes:
    entries = "".join(
        f"""<entry><id>http://arxiv.org/abs/{p.id}v1</id>
<updated>2026-05-10T12:00:00Z</updated><published>2026-05-10T12:00:00Z</published>
<title>{escape(p.title)}</title><summary>{escape(p.abstract)}</summary>
<author><name>A. Author</name></author>
<link href="https://arxiv.org/abs/{p.id}v1" rel="alternate" type="text/html"/>
<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/></entry>"""
        for p in papers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<id>https://arxiv.org/api/x</id><title>arXiv Query</title>"
        "<updated>2026-05-11T00:00:00Z</updated>"
        f"<opensearch:totalResults>{len(papers)}</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"{entries}</feed>"
    ).encode()


@dataclass
class ArxivApi:
    papers: dict[str, Paper] = field(default_factory=dict)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    status: int = 200
    base: str = ""

    @property
    def url(self) -> str:
        return self.base + "/api/query"


def running_arxiv_api() -> Iterator[ArxivApi]:
    api = ArxivApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            api.requests.append(query)
            if parts.path != "/api/query" or api.status != 200:
                body, status = b"unavailable", (api.status if api.status != 200 else 404)
            else:
                ids = [i for i in ",".join(query.get("id_list", [""])).split(",") if i]
                body, status = arxiv_atom([api.papers[i] for i in ids if i in api.papers]), 200
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    api.base = f"http://{host!s}:{port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
