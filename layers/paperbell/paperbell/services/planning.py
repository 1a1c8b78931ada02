"""Plan use case (hourly): queue one digest job per subscriber due in this hour.

The planner reads the sparse ``by-due-slot`` index (only subscribers with pending
matches appear there), so its cost grows with pending matches, not subscribers. It
remembers the last slot it planned: each tick plans every slot since then (bounded
by the look-back window), so a missed tick is caught up by the next one, while a slot
is never planned twice - a subscriber whose job keeps failing is retried by SQS and
then parked in the DLQ, not re-queued every hour. Jobs go to SQS in batches of ten;
the mail function sends them at the SES rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from paperbell import aws
from paperbell.config import Settings, settings
from paperbell.observability import logger, metrics
from paperbell.scheduling import parse_slot, recent_slots, slot_of
from paperbell.storage.deliveries import DeliveryRepository

SQS_BATCH = 10


@dataclass
class PlanReport:
    """The slots one planner tick covered and the jobs it queued (the handler's result)."""

    slots: list[str]
    jobs: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"slots": self.slots, "digests_planned": len(self.jobs), "jobs": self.jobs}


def plan_digests(scheduled: datetime, *, config: Settings | None = None) -> PlanReport:
    """Queue a job for every subscriber due in the slots since the last planned one."""
    config = config or settings()
    deliveries = DeliveryRepository(config.deliveries_table)
    last = deliveries.last_planned_slot()
    slots = recent_slots(scheduled, config.plan_lookback_hours)
    recheck = False
    if last is not None:
        unplanned = [s for s in slots if parse_slot(s) > parse_slot(last)]
        recheck = not unplanned  # a repeated tick re-checks this hour, undelivered only
        slots = unplanned or [slot_of(scheduled)]
    report = PlanReport(slots=slots)
    seen: set[str] = set()
    # Oldest slot first: a subscriber overdue since a missed tick keeps that slot's date.
    for slot in reversed(slots):
        for subscriber_id in deliveries.subscribers_due(slot, undelivered_only=recheck):
            if subscriber_id not in seen:
                seen.add(subscriber_id)
                report.jobs.append({"subscriber_id": subscriber_id, "slot": slot})
    enqueue_jobs(config.digest_queue_url, report.jobs)
    deliveries.set_last_planned_slot(slots[0])
    metrics.add_metric(name="DigestsPlanned", unit=MetricUnit.Count, value=len(report.jobs))
    logger.info("digests planned", extra={"slots": len(slots), "jobs": len(report.jobs)})
    return report


def enqueue_jobs(queue_url: str, jobs: list[dict[str, str]]) -> None:
    """Send digest jobs to the queue, ten per request; raises if any was refused."""
    if not jobs:
        return
    sqs = aws.client("sqs")
    for start in range(0, len(jobs), SQS_BATCH):
        chunk = jobs[start : start + SQS_BATCH]
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(job, sort_keys=True)}
            for i, job in enumerate(chunk)
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        failed = response.get("Failed") or []
        if failed:
            # Raising makes the scheduler retry the tick; jobs already queued are
            # harmless duplicates because sending is idempotent per (subscriber, slot).
            raise RuntimeError(f"could not queue {len(failed)} digest job(s): {failed[0]}")
