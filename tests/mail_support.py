"""Mails the local pipeline sent, parsed as a receiving client parses them (Python's
``email`` package with the default policy), for the integration and e2e tests."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any


def mails_to(pipeline: Any, address: str) -> list[EmailMessage]:
    """Every mail SES accepted for ``address``, oldest first."""
    found = []
    for sent in pipeline.sent_mails():
        if address in sent.destinations:
            message = email.message_from_bytes(sent.raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(message)
    return found


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())
