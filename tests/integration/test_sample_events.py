"""Every function's sample event in events/ runs its real handler against moto.

These are the events the README tells operators to try with ``sam local invoke``, so
they must keep working as the code changes.
"""

from __future__ import annotations

import email
import email.policy
import json

from paperbell import aws
from paperbell.models import PendingMatch
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository
from paperbell_dev.demo_data import SAMPLE_SUBSCRIBER_ID


def _ada():
    return new_subscriber("ada@example.org", ["lottery tickets", "RoPE"], delivery_hour=8,
                              subscriber_id=SAMPLE_SUBSCRIBER_ID)


def test_scrape_event_writes_the_bundled_papers(pipeline):
    result = pipeline.invoker.invoke("ScrapeFunction", pipeline.event("scrape.json"))

    assert [s["status"] for s in result["sources"]] == ["ok", "ok", "ok"]
    table = aws.table(pipeline.table_name("PapersTable"))
    stored = {item["paper_id"] for item in table.scan()["Items"]}
    assert {"2403.00071", "2502.08441", "2306.05292", "2605.05242"} <= stored
    assert len(stored) == result["papers_new"]


def test_match_event_records_a_pending_match(pipeline):
    pipeline.add_subscribers([_ada()])
    event = pipeline.event("match.json")

    result = pipeline.invoker.invoke("MatchFunction", event)

    assert result == {"batchItemFailures": []}
    pending = DeliveryRepository(pipeline.table_name("DeliveriesTable")).pending_matches(_ada().id)
    assert [m.paper_id for m in pending] == ["2403.00071"]
    assert pending[0].queries == ("RoPE",)


def test_plan_event_queues_a_job_for_a_due_subscriber(pipeline):
    pipeline.add_subscribers([_ada()])
    DeliveryRepository(pipeline.table_name("DeliveriesTable")).record_match(
        PendingMatch(_ada().id, "2403.00071", ("RoPE",)), due_slot="2026-11-27T08", expires_at=0
    )

    result = pipeline.invoker.invoke("PlanFunction", pipeline.event("plan.json"))

    assert result["jobs"] == [{"subscriber_id": _ada().id, "slot": "2026-11-27T08"}]
    sqs = aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=pipeline.stack.physical["DigestQueue"]["QueueUrl"])
    assert json.loads(messages["Messages"][0]["Body"])["subscriber_id"] == _ada().id


def test_mail_event_sends_one_digest_through_ses(pipeline):
    pipeline.add_subscribers([_ada()])
    pipeline.invoker.invoke("MatchFunction", pipeline.event("match.json"))
    pipeline.invoker.invoke("ScrapeFunction", {"sources": ["bundled:arxiv-cs.LG"]})
    event = pipeline.event("mail.json")
    assert json.loads(event["Records"][0]["body"])["subscriber_id"] == _ada().id

    result = pipeline.invoker.invoke("MailFunction", event)
    again = pipeline.invoker.invoke("MailFunction", event)  # SQS redelivery

    assert result == again == {"batchItemFailures": []}
    mails = pipeline.sent_mails()
    assert len(mails) == 1
    assert mails[0].destinations[0] == "ada@example.org"
    assert b"Resonance RoPE" in mails[0].raw
    message = email.message_from_bytes(mails[0].raw, policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "RoPE</mark>" in html  # highlights computed for the papers the digest shows
    ledger = DeliveryRepository(pipeline.table_name("DeliveriesTable")).ledger_entry(
        _ada().id, "digest#2026-11-27"
    )
    assert ledger is not None and ledger.status == "sent"
    assert ledger.paper_ids == ("2403.00071",)


def test_the_link_signing_key_is_read_once_per_container(pipeline, monkeypatch):
    from paperbell.secrets import reset_secret_cache, token_key
    from paperbell_dev.local.api_calls import ApiCallCounter

    monkeypatch.setenv("TOKEN_SECRET_ARN", pipeline.stack.physical["TokenSecret"]["Arn"])
    reset_secret_cache()
    with ApiCallCounter() as calls:
        keys = {token_key() for _ in range(5)}
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert calls.count("secretsmanager", "GetSecretValue") == 1
