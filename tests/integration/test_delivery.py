"""Delivery on the local pipeline: each subscriber's hour, never twice, never lost."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from paperbell import aws
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell_dev.local.faults import Fault, FaultInjector, ses_throttling

SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)


def _recipients(pipeline) -> list[str]:
    return [m.destinations[0] for m in pipeline.sent_mails()]


def _tick_through_day(pipeline, frozen, start: datetime) -> dict[str, list[str]]:
    """Run the hourly planner for 24 hours; which tick mailed whom."""
    sent_at: dict[str, list[str]] = {}
    for hour in range(1, 25):
        tick = start.replace(minute=0) + timedelta(hours=hour)
        frozen[0] = tick
        before = len(pipeline.sent_mails())
        pipeline.plan(tick)
        pipeline.mail()
        for address in _recipients(pipeline)[before:]:
            sent_at.setdefault(address, []).append(tick.strftime("%Y-%m-%dT%H"))
    return sent_at


def test_three_timezones_each_get_one_digest_at_their_own_hour(pipeline, frozen):
    pipeline.add_subscribers(
        [
            new_subscriber("utc@example.org", ["RoPE"], delivery_hour=8, timezone="UTC"),
            new_subscriber(
                "berlin@example.org", ["RoPE"], delivery_hour=7, timezone="Europe/Berlin"
            ),
            new_subscriber(
                "ny@example.org", ["RoPE"], delivery_hour=9, timezone="America/New_York"
            ),
        ]
    )
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()

    sent_at = _tick_through_day(pipeline, frozen, SCRAPED_AT)

    assert sent_at == {
        "utc@example.org": ["2026-11-27T08"],  # 08:00 UTC
        "ny@example.org": ["2026-11-27T14"],  # 09:00 EST
        "berlin@example.org": ["2026-11-28T06"],  # 07:00 CET; today's 07:00 had passed
    }
    ledger = {
        item["sk"]: item["status"]
        for item in DeliveryRepository(pipeline.table_name("DeliveriesTable")).iter_ledger()
    }
    assert set(ledger) == {"digest#2026-11-27", "digest#2026-11-28"}


def test_every_queue_message_delivered_twice_still_sends_each_digest_once(
    pipeline, frozen, demo_subscribers
):
    pipeline.add_subscribers(demo_subscribers)
    pipeline.scrape()
    pipeline.match()
    sqs = aws.client("sqs")
    queue = pipeline.digest_queue.queue_url
    original_send = pipeline.digest_queue.drain

    planned = 0
    for hour in range(1, 25):
        tick = SCRAPED_AT.replace(minute=0) + timedelta(hours=hour)
        frozen[0] = tick
        result = pipeline.plan(tick)
        planned += result["digests_planned"]
        for job in result["jobs"]:  # a second copy of every job (at-least-once SQS)
            sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(job, sort_keys=True))
        original_send()
        pipeline.plan(tick)  # and a second scheduler tick for the same hour
        original_send()

    assert planned == len(demo_subscribers)
    assert sorted(_recipients(pipeline)) == sorted(s.email for s in demo_subscribers)


def test_ses_throttling_still_delivers_every_digest_exactly_once(
    pipeline, frozen, demo_subscribers, no_sdk_sleep
):
    pipeline.add_subscribers(demo_subscribers)
    pipeline.scrape()
    pipeline.match()
    # More throttles than the SDK's 8 attempts: some jobs must go back to the queue.
    throttle = ses_throttling(times=12)
    with FaultInjector(throttle):
        sent_at = _tick_through_day(pipeline, frozen, SCRAPED_AT)

    assert throttle.injected == 12
    assert pipeline.digest_queue.stats.failed_attempts >= 1  # retried through SQS
    assert sorted(_recipients(pipeline)) == sorted(s.email for s in demo_subscribers)
    assert all(len(ticks) == 1 for ticks in sent_at.values())


def test_permanent_rejection_is_recorded_and_not_retried(pipeline, frozen, demo_subscribers):
    pipeline.add_subscribers(demo_subscribers)
    pipeline.scrape()
    pipeline.match()
    reject = Fault(
        "sesv2",
        "SendEmail",
        "MessageRejected",
        times=100,
        message="Email address is not verified.",
        only_if=lambda request: b"ada@example.org" in (request.body or b""),
    )
    with FaultInjector(reject):
        _tick_through_day(pipeline, frozen, SCRAPED_AT)

    assert reject.injected == 1  # one attempt, never retried
    assert "ada@example.org" not in _recipients(pipeline)
    assert len(_recipients(pipeline)) == len(demo_subscribers) - 1
    ledger = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    ada = next(s for s in demo_subscribers if s.email == "ada@example.org")
    entry = ledger.ledger_entry(ada.id, "digest#2026-11-27")
    assert entry is not None and entry.status == "failed"
    assert ledger.pending_matches(ada.id) == []  # not left to be retried forever
    # Reported once on the queue FailureReportAlarm watches (a free AWS/SQS metric).
    queue = pipeline.stack.physical["FailureReportQueue"]["Ref"]
    reports = aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in reports.get("Messages", [])]
    assert [(b["kind"], b["subscriber_id"], b["key"]) for b in bodies] == [
        ("digest-failed", ada.id, "digest#2026-11-27")]
    assert "not verified" in bodies[0]["detail"]


def test_instant_subscribers_get_one_notification_per_paper_without_waiting(pipeline, frozen):
    instant = new_subscriber(
        "now@example.org", ['RoPE OR "collaborative filtering"'], mode="instant"
    )
    pipeline.add_subscribers([instant])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()

    assert pipeline.mail() == 2  # queued by the match function itself
    assert _recipients(pipeline) == ["now@example.org", "now@example.org"]
    subjects = sorted(
        str(email.message_from_bytes(m.raw, policy=email.policy.default)["Subject"])
        for m in pipeline.sent_mails()
    )
    assert all(s.startswith("1 new paper") for s in subjects)
    _tick_through_day(pipeline, frozen, SCRAPED_AT)
    assert len(pipeline.sent_mails()) == 2  # the planner never re-sends instant matches


def test_empty_day_note_only_for_subscribers_who_asked(pipeline, frozen):
    pipeline.add_subscribers(
        [
            new_subscriber("quiet@example.org", ["quantum gravity"], delivery_hour=9),
            new_subscriber(
                "notes@example.org", ["quantum gravity"], delivery_hour=9, notify_empty=True
            ),
        ]
    )
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()

    sent_at = _tick_through_day(pipeline, frozen, SCRAPED_AT)

    assert sent_at == {"notes@example.org": ["2026-11-27T09"]}
    (note,) = pipeline.sent_mails()
    message = email.message_from_bytes(note.raw, policy=email.policy.default)
    assert "Nothing new" in str(message["Subject"])
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "weekend" in plain


def test_a_hard_bounce_suppresses(pipeline, frozen):
    ada = new_subscriber("ada@example.org", ["RoPE"])
    pipeline.add_subscribers([ada])
    result = pipeline.invoker.invoke("FeedbackFunction", pipeline.event("feedback.json"))

    assert result["suppressed"] == result["bounce"] == 1
    assert SubscriberRepository(pipeline.table_name("SubscribersTable")).get(ada.id).status == (
        "suppressed"
    )
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    _tick_through_day(pipeline, frozen, SCRAPED_AT)
    assert pipeline.sent_mails() == []


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append((dict(self.headers.items()), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()


def test_webhook_digest_is_signed_and_verifiable(pipeline, frozen, receiver, monkeypatch):
    from paperbell.webhooks.signing import generate_secret, verify

    monkeypatch.setenv("PAPERBELL_LOCAL_MODE", "1")
    url, handler = receiver
    secret = generate_secret()
    hook = new_subscriber("hook@example.org", ["RoPE"], delivery_hour=8)
    from dataclasses import replace

    pipeline.add_subscribers([replace(hook, webhook_url=url, webhook_secret=secret)])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    _tick_through_day(pipeline, frozen, SCRAPED_AT)

    ((headers, body),) = handler.received
    verify(secret, headers, body, now=int(datetime.now(UTC).timestamp()))
    payload = json.loads(body)
    assert payload["type"] == "paperbell.digest" and payload["version"] == 1
    assert [p["id"] for p in payload["papers"]] == ["2403.00071"]
    assert pipeline.sent_mails() == []  # a webhook subscriber gets no mail


def test_failing_webhook_is_retried_then_dead_lettered_and_marked(
    pipeline, frozen, receiver, monkeypatch
):
    monkeypatch.setenv("PAPERBELL_LOCAL_MODE", "1")
    monkeypatch.setattr("paperbell.webhooks.sender.time.sleep", lambda s: None, raising=False)
    url, handler = receiver
    handler.status = 500
    from dataclasses import replace

    hook = replace(
        new_subscriber("hook@example.org", ["RoPE"]),
        webhook_url=url,
        webhook_secret="whsec_" + "A" * 43 + "=",
    )
    mailer = new_subscriber("mail@example.org", ["RoPE"])
    pipeline.add_subscribers([hook, mailer])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    _tick_through_day(pipeline, frozen, SCRAPED_AT)

    ids = {h.get("webhook-id") for h, _ in handler.received}
    assert len(handler.received) >= 5 and len(ids) == 1  # same id on every retry
    dlq = pipeline.stack.physical["DigestDeadLetterQueue"]["QueueUrl"]
    dead = aws.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"])["subscriber_id"] for m in dead["Messages"]] == [hook.id]
    stored = aws.table(pipeline.table_name("SubscribersTable")).get_item(
        Key={"subscriber_id": hook.id}
    )["Item"]
    assert stored["webhook_status"] == "failing"
    assert _recipients(pipeline) == ["mail@example.org"]  # others unaffected
