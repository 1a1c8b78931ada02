"""Pending matches and the delivery ledger (one table, keyed by subscriber).

Item kinds under one subscriber partition:
- ``match#<paper id>``: a paper that matched, waiting for the next digest. It carries
  ``due_slot`` (UTC hour of the subscriber's next delivery, "YYYY-MM-DDTHH"), which
  puts it in the sparse ``by-due-slot`` index the hourly planner reads - the planner's
  cost grows with pending matches, not with the number of subscribers. A delivered
  match is marked ``delivered`` and keeps its ``due_slot`` until its TTL (the planner
  never re-plans a past slot, and removing it would cost the index a write).
- ``digest#<local date>``: the ledger - what was sent (or skipped, or failed) that day;
  ``instant#<paper id>`` the same for one instant-mode notification.
- ``tick``: for subscribers who want a note on empty days, a marker carrying the next
  ``due_slot`` so the planner finds them without any match.
- ``rec#<paper id>``: a candidate recommendation (issue 14): the paper passed the
  subscriber's similarity floor; it carries the score and the reason, and ``due_slot``
  like a match. The digest keeps the best few and marks them all delivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from paperbell import aws, clock
from paperbell.models import PendingMatch, PendingRecommendation
from paperbell.storage import paging

MATCH_PREFIX = "match#"
REC_PREFIX = "rec#"
DIGEST_PREFIX = "digest#"
INSTANT_PREFIX = "instant#"
LEDGER_PREFIXES = (DIGEST_PREFIX, INSTANT_PREFIX)
#: Marker that keeps an empty-note subscriber due at their hour (no match needed).
TICK_KEY = "tick"
#: A delivered match is kept this long (then TTL removes it): longer than the 24 h a
#: DynamoDB stream keeps records, so a late redelivery still finds it and sends nothing.
DELIVERED_RETENTION = timedelta(days=2)
#: The planner's progress marker (a reserved partition, not a subscriber).
PLANNER_KEY = {"subscriber_id": "~planner", "sk": "state"}


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger item: how a planned digest or instant notification ended, and which
    papers it held (the "never twice" rule reads them)."""

    subscriber_id: str
    key: str  # "digest#<local date>" | "instant#<paper id>"
    status: str  # sent | skipped-empty | skipped-inactive | suppressed | failed
    message_id: str | None
    paper_ids: tuple[str, ...]


