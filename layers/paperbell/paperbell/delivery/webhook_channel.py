"""Deliver a digest to a subscriber's webhook (Slack, Discord or generic JSON).

The webhook-id is derived from the job (subscriber and digest key), so every retry -
inside this invocation, after an SQS redelivery or a DLQ redrive - carries the same id
and receivers can deduplicate, as the Standard Webhooks spec intends.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import date

from paperbell.delivery.digest_model import DigestEntry, DigestSection

#: Attempts inside one invocation; SQS redelivery (then the DLQ) does the rest, so a
#: slow endpoint cannot hold a mail function past its timeout.
ATTEMPTS_PER_INVOCATION = 2


def local_mode() -> bool:
    """Local runs (demo, tests) may call http://127.0.0.1 receivers; deployed never."""
    return os.environ.get("PAPERBELL_LOCAL_MODE") == "1"


def webhook_message_id(subscriber_id: str, key: str) -> str:
    digest = hashlib.sha256(f"{subscriber_id}/{key}".encode()).hexdigest()[:24]
    return f"msg_{digest}"


def deliver_webhook(
    *,
    url: str,
    secret: str,
    subscriber_id: str,
    key: str,
    entries: Sequence[DigestEntry],
    digest_date: date,
    sections: Sequence[DigestSection] | None = None,
) -> str:
    """POST the signed payload; returns the webhook-id. Raises DeliveryError."""
    from paperbell.webhooks import detect_target
    from paperbell.webhooks.payloads import build_payload, encode_body
    from paperbell.webhooks.sender import WebhookSender

    payload = build_payload(
        detect_target(url), subscriber_id, list(entries), digest_date, sections
    )
    body = encode_body(payload)
    msg_id = webhook_message_id(subscriber_id, key)
    local = local_mode()
    read_timeout = float(os.environ.get("PAPERBELL_WEBHOOK_TIMEOUT", "10"))
    sender = WebhookSender(
        timeout=(min(3.05, read_timeout), read_timeout),
        max_attempts=ATTEMPTS_PER_INVOCATION,
        allow_http=local,
        allow_loopback=local,
    )
    sender.deliver(url, body, {"webhook-id": msg_id}, secret=secret)
    return msg_id
