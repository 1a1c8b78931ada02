"""Operations commands: ``paperbell dlq list|redrive`` and ``paperbell sources``.

They act on a deployed stack (``--stack``; queue URLs and table names from its outputs)
or on the local stack at ``AWS_ENDPOINT_URL``, like the subscriber commands.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from typing import Any

from paperbell import aws
from paperbell.errors import ConfigError

QUEUES = {
    "digest": ("DigestDeadLetterQueueUrl", "DigestQueueUrl"),
    "match": ("MatchFailureQueueUrl", None),
    # Scheduled/async runs (scrape, plan, index, feedback) that failed after retries.
    "runs": ("InvocationFailureQueueUrl", None),
    # The reports behind FailureReportAlarm: rejected digests, repeatedly failing sources.
    "reports": ("FailureReportQueueUrl", None),
}


@dataclass(frozen=True)
class StackResources:
    """The outputs the operations commands need (names as in template.yaml Outputs)."""

    outputs: dict[str, str]

    def get(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise ConfigError(f"the stack has no output {key}") from None


def resolve(args: argparse.Namespace) -> StackResources:
    """The target's outputs, from the one connection the subscriber commands make too."""
    from paperbell_dev.operator_cli import connect

    return StackResources(connect(args).outputs)


def local_resources() -> StackResources:
    """The local stack at ``AWS_ENDPOINT_URL``, under the names the template's Outputs use."""
    from paperbell_dev.operator_cli import _local

    return StackResources(_local(os.environ.get("AWS_ENDPOINT_URL", "")).outputs)


# -- dead-letter queues ----------------------------------------------------------------
def peek(queue_url: str, limit: int = 50) -> list[dict[str, Any]]:
    """Up to ``limit`` messages, left in the queue (visibility timeout 0)."""
    sqs = aws.client("sqs")
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(max(1, limit // 10) + 2):
        response = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            seen.setdefault(message["MessageId"], message)
        if not response.get("Messages") or len(seen) >= limit:
            break
    return list(seen.values())[:limit]


def redrive(dead_letter_url: str, target_url: str, limit: int = 1000) -> int:
    """Move messages back to the work queue (send, then delete: never lost; a message
    moved twice is harmless because digest jobs are idempotent)."""
    sqs = aws.client("sqs")
    moved = 0
    while moved < limit:
        response = sqs.receive_message(
            QueueUrl=dead_letter_url, MaxNumberOfMessages=10, VisibilityTimeout=60
        )
        messages = response.get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=target_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def cmd_dlq(args: argparse.Namespace) -> int:
    resources = resolve(args)
    dead_key, target_key = QUEUES[args.queue]
    dead_url = resources.get(dead_key)
    if args.action == "list":
        messages = peek(dead_url, args.limit)
        for message in messages:
            count = message.get("Attributes", {}).get("ApproximateReceiveCount", "?")
            if args.json:
                print(
                    json.dumps(
                        {
                            "id": message["MessageId"],
                            "receives": count,
                            "body": json.loads(message["Body"]),
                        }
                    )
                )
            else:
                print(f"{message['MessageId']}  receives={count}  {message['Body'][:160]}")
        print(f"{len(messages)} message(s) in the {args.queue} dead-letter queue")
        return 0
    if target_key is None and args.queue == "reports":
        raise ConfigError(
            "these are reports, not jobs: fix the cause (docs/operations.md, Alarms); "
            "a rejected digest is not retried, a source is read again by the next scrape"
        )
    if target_key is None and args.queue == "runs":
        raise ConfigError(
            "failed runs are records of what failed, not jobs: fix the cause, then run the "
            "function again (the next schedule, or `sam remote invoke`; see docs/operations.md)"
        )
    if target_key is None:
        raise ConfigError(
            "match failures are stream batches, not jobs: fix the cause, then re-scrape or "
            "re-insert the papers named by `paperbell dlq list --queue match` "
            "(see docs/operations.md)"
        )
    moved = redrive(dead_url, resources.get(target_key), args.limit)
    print(f"moved {moved} job(s) back to the digest queue")
    return 0


# -- source health ---------------------------------------------------------------------
def source_rows(table_name: str) -> list[dict[str, Any]]:
    """Per source: last run's status, items, new papers, duration, error, failures."""
    from paperbell.storage.sources import SourceStateRepository

    repo = SourceStateRepository(table_name)
    rows = []
    for source in sorted(repo.iter_sources()):
        state = repo.load(source)
        runs = repo.recent_runs(source, limit=1)
        last = runs[0] if runs else {}
        rows.append(
            {
                "source": source,
                "status": str(last.get("status", "not-modified")),
                "last_run": str(last.get("record", "")).removeprefix("run#")[:19],
                "items": int(last.get("items_seen", 0)),
                "new": int(last.get("new_papers", 0)),
                "ms": int(last.get("duration_ms", 0)),
                "failures_in_a_row": state.consecutive_failures,
                "error": str(last.get("error", "")),
            }
        )
    return rows


def cmd_sources(args: argparse.Namespace) -> int:
    rows = source_rows(resolve(args).get("SourcesTableName"))
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no source has been scraped yet")
        return 0
    print(
        f"{'source':40} {'status':13} {'last run':19} {'items':>5} {'new':>4} {'ms':>6} "
        f"{'fails':>5}  error"
    )
    for r in rows:
        print(
            f"{r['source'][:40]:40} {r['status']:13} {r['last_run']:19} {r['items']:>5} "
            f"{r['new']:>4} {r['ms']:>6} {r['failures_in_a_row']:>5}  {r['error'][:60]}"
        )
    return 0


def register(sub: Any) -> None:
    from paperbell_dev.operator_cli import _target_options

    where = _target_options()
    dlq = sub.add_parser(
        "dlq",
        help="list or redrive dead-letter queues",
        description="Inspect and replay failed digest jobs (and list "
        "papers-stream batches that failed matching).",
    )
    actions = dlq.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    for name, text in (
        ("list", "show messages (left in the queue)"),
        ("redrive", "move digest jobs back to the digest queue"),
    ):
        action = actions.add_parser(name, parents=[where], help=text)
        action.add_argument("--queue", choices=sorted(QUEUES), default="digest")
        action.add_argument("--limit", type=int, default=100)
        action.add_argument("--json", action="store_true")
        action.set_defaults(func=cmd_dlq)
    sources = sub.add_parser(
        "sources",
        parents=[where],
        help="source health table",
        description="Per source: last run, items, new papers, "
        "duration, failures in a row and the last error.",
    )
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(func=cmd_sources)
