"""Pending matches and the delivery ledger (one table, keyed by subscriber).

Item kinds under one subscriber partition:
- ``match#<paper id>``: a paper that matched, waiting for the next digest. It carries
  ``due_slot`` (UTC hour of the subscriber's next delivery, "YYYY-MM-DDTHH"), which
  puts it in the sparse ``by-due-slot`` index the hourly planner reads - the planner's
  cost grows with pending matches, not with the number of subscribers.
- ``digest#<local date>``: the ledger - what was sent (or skipped, or failed) that day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from paperbell import aws
from paperbell.models import PendingMatch

MATCH_PREFIX = "match#"
DIGEST_PREFIX = "digest#"


@dataclass(frozen=True)
class LedgerEntry:
    subscriber_id: str
    digest_date: str
    status: str  # sent | skipped-empty | skipped-inactive | suppressed | failed
    message_id: str | None
    paper_ids: tuple[str, ...]


class DeliveryRepository:
    def __init__(self, table_name: str):
        self.table_name = table_name

    # -- pending matches -------------------------------------------------------------
    def record_match(self, match: PendingMatch, *, due_slot: str, expires_at: int) -> bool:
        """Store a match once. False when it was already recorded (stream redelivery)."""
        item = {
            "subscriber_id": match.subscriber_id,
            "sk": MATCH_PREFIX + match.paper_id,
            "paper_id": match.paper_id,
            "queries": list(match.queries),
            "highlights": json.dumps(match.highlights),
            "due_slot": due_slot,
            "matched_at": datetime.now(UTC).isoformat(),
            "expires_at": expires_at,
        }
        try:
            aws.table(self.table_name).put_item(
                Item=item, ConditionExpression="attribute_not_exists(sk)"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def pending_matches(self, subscriber_id: str) -> list[PendingMatch]:
        table = aws.table(self.table_name)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("subscriber_id").eq(subscriber_id)
            & Key("sk").begins_with(MATCH_PREFIX),
            "ConsistentRead": True,
        }
        matches: list[PendingMatch] = []
        while True:
            response = table.query(**kwargs)
            for item in response.get("Items", []):
                highlights = json.loads(item.get("highlights") or "{}")
                matches.append(
                    PendingMatch(
                        subscriber_id=subscriber_id,
                        paper_id=str(item["paper_id"]),
                        queries=tuple(item.get("queries", ())),
                        highlights={k: [tuple(s) for s in v] for k, v in highlights.items()},
                    )
                )
            if "LastEvaluatedKey" not in response:
                return matches
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def subscribers_due(self, slot: str) -> Iterator[str]:
        """Subscriber ids with pending matches due in ``slot`` (sparse GSI query)."""
        table = aws.table(self.table_name)
        kwargs: dict[str, Any] = {
            "IndexName": "by-due-slot",
            "KeyConditionExpression": Key("due_slot").eq(slot),
        }
        seen: set[str] = set()
        while True:
            response = table.query(**kwargs)
            for item in response.get("Items", []):
                sid = str(item["subscriber_id"])
                if sid not in seen:
                    seen.add(sid)
                    yield sid
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def clear_matches(self, subscriber_id: str, paper_ids: Iterable[str]) -> None:
        """Remove delivered matches (25 deletes per request via the batch writer)."""
        with aws.table(self.table_name).batch_writer() as batch:
            for pid in paper_ids:
                batch.delete_item(Key={"subscriber_id": subscriber_id, "sk": MATCH_PREFIX + pid})

    # -- ledger ----------------------------------------------------------------------
    def ledger_entry(self, subscriber_id: str, digest_date: str) -> LedgerEntry | None:
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id, "sk": DIGEST_PREFIX + digest_date},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        return LedgerEntry(
            subscriber_id=subscriber_id,
            digest_date=digest_date,
            status=str(item["status"]),
            message_id=item.get("message_id"),
            paper_ids=tuple(item.get("paper_ids", ())),
        )

    def record_ledger(self, entry: LedgerEntry, *, expires_at: int, detail: str = "") -> None:
        """Write the outcome of a planned digest (every planned digest ends recorded)."""
        item: dict[str, Any] = {
            "subscriber_id": entry.subscriber_id,
            "sk": DIGEST_PREFIX + entry.digest_date,
            "status": entry.status,
            "paper_ids": list(entry.paper_ids),
            "recorded_at": datetime.now(UTC).isoformat(),
            "expires_at": expires_at,
        }
        if entry.message_id:
            item["message_id"] = entry.message_id
        if detail:
            item["detail"] = detail[:1000]
        aws.table(self.table_name).put_item(Item=item)

    def iter_ledger(self) -> Iterator[dict[str, Any]]:
        """Every ledger item (operator views and tests; a scan, not a hot path)."""
        table = aws.table(self.table_name)
        kwargs: dict[str, Any] = {}
        while True:
            response = table.scan(**kwargs)
            for item in response.get("Items", []):
                if str(item["sk"]).startswith(DIGEST_PREFIX):
                    yield item
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
