"""The papers stream drives matching like Lambda's event source mapping does."""

from __future__ import annotations

import json

from paperbell import aws
from paperbell.services.subscriptions import new_subscriber


def _onfailure_messages(pipeline) -> list[dict]:
    url = pipeline.stack.physical["MatchFailureQueue"]["QueueUrl"]
    response = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in response.get("Messages", [])]


def test_a_broken_record_fails_alone_and_lands_in_the_onfailure_queue(pipeline):
    pipeline.add_subscribers([new_subscriber("ada@example.org", ["RoPE", "lottery tickets"])])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    # A paper item the matcher cannot read (a corrupt date), written like any other.
    aws.table(pipeline.table_name("PapersTable")).put_item(
        Item={"paper_id": "broken", "title": "lottery tickets", "published": "not-a-date"}
    )

    pipeline.match()

    assert pipeline.pending_match_count() == 1  # RoPE paper matched despite the bad record
    (failure,) = _onfailure_messages(pipeline)
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    retries = pipeline.stream.max_retries
    assert failure["requestContext"]["approximateInvokeCount"] == retries + 1


def test_a_batch_delivered_three_times_records_each_match_once(pipeline, demo_subscribers):
    pipeline.add_subscribers(demo_subscribers)
    pipeline.scrape()
    pipeline.match()
    matches = pipeline.pending_match_count()
    assert matches > 0

    for _ in range(2):
        pipeline.stream.positions.clear()  # rewind: the stream delivers everything again
        pipeline.match()

    assert pipeline.pending_match_count() == matches
