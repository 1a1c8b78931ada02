"""Mail use case: one digest job from the queue -> one mail, sent exactly once.

Never twice: each job runs under Powertools Idempotency keyed on (subscriber, slot),
so a redelivered SQS message or a second planner tick returns the stored result
instead of sending again; the delivery ledger (``digest#<date>``) is checked too, so
even an expired idempotency record cannot cause a second mail for the same day.

Never lost: a transient SES failure raises, the record is reported as a batch item
failure and SQS redelivers it (then the DLQ after maxReceiveCount); a permanent
rejection is recorded in the ledger as ``failed`` and not retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from paperbell.config import Settings, settings
from paperbell.delivery.digest_model import (
    Digest,
    DigestEntry,
    MailSettings,
    SubscriberLinks,
)
from paperbell.delivery.mime import build_digest_message
from paperbell.delivery.ses_sender import SesSender
from paperbell.errors import DeliveryError
from paperbell.observability import logger, metrics
from paperbell.scheduling import digest_date_for
from paperbell.secrets import token_key
from paperbell.storage.deliveries import DeliveryRepository, LedgerEntry
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell.tokens import make_token

LEDGER_RETENTION = timedelta(days=400)
#: Idempotency records outlive SQS retention of a job (4 days default) and the
#: planner's look-back, so no redelivery can ever find the record gone.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class DigestOutcome:
    subscriber_id: str
    digest_date: str
    status: str
    papers: int = 0
    message_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "subscriber_id": self.subscriber_id,
            "digest_date": self.digest_date,
            "status": self.status,
            "papers": self.papers,
            "message_id": self.message_id,
        }


def mail_settings(config: Settings) -> MailSettings:
    return MailSettings(
        sender=config.sender_address,
        sender_name=config.sender_name,
        reply_to=config.reply_to_address,
        configuration_set=config.configuration_set,
        unsubscribe_mailto=config.sender_address,
        site_url=config.site_url,
    )


def subscriber_links(config: Settings, subscriber_id: str) -> SubscriberLinks:
    key = token_key()
    base = config.site_url
    return SubscriberLinks(
        unsubscribe_url=f"{base}/unsubscribe?token={make_token(key, 'unsubscribe', subscriber_id)}",
        manage_url=f"{base}/manage?token={make_token(key, 'manage', subscriber_id)}",
        full_list_url=f"{base}/feed/{make_token(key, 'feed', subscriber_id)}",
    )


def send_digest(job: dict[str, Any], *, config: Settings, now: datetime | None = None) -> dict:
    """Build and send one subscriber's digest; returns the outcome (always recorded)."""
    now = now or datetime.now(UTC)
    subscriber_id = str(job["subscriber_id"])
    slot = str(job["slot"])
    deliveries = DeliveryRepository(config.deliveries_table)
    subscriber = SubscriberRepository(config.subscribers_table).get(subscriber_id)
    expires_at = int((now + LEDGER_RETENTION).timestamp())
    if subscriber is None or subscriber.status != "active":
        status = "skipped-inactive" if subscriber else "skipped-unknown"
        digest_date = slot[:10]
        pending = deliveries.pending_matches(subscriber_id)
        deliveries.clear_matches(subscriber_id, [m.paper_id for m in pending])
        return _finish(deliveries, subscriber_id, digest_date, status, expires_at)

    digest_date = digest_date_for(slot, subscriber.timezone).isoformat()
    previous = deliveries.ledger_entry(subscriber_id, digest_date)
    if previous is not None and previous.status == "sent":
        logger.info("digest already sent", extra={"subscriber_id": subscriber_id})
        return DigestOutcome(subscriber_id, digest_date, "duplicate-suppressed").as_dict()

    pending = deliveries.pending_matches(subscriber_id)
    papers = PaperRepository(config.papers_table).get_many([m.paper_id for m in pending])
    entries = [
        DigestEntry(paper=papers[m.paper_id], queries=m.queries, highlights=m.highlights)
        for m in pending
        if m.paper_id in papers  # a paper past its TTL cannot be shown; drop its match
    ]
    if not entries:
        deliveries.clear_matches(subscriber_id, [m.paper_id for m in pending])
        return _finish(deliveries, subscriber_id, digest_date, "skipped-empty", expires_at)

    digest = Digest(
        subscriber=subscriber,
        entries=entries,
        digest_date=datetime.fromisoformat(digest_date).date(),
        links=subscriber_links(config, subscriber_id),
    )
    message = build_digest_message(digest, mail_settings(config), now=now)
    paper_ids = tuple(dict.fromkeys(e.paper.id for e in entries))
    try:
        message_id = SesSender(config.configuration_set).send(
            message, sender=config.sender_address, recipient=subscriber.email
        )
    except DeliveryError as exc:
        if not exc.permanent:
            metrics.add_metric(name="DigestsRetried", unit=MetricUnit.Count, value=1)
            raise  # back to the queue; idempotency record is released on exceptions
        metrics.add_metric(name="DigestsFailed", unit=MetricUnit.Count, value=1)
        logger.error("digest rejected", extra={"subscriber_id": subscriber_id, "error": str(exc)})
        deliveries.clear_matches(subscriber_id, [m.paper_id for m in pending])
        return _finish(
            deliveries,
            subscriber_id,
            digest_date,
            "failed",
            expires_at,
            detail=str(exc),
            paper_ids=paper_ids,
        )
    deliveries.record_ledger(
        LedgerEntry(subscriber_id, digest_date, "sent", message_id, paper_ids),
        expires_at=expires_at,
    )
    deliveries.clear_matches(subscriber_id, [m.paper_id for m in pending])
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=1)
    logger.info("digest sent", extra={"subscriber_id": subscriber_id, "papers": len(paper_ids)})
    return DigestOutcome(subscriber_id, digest_date, "sent", len(paper_ids), message_id).as_dict()


def _finish(
    deliveries: DeliveryRepository,
    subscriber_id: str,
    digest_date: str,
    status: str,
    expires_at: int,
    *,
    detail: str = "",
    paper_ids: tuple[str, ...] = (),
) -> dict:
    deliveries.record_ledger(
        LedgerEntry(subscriber_id, digest_date, status, None, paper_ids),
        expires_at=expires_at,
        detail=detail,
    )
    metric = "DigestsFailed" if status == "failed" else "DigestsSkipped"
    if status != "failed":
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return DigestOutcome(subscriber_id, digest_date, status, len(paper_ids)).as_dict()


@cache
def _idempotency(table_name: str) -> tuple[DynamoDBPersistenceLayer, IdempotencyConfig]:
    from paperbell import aws

    persistence = DynamoDBPersistenceLayer(
        table_name=table_name, boto3_client=aws.client("dynamodb")
    )
    config = IdempotencyConfig(
        event_key_jmespath="[subscriber_id, slot]",
        expires_after_seconds=IDEMPOTENCY_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    return persistence, config


def process_digest_jobs(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Handler entry: each SQS record is one digest job; failures are reported per record."""
    config = settings()
    persistence, idem_config = _idempotency(config.idempotency_table)
    idem_config.register_lambda_context(context)

    @idempotent_function(
        data_keyword_argument="job", persistence_store=persistence, config=idem_config
    )
    def send_once(job: dict[str, Any]) -> dict:
        return send_digest(job, config=config)

    def handle(record: SQSRecord) -> None:
        job = json.loads(record.body)
        outcome = send_once(job=job)
        logger.info("digest job done", extra=outcome)

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
