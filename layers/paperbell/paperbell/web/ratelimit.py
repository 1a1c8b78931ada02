"""Limits against mail-bombing, as DynamoDB conditional counters with a TTL.

The counters live in the SubscribersTable (no extra table to deploy or pay for), under
keys no subscriber id can take (subscriber ids start with ``sub_`` or ``whk_``):

* ``ratelimit#ip#<source ip>#<UTC hour>``: an atomic counter; a request is refused
  once the hour's count reaches the limit (default 20 per address per hour);
* ``ratelimit#mail#<sha256 of the address>#<UTC date>``: created at most once a day,
  so an address gets at most one confirmation (or reminder) mail per day, whoever asks.

Every counter carries ``expires_at`` (the table's TTL attribute), so DynamoDB deletes
it a little after its window closes; the conditions never rely on TTL timing. The
items have no ``status`` and no ``email``, so the match index (active subscribers) and
the by-email index never see them; ``SubscriberRepository.iter_all`` skips the prefix.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from paperbell import aws
from paperbell.storage.subscribers import RATE_LIMIT_PREFIX

IP_LIMIT_PER_HOUR = 20


class RateLimiter:
    def __init__(self, table_name: str, *, ip_limit: int = IP_LIMIT_PER_HOUR):
        self.table_name = table_name
        self.ip_limit = ip_limit

    def allow_ip(self, source_ip: str, now: datetime | None = None) -> bool:
        """Count one request from ``source_ip``; False once this hour's limit is reached."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        hour = now.strftime("%Y-%m-%dT%H")
        expires = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        try:
            aws.table(self.table_name).update_item(
                Key={"subscriber_id": f"{RATE_LIMIT_PREFIX}ip#{source_ip or 'unknown'}#{hour}"},
                UpdateExpression="ADD hits :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":limit": self.ip_limit,
                    ":exp": int(expires.timestamp()),
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim_daily_mail(self, email: str, now: datetime | None = None) -> bool:
        """True the first time today (UTC) a mail to ``email`` is claimed, then False."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
        expires = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
        try:
            aws.table(self.table_name).put_item(
                Item={
                    "subscriber_id": f"{RATE_LIMIT_PREFIX}mail#{digest}#{now.date().isoformat()}",
                    "expires_at": int(expires.timestamp()),
                },
                ConditionExpression="attribute_not_exists(subscriber_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
