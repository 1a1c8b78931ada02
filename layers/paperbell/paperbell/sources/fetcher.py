"""``HttpFetcher``: the only place in paperbell that speaks HTTP to paper sources.

Why one class with everything in it: politeness (arXiv's 3-second rule, an honest
User-Agent), robustness (timeouts, retries with backoff and jitter, ``Retry-After``),
economy (conditional GETs, gzip) and safety (a cap on response size, streamed) must
apply to every request, and tests must control time (``sleep``/``clock`` are
injected). It deliberately knows nothing about AWS.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from paperbell import __version__
from paperbell.errors import FeedError

from .politeness import HostRateLimiter

DEFAULT_CONTACT_URL = "https://github.com/paperbell/paperbell"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK = 64 * 1024


class HttpStatusError(FeedError):
    """The server answered with a non-success status (after any retries).

    ``body`` keeps the (capped) answer because some servers explain themselves in it:
    arXiv's RSS says which category it rejected.
    """

    def __init__(self, message: str, *, status: int, url: str, body: bytes = b"",
                 content_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.body = body
        self.content_type = content_type


@dataclass(slots=True)
class HttpResponse:
    """A successful (2xx) or not-modified (304) answer."""

    url: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type") or None


class HttpFetcher:
    """One ``requests.Session`` with paperbell's HTTP manners.

    Everything has a default suited to a Lambda run; ``sleep``, ``clock`` (monotonic,
    for spacing), ``wall_clock`` (epoch, for ``Retry-After`` dates) and ``rng`` are
    injectable so tests neither wait nor flake.
    """

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        contact_url: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_bytes: int = 20 * 1024 * 1024,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_retry_after: float = 120.0,
        polite_domains: Iterable[str] = ("arxiv.org",),
        polite_interval: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ) -> None:
        contact = contact_url or os.environ.get("PAPERBELL_CONTACT_URL") or DEFAULT_CONTACT_URL
        self.user_agent = user_agent or f"paperbell/{__version__} (+{contact})"
        self.timeout = (connect_timeout, read_timeout)
        self.max_bytes = max_bytes
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.requests = 0
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng
        self._limiter = HostRateLimiter(polite_domains, polite_interval, clock=clock, sleep=sleep)
        self._session = session or requests.Session()
        self._session.headers.update(
            {"User-Agent": self.user_agent, "Accept": ACCEPT,
             "Accept-Encoding": "gzip, deflate"}
        )
        self._session.max_redirects = 5

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> HttpResponse:
        """GET ``url``; return a 2xx/304 answer or raise ``FeedError``.

        Connection errors, timeouts, truncated bodies, 429 and 5xx are retried up to
        ``max_retries`` times with exponential backoff and jitter; a ``Retry-After``
        longer than ``max_retry_after`` is not waited for.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).hostname or ""
        attempt = 0
        while True:
            attempt += 1
            self._limiter.wait(host)
            self.requests += 1
            try:
                outcome = self._attempt(url, headers)
            finally:
                self._limiter.done(host)
            if isinstance(outcome, HttpResponse):
                outcome.attempts = attempt
                return outcome
            error, retry_after = outcome
            if attempt > self.max_retries:
                raise error
            if retry_after is not None and retry_after > self.max_retry_after:
                raise FeedError(
                    f"{error} (server asks to retry after {retry_after:.0f}s; giving up)"
                )
            self._sleep(self._backoff(attempt, retry_after))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with "equal jitter", never shorter than ``Retry-After``."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._rng() * ceiling / 2
        return max(delay, retry_after or 0.0)

    def _attempt(
        self, url: str, headers: dict[str, str]
    ) -> HttpResponse | tuple[FeedError, float | None]:
        """One request. A response, or (retryable error, Retry-After seconds)."""
        try:
            response = self._session.get(url, headers=headers, timeout=self.timeout, stream=True)
        except requests.exceptions.ConnectTimeout:
            return FeedError(f"timed out connecting to {_host(url)} ({url})"), None
        except requests.exceptions.ReadTimeout:
            return FeedError(f"timed out after {self.timeout[1]:g}s waiting for {url}"), None
        except requests.exceptions.TooManyRedirects:
            raise FeedError(f"too many redirects for {url}") from None
        except requests.exceptions.InvalidURL as exc:
            raise FeedError(f"invalid URL {url}: {exc}") from None
        except (requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError) as exc:
            return FeedError(f"could not connect to {_host(url)} ({url}): {_short(exc)}"), None
        except requests.exceptions.RequestException as exc:
            raise FeedError(f"request for {url} failed: {_short(exc)}") from None
        with response:
            status = response.status_code
            headers_out = {k.lower(): v for k, v in response.headers.items()}
            final_url = response.url or url
            if status == 304:
                return HttpResponse(final_url, 304, b"", headers_out)
            try:
                body = self._read_capped(response, final_url)
            except _RetryableRead as exc:
                return FeedError(str(exc)), None
            if 200 <= status < 300:
                return HttpResponse(final_url, status, body, headers_out)
            reason = response.reason or ""
            error = HttpStatusError(
                f"HTTP {status} {reason}".rstrip() + f" for {final_url}",
                status=status, url=final_url, body=body,
                content_type=headers_out.get("content-type"),
            )
            if status in _RETRY_STATUSES:
                return error, self._retry_after(headers_out.get("retry-after"))
            raise error

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes and (
            not response.headers.get("Content-Encoding")
        ):
            raise FeedError(
                f"response from {url} is {int(declared)} bytes, over the "
                f"{self.max_bytes}-byte limit"
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise FeedError(
                        f"response from {url} exceeds the {self.max_bytes}-byte limit; "
                        "stopped reading"
                    )
                chunks.append(chunk)
        except requests.exceptions.ChunkedEncodingError as exc:
            raise _RetryableRead(f"truncated response from {url}: {_short(exc)}") from None
        except requests.exceptions.ConnectionError as exc:
            raise _RetryableRead(f"connection lost while reading {url}: {_short(exc)}") from None
        except requests.exceptions.ContentDecodingError as exc:
            raise FeedError(f"could not decompress the answer of {url}: {_short(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise _RetryableRead(f"error while reading {url}: {_short(exc)}") from None
        return b"".join(chunks)

    def _retry_after(self, value: str | None) -> float | None:
        """``Retry-After`` as seconds: delta-seconds or an HTTP date."""
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        return max(0.0, when.timestamp() - self._wall_clock())


class _RetryableRead(Exception):
    """The body could not be read completely (worth another attempt)."""


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__

