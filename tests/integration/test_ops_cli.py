"""Operations commands against the local stack: DLQ listing and redrive, source health."""

from __future__ import annotations

import json

from paperbell import aws
from paperbell_dev.ops_cli import local_resources, peek, redrive, source_rows


def test_dead_letter_jobs_can_be_listed_and_redriven_safely(pipeline):
    resources = local_resources()
    dead = resources.get("DigestDeadLetterQueueUrl")
    work = resources.get("DigestQueueUrl")
    assert dead == pipeline.stack.physical["DigestDeadLetterQueue"]["QueueUrl"]
    sqs = aws.client("sqs")
    for n in range(3):
        sqs.send_message(
            QueueUrl=dead,
            MessageBody=json.dumps({"subscriber_id": f"sub_{n}", "slot": "2026-11-27T08"}),
        )

    listed = peek(dead)
    assert len(listed) == 3
    assert len(peek(dead)) == 3  # listing leaves the messages where they are

    assert redrive(dead, work) == 3
    assert peek(dead) == []
    moved = [json.loads(m["Body"])["subscriber_id"] for m in peek(work)]
    assert sorted(moved) == ["sub_0", "sub_1", "sub_2"]


def test_source_health_rows_show_status_counts_and_errors(pipeline):
    pipeline.scrape(["bundled:arxiv-cs.LG", "/no/such/feed.xml"])
    rows = {r["source"]: r for r in source_rows(local_resources().get("SourcesTableName"))}

    assert rows["bundled:arxiv-cs.LG"]["status"] == "ok"
    assert rows["bundled:arxiv-cs.LG"]["items"] == 3
    assert rows["bundled:arxiv-cs.LG"]["new"] == 3
    assert rows["/no/such/feed.xml"]["status"] == "failed"
    assert rows["/no/such/feed.xml"]["failures_in_a_row"] == 1
    assert rows["/no/such/feed.xml"]["error"]
