"""Limits against mail-bombing and scraping: what is counted, per what, for how long.

* requests per source IP per UTC hour (default 20): ``ip#<source ip>#<hour>``;
* one confirmation (or reminder) mail per address per UTC day, whoever asks:
  ``mail#<sha256 of the address>#<date>``.

The counters themselves are conditional writes in :mod:`paperbell.storage.rate_limits`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from paperbell.storage.rate_limits import RateLimitCounters

IP_LIMIT_PER_HOUR = 20


class RateLimiter:
    def __init__(self, table_name: str, *, ip_limit: int = IP_LIMIT_PER_HOUR):
        self.counters = RateLimitCounters(table_name)
        self.ip_limit = ip_limit

    def allow_ip(self, source_ip: str, now: datetime | None = None) -> bool:
        """Count one request from ``source_ip``; False once this hour's limit is reached."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        hour = now.strftime("%Y-%m-%dT%H")
        expires = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        return self.counters.hit(f"ip#{source_ip or 'unknown'}#{hour}", limit=self.ip_limit,
                                 expires_at=int(expires.timestamp()))

    def claim_daily_mail(self, email: str, now: datetime | None = None) -> bool:
        """True the first time today (UTC) a mail to ``email`` is claimed, then False."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
        expires = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
        return self.counters.claim(f"mail#{digest}#{now.date().isoformat()}",
                                   expires_at=int(expires.timestamp()))
