"""The subscribers table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from paperbell import aws
from paperbell.models import PaperText, Subscriber
from paperbell.storage import paging
from paperbell.storage.items import subscriber_from_item, subscriber_to_item

#: Key prefix of the web API's rate-limit counters kept in this table (not subscribers).
RATE_LIMIT_PREFIX = "ratelimit#"


class SubscriberRepository:
    def __init__(self, table_name: str):
        self.table_name = table_name

    def put(self, subscriber: Subscriber) -> None:
        aws.table(self.table_name).put_item(Item=subscriber_to_item(subscriber))

    def get(self, subscriber_id: str) -> Subscriber | None:
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id}, ConsistentRead=True
        )
        item = response.get("Item")
        return subscriber_from_item(item) if item else None

    def get_many(self, subscriber_ids: list[str]) -> dict[str, Subscriber]:
        """Subscribers by id, 100 keys per request (the matcher reads only those it hit)."""
        found: dict[str, Subscriber] = {}
        unique = list(dict.fromkeys(subscriber_ids))
        resource = aws.dynamodb_resource()
        for start in range(0, len(unique), 100):
            keys = [{"subscriber_id": sid} for sid in unique[start : start + 100]]
            pending: dict[str, Any] = {self.table_name: {"Keys": keys}}
            while pending:
                response = resource.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    found[str(item["subscriber_id"])] = subscriber_from_item(item)
                pending = response.get("UnprocessedKeys") or {}
        return found

    def find_by_email(self, email: str, *, mail_only: bool = False) -> Subscriber | None:
        """The subscriber with this address (by-email index); with ``mail_only`` a
        webhook subscriber whose contact address it is does not count."""
        response = aws.table(self.table_name).query(
            IndexName="by-email", KeyConditionExpression=Key("email").eq(email.lower())
        )
        for item in response.get("Items", []):
            found = self.get(str(item["subscriber_id"]))
            if found is not None and not (mail_only and found.webhook_url):
                return found
        return None

    def iter_active(self) -> Iterator[Subscriber]:
        """Every active subscriber (paginated scan; used to build the match index)."""
        table = aws.table(self.table_name)
        for item in paging.items(table.scan, FilterExpression=Attr("status").eq("active")):
            yield subscriber_from_item(item)

    def iter_all(self) -> Iterator[Subscriber]:
        table = aws.table(self.table_name)
        # Rate-limit counters share the table (see storage/rate_limits.py); skip them.
        not_a_counter = ~Attr("subscriber_id").begins_with(RATE_LIMIT_PREFIX)
        for item in paging.items(table.scan, FilterExpression=not_a_counter):
            yield subscriber_from_item(item)

    # -- subscription lifecycle (web API and operator CLI, issue 6) ------------------
    def put_pending(self, subscriber: Subscriber, *, expires_at: int) -> bool:
        """Store an unconfirmed subscriber; DynamoDB TTL removes it at ``expires_at``
        unless :meth:`activate` (the confirmation link) runs first.

        Only a new or an unsubscribed address can become pending: never a pending one
        (its first sign-up is kept), an active one or a suppressed one. False if refused."""
        item = subscriber_to_item(subscriber)
        item["status"] = "pending"
        item["expires_at"] = int(expires_at)
        try:
            aws.table(self.table_name).put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(subscriber_id) OR #status = :u",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":u": "unsubscribed"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def activate(self, subscriber_id: str) -> Subscriber | None:
        """Confirm a pending subscriber (status active, TTL removed). None when there is
        no such subscriber or it is not pending/active (unsubscribed, suppressed)."""
        return self._update(
            subscriber_id,
            "SET #status = :active REMOVE expires_at",
            {":active": "active", ":pending": "pending"},
            condition="attribute_exists(subscriber_id) AND #status IN (:pending, :active)",
        )

    def update_preferences(
        self,
        subscriber_id: str,
        *,
        queries: tuple[str, ...],
        delivery_hour: int,
        timezone: str,
        mode: str,
        trending_top: int = 0,
        trending_filter: str = "",
        weekday: int = 0,
    ) -> Subscriber | None:
        """Replace what a subscriber reads and when; None when they do not exist."""
        return self._update(
            subscriber_id,
            "SET queries = :q, delivery_hour = :h, #tz = :tz, #mode = :m, "
            "trending_top = :t, trending_filter = :f, weekday = :w",
            {":q": list(queries), ":h": int(delivery_hour), ":tz": timezone, ":m": mode,
             ":t": int(trending_top), ":f": trending_filter, ":w": int(weekday)},
            names={"#tz": "timezone", "#mode": "mode"},
        )

    def set_likes(
        self, subscriber_id: str, likes: tuple[PaperText, ...], dislikes: tuple[PaperText, ...],
        *, notes: tuple[str, ...] | None = None,
        only_if: tuple[tuple[PaperText, ...], tuple[PaperText, ...]] | None = None,
    ) -> Subscriber | None:
        """Replace the liked and disliked papers (issue 14); None when the subscriber is
        gone. The change reaches the profile through the table's stream.

        ``notes`` (what could not be used) replaces the stored ones when given.
        ``only_if`` = (likes, dislikes) as last read: the write happens only if they are
        still stored so (None otherwise). The background resolution of liked papers
        uses it, so that filling in titles never undoes a vote cast meanwhile."""
        expression = "SET likes = :l, dislikes = :d"
        values: dict[str, Any] = {":l": [p.as_json() for p in likes],
                                  ":d": [p.as_json() for p in dislikes]}
        if notes is not None:
            expression += ", like_notes = :n"
            values[":n"] = list(notes)
        condition = "attribute_exists(subscriber_id)"
        if only_if is not None:
            for name, key, old in (("likes", ":ol", only_if[0]), ("dislikes", ":od", only_if[1])):
                if old:
                    values[key] = [p.as_json() for p in old]
                    condition += f" AND {name} = {key}"
                else:
                    values.setdefault(":none", 0)
                    condition += f" AND (attribute_not_exists({name}) OR size({name}) = :none)"
        return self._update(subscriber_id, expression, values, condition=condition)

    def set_status(
        self, subscriber_id: str, status: str, *, only_from: tuple[str, ...] = ()
    ) -> Subscriber | None:
        """Change the status (optionally only from the given ones); None if refused.

        A suppressed subscriber (hard bounce or complaint) keeps that status whatever is
        asked here: only :meth:`suppress` sets it and only :meth:`unsuppress` (an
        operator's decision) lifts it."""
        values: dict[str, Any] = {":s": status, ":suppressed": "suppressed"}
        condition = "attribute_exists(subscriber_id) AND #status <> :suppressed"
        if only_from:
            keys = []
            for number, allowed in enumerate(only_from):
                values[f":from{number}"] = allowed
                keys.append(f":from{number}")
            condition += f" AND #status IN ({', '.join(keys)})"
        return self._update(subscriber_id, "SET #status = :s", values, condition=condition)

    def suppress(self, subscriber_id: str, *, reason: str, at: str) -> Subscriber | None:
        """Never mail this subscriber again (SES said hard bounce or complaint)."""
        return self._update(
            subscriber_id,
            "SET #status = :s, suppressed_reason = :r, suppressed_at = :t REMOVE expires_at",
            {":s": "suppressed", ":r": reason, ":t": at},
        )

    def unsuppress(self, subscriber_id: str, *, reason: str, at: str) -> Subscriber | None:
        """The operator's documented override: suppressed -> unsubscribed (the person may
        then sign up again, with double opt-in). None unless it was suppressed."""
        return self._update(
            subscriber_id,
            "SET #status = :u, unsuppressed_reason = :r, unsuppressed_at = :t "
            "REMOVE suppressed_reason, suppressed_at",
            {":u": "unsubscribed", ":r": reason[:500], ":t": at, ":s": "suppressed"},
            condition="#status = :s",
        )

    def set_webhook_secret(self, subscriber_id: str, secret: str) -> Subscriber | None:
        return self._update(
            subscriber_id,
            "SET webhook_secret = :w",
            {":w": secret},
            condition="attribute_exists(webhook_url)",
        )

    def replace_feed_link(self, subscriber_id: str) -> Subscriber | None:
        """Bump the feed epoch: every feed token made before stops working."""
        return self._update(subscriber_id, "ADD feed_epoch :one", {":one": 1})

    def mark_webhook_failing(self, subscriber_id: str, error: str) -> None:
        """Record that the webhook exhausted its retries (shown to operators and users)."""
        self._update(
            subscriber_id,
            "SET webhook_status = :f, webhook_error = :e",
            {":f": "failing", ":e": error[:500]},
            condition="attribute_exists(webhook_url)",
        )

    def delete(self, subscriber_id: str) -> None:
        """Delete the subscriber; a suppressed one leaves a suppression record behind
        (id, address, reason: nothing else), so the address is never mailed again."""
        table = aws.table(self.table_name)
        try:
            table.delete_item(
                Key={"subscriber_id": subscriber_id},
                ConditionExpression="attribute_not_exists(#status) OR #status <> :s",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":s": "suppressed"},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = table.get_item(Key={"subscriber_id": subscriber_id},
                                  ConsistentRead=True).get("Item") or {}
            kept = {k: item[k] for k in ("subscriber_id", "email", "status",
                                         "suppressed_reason", "suppressed_at") if k in item}
            table.put_item(Item={**kept, "queries": []})

    def _update(
        self,
        subscriber_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
        condition: str = "attribute_exists(subscriber_id)",
    ) -> Subscriber | None:
        all_names = dict(names or {})
        if "#status" in expression or "#status" in condition:
            all_names["#status"] = "status"
        kwargs: dict[str, Any] = {
            "Key": {"subscriber_id": subscriber_id},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValues": "ALL_NEW",
        }
        if all_names:
            kwargs["ExpressionAttributeNames"] = all_names
        try:
            response = aws.table(self.table_name).update_item(**kwargs)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return subscriber_from_item(response["Attributes"])
