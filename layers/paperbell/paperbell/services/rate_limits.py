"""Limits against mail-bombing and scraping: what is counted, per what, for how long.

* requests per source network per UTC hour: 20 sign-ups / webhook creations, 300
  previews (the live preview asks once per pause in typing). An IPv6 client is counted
  per /64, the block one subscriber line gets, since it can pick any address in it;
* one confirmation (or reminder) mail per **mailbox** per UTC day, whoever asks. A
  mailbox is the address case-folded with any ``+tag`` removed, so ``Victim+1@``,
  ``victim@`` and ``VICTIM+news@EXAMPLE.ORG`` share one allowance. A mail SES could not
  send for a passing reason gives its claim back, so a retry later that day still works.

Counter keys hold a hash of the mailbox, never the address. The counters themselves are
conditional writes in :mod:`paperbell.storage.rate_limits`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import UTC, datetime, timedelta

from paperbell.storage.rate_limits import RateLimitCounters

IP_LIMIT_PER_HOUR = 20
PREVIEW_LIMIT_PER_HOUR = 300
IPV6_PREFIX = 64


def mailbox_of(email: str) -> str:
    """The mailbox an address delivers to: case-folded, ``+tag`` removed."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local.split('+', 1)[0].casefold()}@{domain.casefold()}"


def network_of(source_ip: str) -> str:
    """The unit a client is counted by: its IPv4 address, or its IPv6 /64."""
    try:
        address = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return source_ip.strip()[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


class RateLimiter:
    def __init__(self, table_name: str, *, ip_limit: int | None = None,
                 preview_limit: int | None = None):
        self.counters = RateLimitCounters(table_name)
        # Read when the limiter is made (one per request), so tests can lower the limits.
        self.ip_limit = IP_LIMIT_PER_HOUR if ip_limit is None else ip_limit
        self.preview_limit = PREVIEW_LIMIT_PER_HOUR if preview_limit is None else preview_limit

    def allow_ip(self, source_ip: str, now: datetime | None = None) -> bool:
        """Count one sign-up request; False once this hour's limit is reached."""
        return self._hit("ip", source_ip, self.ip_limit, now)

    def allow_preview(self, source_ip: str, now: datetime | None = None) -> bool:
        """Count one preview request; False once this hour's limit is reached."""
        return self._hit("preview", source_ip, self.preview_limit, now)

    def claim_daily_mail(self, email: str, now: datetime | None = None) -> bool:
        """True the first time today (UTC) a mail to ``email``'s mailbox is claimed."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        expires = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
        return self.counters.claim(self._mail_key(email, now), expires_at=int(expires.timestamp()))

    def release_daily_mail(self, email: str, now: datetime | None = None) -> None:
        """Give today's claim back (the mail was not sent, through no fault of the asker)."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        self.counters.release(self._mail_key(email, now))

    @staticmethod
    def _mail_key(email: str, now: datetime) -> str:
        digest = hashlib.sha256(mailbox_of(email).encode("utf-8")).hexdigest()[:32]
        return f"mail#{digest}#{now.date().isoformat()}"

    def _hit(self, kind: str, source_ip: str, limit: int, now: datetime | None) -> bool:
        now = (now or datetime.now(UTC)).astimezone(UTC)
        hour = now.strftime("%Y-%m-%dT%H")
        expires = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        return self.counters.hit(f"{kind}#{network_of(source_ip)}#{hour}", limit=limit,
                                 expires_at=int(expires.timestamp()))
