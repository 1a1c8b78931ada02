"""POST a signed webhook body to a subscriber's URL, safely and with retries.

* Every hop (the URL and each redirect target) passes :mod:`paperbell.webhooks.ssrf`
  before any connection is made, and the TCP connection is pinned to an address that
  was checked (no second DNS lookup, so DNS rebinding cannot swap in 10.0.0.1). TLS
  SNI, certificate checks and the ``Host`` header still use the URL's host name.
* Redirects are never followed automatically: up to ``max_redirects`` (3) 301/302/303/
  307/308 responses are followed by re-POSTing the same body (never downgraded to GET).
* Connect/read timeouts; only ``max_response_bytes`` of a response body are read.
* Retries with exponential backoff and jitter on connection errors, timeouts, 408, 429
  and 5xx; ``Retry-After`` is honoured (capped). The ``webhook-id`` is the same on every
  attempt; with ``secret=`` each attempt is re-signed with a fresh timestamp.
* Other 4xx, an unsafe URL/redirect target, or too many redirects raise
  ``DeliveryError(permanent=True)``; running out of attempts raises
  ``DeliveryError(permanent=False)`` so the caller can hand the job to a DLQ.
* Proxies, ``.netrc`` and other environment settings are ignored (``trust_env=False``).
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from paperbell import __version__
from paperbell.errors import DeliveryError
from paperbell.webhooks import signing
from paperbell.webhooks.ssrf import (
    CheckedURL,
    HostResolutionError,
    Resolver,
    UnsafeURLError,
    check,
)

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRYABLE_4XX = frozenset({408, 429})
USER_AGENT = f"paperbell-webhooks/{__version__}"


class WebhookDeliveryError(DeliveryError):
    """A :class:`DeliveryError` with what the sender knows about the failure."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status: int | None = None,
        attempts: int = 0,
        retry_after: float | None = None,
    ):
        super().__init__(message, permanent=permanent)
        self.status = status
        self.attempts = attempts
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one delivery attempt got back: status, error text, Retry-After."""

    status: int | None  # None when no response was received
    error: str
    retry_after: float | None = None


def _pinned_adapter(ip: str) -> HTTPAdapter:
    """An adapter whose connections go to ``ip`` whatever host the URL names."""

    def _new_conn(conn: Any, parent: Any) -> Any:
        original = conn._dns_host
        conn._dns_host = ip  # only the socket target; Host/SNI keep using conn.host
        try:
            return parent._new_conn(conn)
        finally:
            conn._dns_host = original

    class PinnedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> Any:
            return _new_conn(self, HTTPConnection)

    class PinnedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> Any:
            return _new_conn(self, HTTPSConnection)

    class PinnedHTTPPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTPConnection

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPSConnection

    class PinnedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {
                "http": PinnedHTTPPool,
                "https": PinnedHTTPSPool,
            }

    return PinnedAdapter(max_retries=0, pool_connections=1, pool_maxsize=1)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class WebhookSender:
    """Deliver webhook bodies. One instance can be reused for many deliveries."""

    def __init__(
        self,
        timeout: float | tuple[float, float] = (3.05, 10.0),
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        allow_http: bool = False,
        allow_loopback: bool = False,
        *,
        resolver: Resolver | None = None,
        max_redirects: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_retry_after: float = 60.0,
        max_response_bytes: int = 64 * 1024,
        rng: Callable[[], float] = random.random,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.max_attempts = max_attempts
        self.sleep = sleep
        self.allow_http = allow_http
        self.allow_loopback = allow_loopback
        self.resolver = resolver
        self.max_redirects = max_redirects
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.max_response_bytes = max_response_bytes
        self.rng = rng

    # ------------------------------------------------------------------ public

    def deliver(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        secret: str | None = None,
    ) -> int:
        """POST ``body`` to ``url``; return the final 2xx status or raise DeliveryError.

        ``headers`` normally already hold the three ``webhook-*`` headers. When
        ``secret`` is given, each attempt is signed afresh (same ``webhook-id``, taken
        from ``headers`` or generated once) so a late retry is not refused as stale.
        """
        base = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
        lower = {k.lower() for k in base}
        if "content-type" not in lower:
            base["Content-Type"] = "application/json"
        if "user-agent" not in lower:
            base["User-Agent"] = USER_AGENT
        if "accept-encoding" not in lower:
            base["Accept-Encoding"] = "identity"  # no decompression of untrusted replies
        msg_id = next((v for k, v in base.items() if k.lower() == signing.HEADER_ID), None)
        if secret is not None and msg_id is None:
            msg_id = signing.new_message_id()

        last: _Outcome | None = None
        for attempt in range(1, self.max_attempts + 1):
            attempt_headers = dict(base)
            if secret is not None and msg_id is not None:
                attempt_headers = {
                    k: v
                    for k, v in base.items()
                    if k.lower() not in (signing.HEADER_TIMESTAMP, signing.HEADER_SIGNATURE)
                }
                attempt_headers.update(signing.sign_headers(secret, msg_id, body))
            outcome = self._attempt(url, body, attempt_headers, attempt)
            if outcome.status is not None and 200 <= outcome.status < 300:
                return outcome.status
            last = outcome
            if attempt == self.max_attempts:
                break
            delay = self._backoff(attempt)
            if outcome.retry_after is not None:
                if outcome.retry_after > self.max_retry_after:
                    raise WebhookDeliveryError(
                        f"{outcome.error}; Retry-After {outcome.retry_after:.0f}s is beyond "
                        f"{self.max_retry_after:.0f}s, giving up for now",
                        permanent=False,
                        status=outcome.status,
                        attempts=attempt,
                        retry_after=outcome.retry_after,
                    )
                delay = max(outcome.retry_after, 0.0)
            self.sleep(delay)
        assert last is not None
        raise WebhookDeliveryError(
            f"webhook delivery failed after {self.max_attempts} attempts: {last.error}",
            permanent=False,
            status=last.status,
            attempts=self.max_attempts,
            retry_after=last.retry_after,
        )

    # ------------------------------------------------------------------ internals

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return ceiling / 2 + self.rng() * ceiling / 2

    def _check(self, url: str) -> CheckedURL:
        return check(
            url,
            allow_http=self.allow_http,
            allow_loopback=self.allow_loopback,
            resolver=self.resolver,
        )

    def _attempt(self, url: str, body: bytes, headers: dict[str, str], attempt: int) -> _Outcome:
        current = url
        for hop in range(self.max_redirects + 1):
            try:
                target = self._check(current)
            except HostResolutionError as exc:
                return _Outcome(None, str(exc))
            except UnsafeURLError as exc:
                where = "redirect target" if hop else "webhook URL"
                raise WebhookDeliveryError(
                    f"unsafe {where}: {exc}", permanent=True, attempts=attempt
                ) from exc
            # Spread attempts over the checked addresses (helps when one is down).
            ip = str(target.addresses[(attempt - 1) % len(target.addresses)])
            try:
                status, location, retry_after, snippet = self._post(target, ip, body, headers)
            except requests.Timeout as exc:
                return _Outcome(None, f"timeout: {exc}")
            except requests.RequestException as exc:
                return _Outcome(None, f"connection error: {exc}")
            if status in REDIRECT_CODES:
                if not location:
                    raise WebhookDeliveryError(
                        f"HTTP {status} redirect without a Location header",
                        permanent=True,
                        status=status,
                        attempts=attempt,
                    )
                current = urljoin(current, location)
                continue
            if 200 <= status < 300:
                return _Outcome(status, "")
            error = f"HTTP {status}" + (f": {snippet}" if snippet else "")
            if status >= 500 or status in RETRYABLE_4XX:
                return _Outcome(status, error, retry_after)
            raise WebhookDeliveryError(
                f"webhook refused with {error}", permanent=True, status=status, attempts=attempt
            )
        raise WebhookDeliveryError(
            f"more than {self.max_redirects} redirects", permanent=True, attempts=attempt
        )

    def _post(
        self, target: CheckedURL, ip: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str | None, float | None, str]:
        session = requests.Session()
        session.trust_env = False  # no proxies, no .netrc credentials
        adapter = _pinned_adapter(ip)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            with session.post(
                target.url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                snippet = self._read_capped(response)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                return response.status_code, response.headers.get("Location"), retry_after, snippet
        finally:
            session.close()

    def _read_capped(self, response: requests.Response) -> str:
        """At most ``max_response_bytes`` of the body, within about one read timeout."""
        deadline = time.monotonic() + self.timeout[1]
        data = bytearray()
        try:
            for chunk in response.iter_content(chunk_size=8192):
                data.extend(chunk)
                if len(data) >= self.max_response_bytes or time.monotonic() > deadline:
                    break
        except requests.RequestException:
            pass  # the status line is what counts; a broken body only loses the snippet
        text = bytes(data[: self.max_response_bytes]).decode("utf-8", "replace")
        return " ".join(text.split())[:200]
