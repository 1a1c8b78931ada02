"""Faults injected into the local pipeline; the end state is compared with a fault-free
run of the same input (papers in the table, mails SES accepted, webhooks received)."""

from __future__ import annotations

import functools
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from faults_harness import BUNDLED, DayResult, compare, run_day

from paperbell import aws
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.sources import SourceStateRepository
from paperbell_dev.local.faults import Fault, FaultInjector, ses_throttling

_BASELINES: dict[str, DayResult] = {}


def _pause(seconds: float) -> None:
    """Server-side delay that survives the tests' patched ``time.sleep`` (which the
    ``no_waiting`` fixture turns into a no-op for the retry loops under test)."""
    threading.Event().wait(seconds)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Real retry logic (botocore, HttpFetcher, webhooks) without real sleeping."""
    import botocore.endpoint

    import paperbell.sources as sources
    from paperbell.sources.fetcher import HttpFetcher

    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda s: None)
    monkeypatch.setattr(
        sources,
        "HttpFetcher",
        functools.partial(
            HttpFetcher, sleep=lambda s: None, read_timeout=0.5, connect_timeout=0.5, max_retries=1
        ),
    )
    monkeypatch.setattr("paperbell.webhooks.sender.time.sleep", lambda s: None, raising=False)


def baseline(subscribers, name: str = "demo", **kw) -> DayResult:
    if name not in _BASELINES:
        _BASELINES[name] = run_day(subscribers, **kw)
    return _BASELINES[name]


def test_1_every_stream_batch_delivered_three_times(demo_subscribers, record):
    def thrice(pipeline):
        for _ in range(3):
            pipeline.stream.positions.clear()
            pipeline.match()

    faulted = run_day(demo_subscribers, drive_stream=thrice)
    lost = compare(baseline(demo_subscribers), faulted)
    record("1 stream redelivery", "each batch x3", 2, lost)
    assert lost == (0, 0, 0)


def test_2_one_bad_record_fails_alone_and_reaches_onfailure(demo_subscribers, record):
    seen: ClassVar[dict[str, object]] = {}

    def corrupt(pipeline):
        aws.table(pipeline.table_name("PapersTable")).put_item(
            Item={"paper_id": "corrupt", "title": "lottery tickets", "published": "yesterday"}
        )

    def drive(pipeline):
        pipeline.match()
        url = pipeline.stack.physical["MatchFailureQueue"]["QueueUrl"]
        seen["failures"] = aws.client("sqs").receive_message(QueueUrl=url).get("Messages", [])
        seen["retries"] = pipeline.stream.max_retries

    faulted = run_day(demo_subscribers, after_scrape=corrupt, drive_stream=drive)
    lost = compare(baseline(demo_subscribers), faulted)
    record(
        "2 poison stream record",
        "1 record raises",
        1,
        lost,
        f"the bad record reached MatchFailureQueue after {seen['retries']} retries",
    )
    assert lost == (0, 0, 0)
    (failure,) = seen["failures"]
    assert json.loads(failure["Body"])["DDBStreamBatchInfo"]["batchSize"] == 1


def test_3_ses_throttles_the_first_sends(demo_subscribers, record):
    throttle = ses_throttling(times=12)
    faulted = run_day(demo_subscribers, faults=lambda: FaultInjector(throttle))
    lost = compare(baseline(demo_subscribers), faulted)
    record("3 SES throttling", "first 12 SendEmail -> 429", throttle.injected, lost)
    assert throttle.injected == 12 and lost == (0, 0, 0)


def test_4_ses_rejects_one_address_permanently(demo_subscribers, record):
    reject = Fault(
        "sesv2",
        "SendEmail",
        "MessageRejected",
        times=100,
        only_if=lambda request: b"grace@example.org" in (request.body or b""),
    )
    faulted = run_day(demo_subscribers, faults=lambda: FaultInjector(reject))
    lost = compare(baseline(demo_subscribers), faulted)
    record(
        "4 SES permanent reject",
        "grace@ -> MessageRejected",
        reject.injected,
        lost,
        "1 mail lost by design: SES refused the address; ledger says failed, no retry",
    )
    assert reject.injected == 1  # tried once, never retried forever
    assert lost == (0, 1, 0)


class _BadFeeds(BaseHTTPRequestHandler):
    """Misbehaving feed endpoints."""

    def do_GET(self) -> None:
        path = self.path
        if path == "/500":
            self.send_response(500)
            self.end_headers()
        elif path == "/429":
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
        elif path == "/hang":
            _pause(1.5)
            self.send_response(200)
            self.end_headers()
        elif path == "/reset":
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>Cut")
        elif path == "/html":
            body = b"<!doctype html><html><body><h1>Service temporarily down</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def bad_feeds() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BadFeeds)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_5_broken_feeds_never_stop_the_others(demo_subscribers, record):
    health: ClassVar[dict[str, int]] = {}
    with bad_feeds() as base:
        bad = [f"{base}/{p}" for p in ("500", "429", "hang", "reset", "truncated", "html")]

        def rescrape_bad_only(pipeline):
            pipeline.scrape(bad)  # a later run where only broken sources answer
            repo = SourceStateRepository(pipeline.table_name("SourcesTable"))
            for source in bad:
                health[source] = repo.load(source).consecutive_failures

        faulted = run_day(demo_subscribers, sources=BUNDLED + bad, after_scrape=rescrape_bad_only)
    lost = compare(baseline(demo_subscribers), faulted)
    record("5 broken feeds", "500, 429, timeout, reset, truncated, HTML", len(bad), lost)
    assert lost == (0, 0, 0)
    statuses = {s["source"]: s["status"] for s in faulted.scrape_reports[0]["sources"]}
    assert all(statuses[s] == "ok" for s in BUNDLED)
    # A truncated document may still yield the items read before the cut (none here).
    assert all(statuses[s] in ("failed", "empty") for s in bad), statuses
    failed = [s for s in bad if statuses[s] == "failed"]
    assert all(health[s] == 2 for s in failed), health


def test_6_dynamodb_throttles_writes(demo_subscribers, record):
    faults = [
        Fault("dynamodb", "PutItem", "ProvisionedThroughputExceededException", times=6),
        Fault("dynamodb", "UpdateItem", "ThrottlingException", times=4),
        Fault("dynamodb", "BatchGetItem", "ProvisionedThroughputExceededException", times=2),
    ]
    faulted = run_day(demo_subscribers, faults=lambda: FaultInjector(*faults))
    lost = compare(baseline(demo_subscribers), faulted)
    injected = sum(f.injected for f in faults)
    record(
        "6 DynamoDB throttling",
        "PutItem/UpdateItem/BatchGetItem throttled",
        injected,
        lost,
        "absorbed by boto3 standard retry mode (8 attempts), configured in paperbell.aws",
    )
    assert injected == 12 and lost == (0, 0, 0)


def test_7_mail_function_dies_after_ses_accepted(demo_subscribers, record, monkeypatch):
    """At-least-once by choice: a crash between SES and the ledger resends that digest."""
    crashed: ClassVar[list[str]] = []
    original = DeliveryRepository.record_ledger

    def crash_once(self, entry, **kw):
        if entry.status == "sent" and not crashed:
            crashed.append(entry.subscriber_id)
            raise RuntimeError("Lambda runtime exited (simulated) after SES accepted the mail")
        return original(self, entry, **kw)

    monkeypatch.setattr(DeliveryRepository, "record_ledger", crash_once)
    faulted = run_day(demo_subscribers)
    lost = compare(baseline(demo_subscribers), faulted)
    record(
        "7 crash after SES send",
        "ledger write dies once",
        1,
        lost,
        "1 duplicate by design: at-least-once (a lost digest is worse than a repeat); "
        "see docs/operations.md",
    )
    assert crashed and lost == (0, 0, 1)


class _Hooks(BaseHTTPRequestHandler):
    received: ClassVar[dict[str, int]] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received[self.path] = type(self).received.get(self.path, 0) + 1
        if self.path == "/500":
            self.send_response(500)
        elif self.path == "/hang":
            _pause(1.5)
            self.send_response(200)
        else:  # /slow
            _pause(0.2)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_8_webhooks_fail_hang_or_are_slow(demo_subscribers, record, monkeypatch):
    monkeypatch.setenv("PAPERBELL_LOCAL_MODE", "1")
    monkeypatch.setenv("PAPERBELL_WEBHOOK_TIMEOUT", "0.5")
    handler = type("Hooks", (_Hooks,), {"received": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    hooks = [
        replace(
            new_subscriber(f"{name}@hooks.example", ["RoPE"]),
            webhook_url=f"{base}/{name}",
            webhook_secret="whsec_" + "QUJD" * 8,
        )
        for name in ("500", "hang", "slow")
    ]
    try:
        faulted = run_day([*demo_subscribers, *hooks])
    finally:
        server.shutdown()
        server.server_close()
    lost = compare(baseline(demo_subscribers), faulted)
    record(
        "8 webhook 500/hang/slow",
        "2 endpoints never succeed, 1 slow",
        2,
        lost,
        "2 webhook digests parked in the DLQ after 5 receives (redrive with paperbell dlq)",
    )
    assert lost == (0, 0, 0)  # mail subscribers unaffected
    assert handler.received["/slow"] == 1
    assert handler.received["/500"] == handler.received["/hang"] == 10  # 5 receives x 2 tries
