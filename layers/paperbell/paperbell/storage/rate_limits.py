"""Rate-limit counters: conditional DynamoDB writes with a TTL, in the SubscribersTable.

The counters share the SubscribersTable (no extra table to deploy or pay for), under
keys no subscriber id can take (``ratelimit#...``; ids start with ``sub_`` or ``whk_``).
What is counted and how the keys are built is policy and lives in
:mod:`paperbell.services.rate_limits`; this module only knows the item shapes.

Every counter carries ``expires_at`` (the table's TTL attribute), so DynamoDB deletes
it a little after its window closes; the conditions never rely on TTL timing. The items
have no ``status`` and no ``email``, so the match index (active subscribers) and the
by-email index never see them; ``SubscriberRepository.iter_all`` skips the prefix.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from paperbell import aws
from paperbell.storage.subscribers import RATE_LIMIT_PREFIX


class RateLimitCounters:
    def __init__(self, table_name: str):
        self.table_name = table_name

    def hit(self, key: str, *, limit: int, expires_at: int) -> bool:
        """Count one hit on counter ``key``; False (nothing counted) once it is at ``limit``."""
        try:
            aws.table(self.table_name).update_item(
                Key={"subscriber_id": RATE_LIMIT_PREFIX + key},
                UpdateExpression="ADD hits :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(hits) OR hits < :limit",
                ExpressionAttributeValues={":one": 1, ":limit": limit, ":exp": expires_at},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim(self, key: str, *, expires_at: int) -> bool:
        """Create marker ``key`` once: True the first time, False while it exists."""
        try:
            aws.table(self.table_name).put_item(
                Item={"subscriber_id": RATE_LIMIT_PREFIX + key, "expires_at": expires_at},
                ConditionExpression="attribute_not_exists(subscriber_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, key: str) -> None:
        """Delete marker ``key`` (a claimed mail that could not be sent gives it back)."""
        aws.table(self.table_name).delete_item(Key={"subscriber_id": RATE_LIMIT_PREFIX + key})
