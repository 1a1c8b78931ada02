"""Sources through the real scrape handler on moto: each paper once, politely, cheaply."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from paperbell import aws
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.sources import SourceStateRepository
from paperbell_dev.local.api_calls import ApiCallCounter

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pipeline"


@pytest.fixture(autouse=True)
def fast_fetcher(monkeypatch):
    """The real HttpFetcher, without real backoff sleeps."""
    import paperbell.sources as sources
    from paperbell.sources.fetcher import HttpFetcher

    monkeypatch.setattr(
        sources, "HttpFetcher", functools.partial(HttpFetcher, sleep=lambda s: None)
    )


class _FeedServer(BaseHTTPRequestHandler):
    """Serves one feed with an ETag (304 on If-None-Match); /broken answers 500."""

    body = b""
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        if self.path == "/broken":
            self.send_response(500)
            self.end_headers()
            return
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[tuple[str, type[_FeedServer]]]:
    handler = type(
        "Feed",
        (_FeedServer,),
        {"body": (FIXTURES / "arxiv_rss_cs.LG.xml").read_bytes(), "requests": []},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def _paper_ids(pipeline) -> list[str]:
    items = aws.table(pipeline.table_name("PapersTable")).scan()["Items"]
    return sorted(str(i["paper_id"]) for i in items)


def test_cross_source_and_new_version_duplicates_are_written_and_matched_once(pipeline):
    pipeline.add_subscribers([new_subscriber("ada@example.org", ["coupled adam"])])
    pipeline.scrape(["bundled:seed", "bundled:arxiv-cs.LG"])
    pipeline.match()
    # The next day the paper is re-announced as v3 and cross-listed in another category.
    result = pipeline.scrape([str(FIXTURES / "arxiv_rss_cs.CL_next_day.xml")])
    delivered = pipeline.match()

    assert result["papers_new"] == 0
    assert delivered == 0  # enrichment is a MODIFY: filtered out, never matched again
    assert _paper_ids(pipeline).count("2502.08441") == 1
    item = aws.table(pipeline.table_name("PapersTable")).get_item(Key={"paper_id": "2502.08441"})[
        "Item"
    ]
    assert int(item["version"]) == 3
    assert set(item["sources"]) == {"arxiv", "feed"}
    assert pipeline.pending_match_count() == 1


def test_unchanged_http_feed_rescrape_costs_zero_dynamodb_writes(pipeline, feed_server):
    base, handler = feed_server
    first = pipeline.scrape([f"rss:{base}/rss/cs.LG"])
    assert first["papers_new"] == 3

    with ApiCallCounter() as calls:
        again = pipeline.scrape([f"rss:{base}/rss/cs.LG"])

    assert again["sources"][0]["status"] == "not-modified"
    assert again["papers_new"] == 0
    assert calls.dynamodb_writes() == 0
    assert len(handler.requests) == 2  # one conditional GET each time, answered 304


def test_a_failing_source_is_recorded_and_never_stops_the_others(pipeline, feed_server):
    base, _ = feed_server
    sources = [f"{base}/broken", "bundled:arxiv-cs.LG"]
    for _ in range(3):
        result = pipeline.scrape(sources)

    statuses = {s["source"]: s["status"] for s in result["sources"]}
    assert statuses == {f"{base}/broken": "failed", "bundled:arxiv-cs.LG": "ok"}
    assert "500" in result["sources"][0]["error"]
    assert len(_paper_ids(pipeline)) == 3  # nothing deleted, the good source written
    health = SourceStateRepository(pipeline.table_name("SourcesTable"))
    assert health.load(f"{base}/broken").consecutive_failures == 3
    runs = health.recent_runs(f"{base}/broken")
    assert runs and runs[0]["status"] == "failed"
    assert "SourceFailingRepeatedly" in pipeline.invoker.output.getvalue()
    # The third failure in a row is reported on the queue FailureReportAlarm watches
    # (its free AWS/SQS metric), once, with the source and the error.
    queue = pipeline.stack.physical["FailureReportQueue"]["Ref"]
    reports = aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in reports.get("Messages", [])]
    assert [(b["kind"], b["source"], b["consecutive_failures"]) for b in bodies] == [
        ("source-failing", f"{base}/broken", 3)]
    assert "500" in bodies[0]["error"]
