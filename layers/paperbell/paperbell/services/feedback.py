"""SES feedback use case: bounces and complaints change who may be mailed.

A permanent (hard) bounce suppresses the address, a complaint unsubscribes it; the
mail function only ever mails ``active`` subscribers, so neither is mailed again.
Transient (soft) bounces are only logged: SES already retried them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from paperbell.config import settings
from paperbell.observability import logger, metrics
from paperbell.storage.subscribers import SubscriberRepository


def addresses_to_stop(notification: dict[str, Any]) -> tuple[str, list[str]]:
    """(new status, addresses) for one SES event notification; ("", []) to ignore."""
    kind = notification.get("eventType") or notification.get("notificationType") or ""
    if kind == "Bounce":
        bounce = notification.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return "", []
        recipients = bounce.get("bouncedRecipients", [])
        return "suppressed", [str(r.get("emailAddress", "")) for r in recipients]
    if kind == "Complaint":
        recipients = notification.get("complaint", {}).get("complainedRecipients", [])
        return "unsubscribed", [str(r.get("emailAddress", "")) for r in recipients]
    return "", []


def apply_feedback(messages: Iterable[str]) -> dict[str, int]:
    """Apply each SNS message (an SES event as JSON); returns counts per new status."""
    repo = SubscriberRepository(settings().subscribers_table)
    counts = {"suppressed": 0, "unsubscribed": 0, "ignored": 0}
    for raw in messages:
        try:
            notification = json.loads(raw)
        except ValueError:
            logger.warning("feedback message is not JSON", extra={"message": raw[:200]})
            counts["ignored"] += 1
            continue
        status, addresses = addresses_to_stop(notification)
        if not status:
            counts["ignored"] += 1
            continue
        for address in filter(None, addresses):
            subscriber = repo.find_by_email(address.strip().lower())
            if subscriber is None:
                continue
            repo.set_status(subscriber.id, status)
            counts[status] += 1
            metrics.add_metric(
                name="AddressesSuppressed" if status == "suppressed" else "ComplaintsUnsubscribed",
                unit=MetricUnit.Count,
                value=1,
            )
            logger.info(
                "subscriber stopped", extra={"subscriber_id": subscriber.id, "status": status}
            )
    return counts
