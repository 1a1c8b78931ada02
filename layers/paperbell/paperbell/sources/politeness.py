"""Per-host request spacing (arXiv asks for at most one request every 3 seconds).

Why a separate, clock-injected class: the rule is easy to break by accident (a retry,
a second page, a second category) and must be testable without real waiting. All
subdomains of a polite domain share one budget: ``rss.arxiv.org`` and
``export.arxiv.org`` are the same operator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class HostRateLimiter:
    """Wait so that requests to one domain are at least ``interval`` seconds apart."""

    def __init__(
        self,
        domains: Iterable[str],
        interval: float,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._domains = tuple(d.lower().lstrip(".") for d in domains)
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}

    def bucket(self, host: str) -> str | None:
        """The polite domain a host belongs to, or ``None`` when it is unrestricted."""
        host = host.lower().rstrip(".")
        for domain in self._domains:
            if host == domain or host.endswith("." + domain):
                return domain
        return None

    def wait(self, host: str) -> float:
        """Block until ``host`` may be contacted again; return the seconds waited."""
        domain = self.bucket(host)
        if domain is None or self._interval <= 0:
            return 0.0
        last = self._last.get(domain)
        if last is None:
            return 0.0
        delay = last + self._interval - self._clock()
        if delay > 0:
            self._sleep(delay)
            return delay
        return 0.0

    def done(self, host: str) -> None:
        """Record that a request to ``host`` just finished (the spacing starts now)."""
        domain = self.bucket(host)
        if domain is not None:
            self._last[domain] = self._clock()
