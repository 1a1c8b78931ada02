"""Match use case: each new paper from the papers stream against every stored query.

The stored queries live in a ``MatchIndex`` (presearcher + verifier) built from the
subscribers table and cached in the Lambda container. It is rebuilt when older than
``MATCH_INDEX_TTL_SECONDS`` (60 s by default), so a new subscription matches from the
next scrape on without a per-paper scan of subscribers.

Every (subscriber, paper) match is recorded with a conditional put, so a stream batch
delivered twice records nothing twice; records that fail are reported back to Lambda
(partial batch response) and end in the OnFailure queue after the configured retries.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from paperbell import clock
from paperbell.config import Settings, settings
from paperbell.errors import QueryError
from paperbell.matching import MatchIndex
from paperbell.models import Paper, PendingMatch, Subscriber
from paperbell.observability import logger, metrics
from paperbell.scheduling import next_delivery_slot
from paperbell.services.planning import enqueue_jobs
from paperbell.storage.deliveries import INSTANT_PREFIX, DeliveryRepository
from paperbell.storage.items import paper_from_item
from paperbell.storage.subscribers import SubscriberRepository


def query_id(subscriber_id: str, position: int) -> str:
    """Stored-query id: the subscriber and the query's position in their list."""
    return f"{subscriber_id}#{position}"


@dataclass
class SubscriptionIndex:
    """The match index plus the subscribers it was built from."""

    index: MatchIndex
    subscribers: dict[str, Subscriber]
    built_at: float
    rejected: list[tuple[str, str]]
    query_count: int

    @classmethod
    def build(cls, subscribers: list[Subscriber]) -> SubscriptionIndex:
        """Index every valid query; an invalid stored query is logged, never fatal."""
        entries: list[tuple[str, str]] = []
        rejected: list[tuple[str, str]] = []
        from paperbell.matching import parse_query

        for sub in subscribers:
            for position, text in enumerate(sub.queries):
                try:
                    parse_query(text)
                except QueryError as exc:
                    rejected.append((query_id(sub.id, position), exc.message))
                    continue
                entries.append((query_id(sub.id, position), text))
        for qid, reason in rejected:
            logger.warning("stored query rejected", extra={"query_id": qid, "reason": reason})
        return cls(
            index=MatchIndex.build(entries),
            subscribers={s.id: s for s in subscribers},
            built_at=time.monotonic(),
            rejected=rejected,
            query_count=len(entries),
        )

    def match(self, paper: Paper) -> dict[str, PendingMatch]:
        """Per subscriber: the queries that matched and the union of their highlights."""
        queries: dict[str, list[str]] = defaultdict(list)
        spans: dict[str, dict[str, set[tuple[int, int]]]] = defaultdict(lambda: defaultdict(set))
        for hit in self.index.match(paper):
            subscriber_id, _, position = hit.query_id.rpartition("#")
            subscriber = self.subscribers.get(subscriber_id)
            if subscriber is None:
                continue
            queries[subscriber_id].append(subscriber.queries[int(position)])
            for field_name, field_spans in dict(hit.highlights).items():
                spans[subscriber_id][field_name].update((s[0], s[1]) for s in field_spans)
        return {
            sid: PendingMatch(
                subscriber_id=sid,
                paper_id=paper.id,
                queries=tuple(dict.fromkeys(qs)),
                highlights={f: sorted(s) for f, s in spans[sid].items()},
            )
            for sid, qs in queries.items()
        }


_cache: dict[str, SubscriptionIndex] = {}


def current_index(config: Settings) -> SubscriptionIndex:
    """The container's index, rebuilt when older than the configured TTL."""
    cached = _cache.get(config.subscribers_table)
    if cached and time.monotonic() - cached.built_at < config.match_index_ttl_seconds:
        return cached
    subscribers = list(SubscriberRepository(config.subscribers_table).iter_active())
    fresh = SubscriptionIndex.build(subscribers)
    _cache[config.subscribers_table] = fresh
    metrics.add_metric(name="StoredQueries", unit=MetricUnit.Count, value=fresh.query_count)
    return fresh


def reset_index_cache() -> None:
    _cache.clear()


def record_matches(
    paper: Paper,
    index: SubscriptionIndex,
    deliveries: DeliveryRepository,
    *,
    now: datetime,
    retention_days: int,
    correlation_id: str = "",
) -> tuple[int, list[dict[str, str]]]:
    """Record the paper's matches once each (redeliveries record nothing).

    Daily subscribers' matches are stamped with their next delivery slot (the planner
    picks them up); instant subscribers' matches become jobs for the digest queue now.
    Returns (matches recorded, instant jobs to queue).
    """
    recorded = 0
    instant_jobs: list[dict[str, str]] = []
    expires_at = int((now + timedelta(days=retention_days)).timestamp())
    for match in index.match(paper).values():
        subscriber = index.subscribers[match.subscriber_id]
        instant = subscriber.mode == "instant"
        slot = (
            None
            if instant
            else next_delivery_slot(subscriber.delivery_hour, subscriber.timezone, now)
        )
        match = replace(match, correlation_id=correlation_id)
        state = deliveries.record_match(match, due_slot=slot, expires_at=expires_at)
        recorded += state == "new"
        if instant and state != "delivered":
            # Also for "pending": a crash between recording and queueing must not lose
            # the notification; a duplicate job is absorbed by the mail idempotency.
            instant_jobs.append({"subscriber_id": subscriber.id, "slot": INSTANT_PREFIX + paper.id})
    return recorded, instant_jobs


def process_papers_stream(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Handler entry: match every INSERT record, report failures per record."""
    config = settings()
    index = current_index(config)
    deliveries = DeliveryRepository(config.deliveries_table)

    def handle(record: DynamoDBRecord) -> None:
        if record.event_name is None or record.event_name.name != "INSERT":
            return  # the event source filter passes only INSERTs; be safe anyway
        image = record.dynamodb.new_image if record.dynamodb else None
        if not image:
            raise ValueError(f"stream record {record.event_id} has no NewImage")
        paper = paper_from_item(image)
        correlation_id = str(image.get("scrape_run") or "")
        logger.set_correlation_id(correlation_id or None)
        recorded, instant_jobs = record_matches(
            paper,
            index,
            deliveries,
            now=clock.now(),
            retention_days=config.paper_retention_days,
            correlation_id=correlation_id,
        )
        # Queued inside the record's handling: if queueing fails the record fails and is
        # retried; the match is already recorded, so only the job is (re)sent, and the
        # mail function's idempotency makes a duplicate job harmless.
        enqueue_jobs(config.digest_queue_url, instant_jobs)
        metrics.add_metric(name="Matches", unit=MetricUnit.Count, value=recorded)
        logger.debug("paper matched", extra={"paper_id": paper.id, "matches": recorded})

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