class DeliveryRepository:
    def __init__(self, table_name: str):
        self.table_name = table_name

    # -- pending matches -------------------------------------------------------------
    def record_match(self, match: PendingMatch, *, due_slot: str | None, expires_at: int) -> str:
        """Store a match once: "new", or for a redelivered stream record "pending"
        (recorded, not yet delivered) or "delivered" (already in a sent digest).

        ``due_slot`` None (instant mode) keeps the match out of the planner's index."""
        item: dict[str, Any] = {
            "subscriber_id": match.subscriber_id,
            "sk": MATCH_PREFIX + match.paper_id,
            "paper_id": match.paper_id,
            "queries": list(match.queries),
            "highlights": json.dumps(match.highlights),
            "matched_at": clock.now().isoformat(),
            "correlation_id": match.correlation_id,
            "expires_at": expires_at,
        }
        if due_slot:
            item["due_slot"] = due_slot
        try:
            aws.table(self.table_name).put_item(
                Item=item, ConditionExpression="attribute_not_exists(sk)"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            existing = aws.table(self.table_name).get_item(
                Key={"subscriber_id": match.subscriber_id, "sk": item["sk"]},
                ProjectionExpression="delivered",
                ConsistentRead=True,
            )
            return "delivered" if existing.get("Item", {}).get("delivered") else "pending"
        return "new"

    def pending_matches(self, subscriber_id: str) -> list[PendingMatch]:
        table = aws.table(self.table_name)
        found = paging.items(
            table.query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
            & Key("sk").begins_with(MATCH_PREFIX),
            FilterExpression=Attr("delivered").not_exists(),
            ConsistentRead=True,
        )
        return [_pending_from_item(subscriber_id, item) for item in found]

    def subscribers_due(self, slot: str, *, undelivered_only: bool = False) -> Iterator[str]:
        """Subscriber ids with pending matches due in ``slot`` (sparse GSI query).

        A delivered match keeps its index entry until TTL (see :func:`_mark_delivered`),
        which is harmless for a slot planned for the first time: it was delivered in an
        earlier slot. Re-checking a slot already planned (``undelivered_only``: a
        repeated tick of the same hour) confirms each subscriber with one query of their
        partition, so their delivered items do not queue a job again."""
        table = aws.table(self.table_name)
        seen: set[str] = set()
        for item in paging.items(table.query, IndexName="by-due-slot",
                                 KeyConditionExpression=Key("due_slot").eq(slot)):
            sid = str(item["subscriber_id"])
            if sid in seen:
                continue
            seen.add(sid)
            if not undelivered_only or self._has_undelivered(sid, slot):
                yield sid

    def _has_undelivered(self, subscriber_id: str, slot: str) -> bool:
        found = paging.items(
            aws.table(self.table_name).query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id),
            FilterExpression=Attr("due_slot").eq(slot) & Attr("delivered").not_exists(),
            ProjectionExpression="sk",
        )
        return next(iter(found), None) is not None

    def clear_matches(self, subscriber_id: str, paper_ids: Iterable[str], key: str = "") -> None:
        """Mark matches delivered (or dropped): out of the next digest, but kept until
        their TTL so a late stream redelivery of the same paper finds them and records
        nothing new (the paper is never mailed twice). One write unit each: the mark
        leaves ``due_slot`` (and so the index entry) alone, see :func:`_mark_delivered`."""
        table = aws.table(self.table_name)
        expires_at = int((clock.now() + DELIVERED_RETENTION).timestamp())
        for pid in paper_ids:
            _mark_delivered(table, subscriber_id, pid, key or "dropped", expires_at)

    # -- ledger and ticks ------------------------------------------------------------
    def ledger_entry(self, subscriber_id: str, key: str) -> LedgerEntry | None:
        """The ledger item ``key`` ("digest#<local date>" or "instant#<paper id>")."""
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id, "sk": key}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        return LedgerEntry(
            subscriber_id=subscriber_id,
            key=key,
            status=str(item["status"]),
            message_id=item.get("message_id"),
            paper_ids=tuple(item.get("paper_ids", ())),
        )

    def record_ledger(self, entry: LedgerEntry, *, expires_at: int, detail: str = "") -> None:
        """Write the outcome of a planned digest (every planned digest ends recorded)."""
        item: dict[str, Any] = {
            "subscriber_id": entry.subscriber_id,
            "sk": entry.key,
            "status": entry.status,
            "paper_ids": list(entry.paper_ids),
            "recorded_at": clock.now().isoformat(),
            "expires_at": expires_at,
        }
        if entry.message_id:
            item["message_id"] = entry.message_id
        if detail:
            item["detail"] = detail[:1000]
        aws.table(self.table_name).put_item(Item=item)

    def sent_paper_ids(self, subscriber_id: str, *, since: datetime) -> set[str]:
        """Every paper a sent digest since ``since`` held (the "never twice" rule of
        trending): one query over the subscriber's ledger items, not a row per paper."""
        table = aws.table(self.table_name)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("subscriber_id").eq(subscriber_id)
            & Key("sk").between(DIGEST_PREFIX + since.date().isoformat(), DIGEST_PREFIX + "~"),
            "ProjectionExpression": "paper_ids, #s",
            "ExpressionAttributeNames": {"#s": "status"},
        }
        sent: set[str] = set()
        while True:
            response = table.query(**kwargs)
            for item in response.get("Items", []):
                if item.get("status") == "sent":
                    sent.update(str(p) for p in item.get("paper_ids", ()) or ())
            if "LastEvaluatedKey" not in response:
                return sent
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def pending_match(self, subscriber_id: str, paper_id: str) -> PendingMatch | None:
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id, "sk": MATCH_PREFIX + paper_id},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _pending_from_item(subscriber_id, item) if item else None

    def stamp_tick(self, subscriber_id: str, due_slot: str) -> None:
        """Keep a subscriber in the planner's index without matches (empty-day notes)."""
        aws.table(self.table_name).put_item(
            Item={"subscriber_id": subscriber_id, "sk": TICK_KEY, "due_slot": due_slot}
        )

    def clear_tick(self, subscriber_id: str) -> None:
        aws.table(self.table_name).delete_item(Key={"subscriber_id": subscriber_id, "sk": TICK_KEY})

    def last_planned_slot(self) -> str | None:
        """The newest slot the planner has queued jobs for (None before the first tick)."""
        response = aws.table(self.table_name).get_item(Key=PLANNER_KEY, ConsistentRead=True)
        item = response.get("Item")
        return str(item["slot"]) if item else None

    def set_last_planned_slot(self, slot: str) -> None:
        """Advance (never rewind) the planner's progress marker."""
        try:
            aws.table(self.table_name).put_item(
                Item={**PLANNER_KEY, "slot": slot},
                ConditionExpression="attribute_not_exists(slot) OR slot < :s",
                ExpressionAttributeValues={":s": slot},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def iter_ledger(self) -> Iterator[dict[str, Any]]:
        """Every ledger item (operator views and tests; a scan, not a hot path)."""
        table = aws.table(self.table_name)
        for item in paging.items(table.scan):
            if str(item["sk"]).startswith(LEDGER_PREFIXES):
                yield item

    # -- per-subscriber views (web API: feed, delete my data; issue 6) -----------------
    def recent_ledger(self, subscriber_id: str, limit: int = 30) -> list[LedgerEntry]:
        """The subscriber's latest digest and instant ledger entries, newest key first."""
        table = aws.table(self.table_name)
        entries: list[LedgerEntry] = []
        for prefix in LEDGER_PREFIXES:
            response = table.query(
                KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
                & Key("sk").begins_with(prefix),
                ScanIndexForward=False,
                Limit=limit,
            )
            entries.extend(
                LedgerEntry(
                    subscriber_id=subscriber_id,
                    key=str(item["sk"]),
                    status=str(item.get("status", "")),
                    message_id=item.get("message_id"),
                    paper_ids=tuple(str(p) for p in item.get("paper_ids", ()) or ()),
                )
                for item in response.get("Items", [])
            )
        return entries

    # -- candidate recommendations (issue 14) -------------------------------------------
    def record_recommendation(self, rec: PendingRecommendation, *, due_slot: str,
                              expires_at: int) -> str:
        """Store a candidate once: "new", "pending" or "delivered" as for matches."""
        item: dict[str, Any] = {
            "subscriber_id": rec.subscriber_id,
            "sk": REC_PREFIX + rec.paper_id,
            "paper_id": rec.paper_id,
            "score": Decimal(str(round(rec.score, 6))),
            "similar_to": rec.similar_to_id,
            "similar_title": rec.similar_to_title,
            "terms": list(rec.terms),
            "keys": list(rec.keys),
            "matched_at": clock.now().isoformat(),
            "correlation_id": rec.correlation_id,
            "expires_at": expires_at,
            "due_slot": due_slot,
        }
        table = aws.table(self.table_name)
        try:
            table.put_item(Item=item, ConditionExpression="attribute_not_exists(sk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            existing = table.get_item(
                Key={"subscriber_id": rec.subscriber_id, "sk": item["sk"]},
                ProjectionExpression="delivered", ConsistentRead=True,
            )
            return "delivered" if existing.get("Item", {}).get("delivered") else "pending"
        return "new"

    def pending_recommendations(self, subscriber_id: str) -> list[PendingRecommendation]:
        """Undelivered candidates, best score first."""
        found = paging.items(
            aws.table(self.table_name).query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
            & Key("sk").begins_with(REC_PREFIX),
            FilterExpression=Attr("delivered").not_exists(),
            ConsistentRead=True,
        )
        recs = [
            PendingRecommendation(
                subscriber_id=subscriber_id,
                paper_id=str(item["paper_id"]),
                score=float(item.get("score", 0)),
                similar_to_id=str(item.get("similar_to", "")),
                similar_to_title=str(item.get("similar_title", "")),
                terms=tuple(str(t) for t in item.get("terms", ()) or ()),
                keys=tuple(str(t) for t in item.get("keys", ()) or ()),
                correlation_id=str(item.get("correlation_id", "")),
            )
            for item in found
        ]
        recs.sort(key=lambda r: (-r.score, r.paper_id))
        return recs

    def clear_recommendations(self, subscriber_id: str, paper_ids: Iterable[str],
                              key: str = "") -> None:
        """Mark candidates delivered (or dropped: not among the top N), as for matches."""
        table = aws.table(self.table_name)
        expires_at = int((clock.now() + DELIVERED_RETENTION).timestamp())
        for pid in paper_ids:
            _mark_delivered(table, subscriber_id, pid, key or "dropped", expires_at,
                            prefix=REC_PREFIX)

    def delete_subscriber(self, subscriber_id: str) -> int:
        """Delete every item (matches, ledger, tick) of a subscriber; the count."""
        table = aws.table(self.table_name)
        deleted = 0
        for page in paging.pages(
            table.query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id),
            ProjectionExpression="subscriber_id, sk",
            ConsistentRead=True,
        ):
            with table.batch_writer() as batch:
                for item in page.get("Items", []):
                    batch.delete_item(Key={"subscriber_id": subscriber_id, "sk": item["sk"]})
                    deleted += 1
        return deleted


def _pending_from_item(subscriber_id: str, item: dict[str, Any]) -> PendingMatch:
    highlights = json.loads(item.get("highlights") or "{}")
    return PendingMatch(
        subscriber_id=subscriber_id,
        paper_id=str(item["paper_id"]),
        queries=tuple(item.get("queries", ())),
        highlights={k: [(int(a), int(b)) for a, b in v] for k, v in highlights.items()},
        correlation_id=str(item.get("correlation_id", "")),
    )


def _mark_delivered(
    table: Any, subscriber_id: str, paper_id: str, key: str, expires_at: int,
    prefix: str = MATCH_PREFIX,
) -> None:
    try:
        table.update_item(
            Key={"subscriber_id": subscriber_id, "sk": prefix + paper_id},
            # due_slot stays: removing it would cost a second write unit per item (the
            # by-due-slot index entry). The planner plans each slot once, so a delivered
            # match left in the index is never planned again (issue 15).
            UpdateExpression="SET delivered = :k, expires_at = :e",
            ConditionExpression="attribute_exists(sk)",
            ExpressionAttributeValues={":k": key, ":e": expires_at},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise  # a match that expired meanwhile needs no mark
