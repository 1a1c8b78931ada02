"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

Every webhook request carries three headers:

* ``webhook-id``: a unique message id, identical on every retry of the same message
  (receivers use it to drop duplicates);
* ``webhook-timestamp``: integer Unix seconds when the attempt was signed;
* ``webhook-signature``: ``v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>``;
  several space-separated signatures may be present (e.g. during a key rotation).

A secret is ``whsec_`` followed by the base64 of the raw key bytes; only the decoded
bytes are used as the HMAC key. No I/O here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from paperbell.errors import PaperbellError

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
DEFAULT_TOLERANCE = 300  # seconds, either side of "now"
_KEY_BYTES = 32


class WebhookSecretError(PaperbellError):
    """A webhook secret is not ``whsec_`` + base64 of at least 1 byte."""


class WebhookVerificationError(PaperbellError):
    """A webhook request is not authentic or is too old/new; the message says why."""


def generate_secret(num_bytes: int = _KEY_BYTES) -> str:
    """A fresh random secret, ``whsec_`` + base64 of ``num_bytes`` random bytes."""
    if num_bytes < 24:
        raise ValueError("a webhook key should have at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(num_bytes)).decode("ascii")


def new_message_id() -> str:
    """A unique ``webhook-id`` value (``msg_`` + 22 url-safe random characters)."""
    return "msg_" + secrets.token_urlsafe(16)


def decode_secret(secret: str) -> bytes:
    """The raw HMAC key of a ``whsec_...`` secret (the prefix is optional on input)."""
    if not isinstance(secret, str) or not secret:
        raise WebhookSecretError("webhook secret is empty")
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookSecretError("webhook secret is not whsec_ + base64") from exc
    if not key:
        raise WebhookSecretError("webhook secret decodes to zero bytes")
    return key


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``v1,<base64>`` signature of one message attempt."""
    if not msg_id or any(c.isspace() or not c.isprintable() for c in msg_id):
        raise ValueError("webhook message id must be non-empty, without spaces")
    content = f"{msg_id}.{int(timestamp)}.".encode() + _as_bytes(body)
    digest = hmac.new(decode_secret(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION}," + base64.b64encode(digest).decode("ascii")


def sign_headers(
    secret: str, msg_id: str, body: bytes | str, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_SIGNATURE: sign(secret, msg_id, ts, body),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check a received webhook; return ``None`` when authentic, else raise.

    Raises :class:`WebhookVerificationError` when a header is missing, the timestamp is
    not an integer or is more than ``tolerance`` seconds away from ``now`` (either
    direction, to block replays), or no ``v1`` signature matches. Header names are
    case-insensitive. Comparison is constant-time.
    """
    msg_id = _header(headers, HEADER_ID)
    raw_ts = _header(headers, HEADER_TIMESTAMP).strip()
    raw_sigs = _header(headers, HEADER_SIGNATURE)
    if not raw_ts.isascii() or not raw_ts.isdigit():
        raise WebhookVerificationError("webhook-timestamp is not an integer")
    timestamp = int(raw_ts)
    current = time.time() if now is None else now
    if timestamp < current - tolerance:
        raise WebhookVerificationError("webhook-timestamp is too old")
    if timestamp > current + tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far in the future")
    try:
        expected = sign(secret, msg_id, timestamp, body).encode("ascii")
    except ValueError as exc:
        raise WebhookVerificationError(f"bad webhook-id: {exc}") from exc
    matched = False
    for candidate in raw_sigs.split():
        version, _, _value = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        # Compare every candidate (no early exit) so timing says nothing about which one.
        if hmac.compare_digest(candidate.encode("utf-8", "replace"), expected):
            matched = True
    if not matched:
        raise WebhookVerificationError("no matching webhook signature")
