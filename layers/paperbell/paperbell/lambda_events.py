"""Lambda event shapes turned into domain objects: the one module that knows them.

Why here and not in the services: a service is called by a handler, by the developer
CLI and by tests, and none of those should have to dress its input up as a stream
record or an SNS envelope. The handlers in ``functions/`` call these adapters on
what Lambda hands them (a stream or SQS record from Powertools' BatchProcessor, a
scheduler payload, an SNS notification) and pass the result to one service function.

Imported by ``functions/*_handler.py`` only; it imports models, storage conversions
and constants of the services, never a service's use case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from paperbell import clock
from paperbell.models import DigestJob, Paper, SubscriberChange
from paperbell.storage.items import item_from_stream_image, paper_from_item, subscriber_from_item

if TYPE_CHECKING:  # Powertools' record classes: the batch processor already loaded them
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecord,
    )
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

#: Subscriber-table items that are not subscribers (the API's rate-limit counters).
NON_SUBSCRIBER_PREFIXES = ("ratelimit#",)


# -- papers stream (MatchFunction) ------------------------------------------------------
@dataclass(frozen=True)
class StreamedPaper:
    """A paper the scrape just inserted, and the scrape run that found it."""

    paper: Paper
    scrape_run: str = ""


def streamed_paper(record: DynamoDBRecord) -> StreamedPaper | None:
    """The inserted paper of a papers-stream record; None for any other event.

    The event source filter passes only INSERTs; anything else is ignored to be safe.
    An INSERT without a NewImage means the stream view type was changed: that raises,
    so the record is reported as failed rather than silently dropped.
    """
    if record.event_name is None or record.event_name.name != "INSERT":
        return None
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image:
        raise ValueError(f"stream record {record.event_id} has no NewImage")
    return StreamedPaper(paper_from_item(image), str(image.get("scrape_run") or ""))


# -- digest queue (MailFunction) --------------------------------------------------------
def digest_job(record: SQSRecord) -> DigestJob:
    """The job in a digest-queue message, with how often SQS has delivered it."""
    body = json.loads(record.body)
    return DigestJob(
        subscriber_id=str(body["subscriber_id"]),
        slot=str(body["slot"]),
        receive_count=int(record.attributes.approximate_receive_count or 1),
    )


# -- schedules (ScrapeFunction, PlanFunction) -------------------------------------------
def scheduled_time(event: Mapping[str, Any] | None) -> datetime:
    """The tick's time: EventBridge Scheduler's ``<aws.scheduler.scheduled-time>``.

    A hand-made event (``sam local invoke``, the console's test event) may carry no
    time, or the unsubstituted placeholder: then it is now.
    """
    raw = (event or {}).get("scheduled_time") or (event or {}).get("time")
    if not raw or not isinstance(raw, str) or raw.startswith("<"):
        return clock.now()
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


def requested_sources(event: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """Sources an event names to scrape instead of the configured ones (``{"sources"}``)."""
    requested = (event or {}).get("sources")
    if isinstance(requested, list) and requested:
        return tuple(str(source) for source in requested)
    return None


def trending_refresh(event: Mapping[str, Any] | None) -> bool:
    """Whether the event is the TrendingRefreshSchedule's (``{"refresh": "trending"}``)."""
    return (event or {}).get("refresh") == "trending"


# -- subscribers stream (IndexFunction) -------------------------------------------------
def subscriber_changes(event: Mapping[str, Any] | None) -> list[SubscriberChange] | None:
    """The subscriber changes of a stream batch; None for a scheduled (rebuild) event."""
    records = list((event or {}).get("Records") or [])
    if not records:
        return None
    changes = []
    for record in records:
        data = record.get("dynamodb", {})
        subscriber_id = str(item_from_stream_image(data.get("Keys")).get("subscriber_id", ""))
        if not subscriber_id or subscriber_id.startswith(NON_SUBSCRIBER_PREFIXES):
            continue
        old = item_from_stream_image(data.get("OldImage"))
        new = item_from_stream_image(data.get("NewImage"))
        stale = max(len(old.get("queries") or ()), len(new.get("queries") or ()))
        removed = record.get("eventName") == "REMOVE" or not new
        changes.append(
            SubscriberChange(subscriber_id, stale, None if removed else subscriber_from_item(new))
        )
    return changes


# -- SES feedback (FeedbackFunction) ----------------------------------------------------
def sns_messages(event: Mapping[str, Any] | None) -> list[str]:
    """The messages of an SNS event (for SES feedback: one event notification each)."""
    return [
        str(record["Sns"]["Message"])
        for record in (event or {}).get("Records", [])
        if isinstance(record, Mapping) and "Sns" in record
    ]
