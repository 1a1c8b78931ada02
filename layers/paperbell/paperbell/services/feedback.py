"""SES feedback use case: bounces and complaints change who may be mailed.

A permanent (hard) bounce and a complaint both **suppress** the address: the mail
function only ever mails ``active`` subscribers, and nothing a subscriber or a
stranger can do (sign up again, one-click unsubscribe then resume, delete my data then
sign up) lifts a suppression; only the operator's ``paperbell subscribers unsuppress``
does (docs/operations.md). Transient (soft) bounces are only logged: SES retried them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from paperbell import clock
from paperbell.config import settings
from paperbell.observability import logger, metrics
from paperbell.storage.subscribers import SubscriberRepository


def addresses_to_stop(notification: dict[str, Any]) -> tuple[str, list[str]]:
    """(reason, addresses) for one SES event notification; ("", []) to ignore."""
    kind = notification.get("eventType") or notification.get("notificationType") or ""
    if kind == "Bounce":
        bounce = notification.get("bounce", {})
        if bounce.get("bounceType") != "Permanent":
            return "", []
        recipients = bounce.get("bouncedRecipients", [])
        return "bounce", [str(r.get("emailAddress", "")) for r in recipients]
    if kind == "Complaint":
        recipients = notification.get("complaint", {}).get("complainedRecipients", [])
        return "complaint", [str(r.get("emailAddress", "")) for r in recipients]
    return "", []


def apply_feedback(messages: Iterable[str]) -> dict[str, int]:
    """Apply each SNS message (an SES event as JSON); returns counts per reason."""
    repo = SubscriberRepository(settings().subscribers_table)
    counts = {"suppressed": 0, "bounce": 0, "complaint": 0, "ignored": 0}
    for raw in messages:
        try:
            notification = json.loads(raw)
        except ValueError:
            logger.warning("feedback message is not JSON", extra={"message": raw[:200]})
            counts["ignored"] += 1
            continue
        reason, addresses = addresses_to_stop(notification)
        if not reason:
            counts["ignored"] += 1
            continue
        for address in filter(None, addresses):
            subscriber = repo.find_by_email(address.strip().lower())
            if subscriber is None:
                continue
            repo.suppress(subscriber.id, reason=reason, at=clock.now().isoformat())
            counts[reason] += 1
            counts["suppressed"] += 1
            metrics.add_metric(
                name="AddressesSuppressed" if reason == "bounce" else "ComplaintsSuppressed",
                unit=MetricUnit.Count,
                value=1,
            )
            logger.info(
                "subscriber suppressed", extra={"subscriber_id": subscriber.id, "reason": reason}
            )
    return counts
