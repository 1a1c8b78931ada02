"""The digest as a real MIME message (``multipart/alternative``: text, then HTML).

Headers are built from sanitized one-line values (no CR/LF can reach them; the email
package refuses them anyway) and addresses go through
:class:`email.headerregistry.Address`, which encodes display names and rejects
malformed addresses. The message is ready for SES ``SendRawEmail`` / SMTP:
``msg.as_bytes()`` uses CRLF line endings.

``List-Unsubscribe`` is folded by hand, one URI per line: the email package would turn a
long unbreakable URL into RFC 2047 encoded words, which mail providers do not decode in
this header, and one-click unsubscribe (RFC 8058) would silently stop working.
"""

from __future__ import annotations

import email.policy
import re
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from paperbell.delivery.digest_model import (
    Digest,
    MailSettings,
    digest_subject,
    one_line,
    safe_url,
)
from paperbell.delivery.render_html import render_html
from paperbell.delivery.render_text import render_text
from paperbell.errors import ConfigError, DeliveryError

_URI_RE = re.compile(r"<[^<>]*>")


class _UriListHeader(UnstructuredHeader, BaseHeader):
    """An unstructured header folded only between ``<uri>`` items, never encoded."""

    def fold(self, *, policy: Any) -> str:
        items = _URI_RE.findall(str(self)) or [str(self)]
        return f"{self.name}: " + ("," + policy.linesep + " ").join(items) + policy.linesep


_registry = HeaderRegistry()
_registry.map_to_type("list-unsubscribe", _UriListHeader)
POLICY: Policy = email.policy.SMTP.clone(header_factory=_registry)


def _address(addr_spec: str, display_name: str = "", *, what: str, config: bool) -> Address:
    try:
        address = Address(display_name=one_line(display_name), addr_spec=addr_spec.strip())
        if not address.username or not address.domain:
            raise ValueError("expected local-part@domain")
        return address
    except (ValueError, IndexError, HeaderParseError) as exc:
        message = f"invalid {what} address {addr_spec!r}: {exc}"
        if config:
            raise ConfigError(message) from exc
        raise DeliveryError(message, permanent=True) from exc


def _mailto(value: str) -> str | None:
    """``unsubscribe@x`` or ``mailto:unsubscribe@x`` -> ``mailto:...?subject=unsubscribe``."""
    addr = value.strip()
    if addr.lower().startswith("mailto:"):
        addr = addr[len("mailto:") :]
    addr = addr.split("?", 1)[0]
    if not addr or any(ch.isspace() or ch in '<>,"' for ch in addr) or "@" not in addr:
        return None
    return f"mailto:{addr}?subject=unsubscribe"


def list_unsubscribe_headers(digest: Digest, settings: MailSettings) -> dict[str, str]:
    """``List-Unsubscribe`` (+ ``List-Unsubscribe-Post`` when an https URL is present)."""
    uris: list[str] = []
    url = safe_url(digest.links.unsubscribe_url)
    if url is not None and urlsplit(url).scheme.lower() != "https":
        url = None  # RFC 8058 one-click needs an HTTPS URI; plain http is left out
    if url is not None:
        uris.append(f"<{url}>")
    mailto = _mailto(settings.unsubscribe_mailto) if settings.unsubscribe_mailto else None
    if mailto:
        uris.append(f"<{mailto}>")
    headers: dict[str, str] = {}
    if uris:
        headers["List-Unsubscribe"] = ", ".join(uris)
    if url is not None:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def build_digest_message(
    digest: Digest,
    settings: MailSettings,
    *,
    message_id_domain: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """The complete message for one digest.

    Raises :class:`~paperbell.errors.ConfigError` for a malformed sender or reply-to and
    :class:`~paperbell.errors.DeliveryError` (permanent) for a malformed recipient.
    """
    sender = _address(settings.sender, settings.sender_name, what="sender", config=True)
    recipient = _address(digest.subscriber.email, what="recipient", config=False)

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = one_line(digest_subject(digest))
    msg["From"] = sender
    msg["To"] = recipient
    if settings.reply_to:
        msg["Reply-To"] = _address(settings.reply_to, what="reply-to", config=True)
    when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    msg["Date"] = format_datetime(when)
    domain = one_line(message_id_domain or sender.domain) or None
    msg["Message-ID"] = make_msgid(domain=domain)
    for name, value in list_unsubscribe_headers(digest, settings).items():
        msg[name] = value
    if settings.configuration_set and one_line(settings.configuration_set):
        msg["X-SES-CONFIGURATION-SET"] = one_line(settings.configuration_set)
    digest_id = f"{one_line(digest.subscriber.id)}/{digest.digest_date.isoformat()}"
    msg["X-Paperbell-Digest"] = digest_id

    msg.set_content(render_text(digest, settings), subtype="plain", charset="utf-8")
    msg.add_alternative(render_html(digest, settings), subtype="html", charset="utf-8")
    return msg
