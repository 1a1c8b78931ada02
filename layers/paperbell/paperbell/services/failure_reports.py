"""Failures an operator must decide about, reported as one message on a queue.

Why a queue and not a custom metric: a CloudWatch custom metric costs $0.30 a month,
while the AWS/SQS metrics of a queue are free, so one alarm watches the queue's
``NumberOfMessagesSent`` (template.yaml ``FailureReportAlarm``) for both kinds, a
permanently rejected digest and a source failing 3 runs in a row. The message keeps
what a metric cannot: its kind, which subscriber or source, and the error
(``paperbell dlq list --queue reports``).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from paperbell import aws, clock
from paperbell.observability import logger


def report_failure(queue_url: str, kind: str, details: dict[str, Any]) -> None:
    """Send one report; never raises. The failure itself is already recorded (the
    ledger, the source's health run), so a report that cannot be queued is logged as
    an error rather than turning a recorded outcome into a retry."""
    if not queue_url:
        return  # a Settings built without the queue (unit tests, scripts)
    body = {"kind": kind, "at": clock.now().isoformat(), **details}
    try:
        aws.client("sqs").send_message(
            QueueUrl=queue_url, MessageBody=json.dumps(body, sort_keys=True, default=str)
        )
    except (BotoCoreError, ClientError) as exc:
        logger.error("failure report not queued", extra={"kind": kind, "error": str(exc)})
