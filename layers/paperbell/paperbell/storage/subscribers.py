"""The subscribers table."""

from __future__ import annotations

from collections.abc import Iterator

from boto3.dynamodb.conditions import Attr, Key

from paperbell import aws
from paperbell.models import Subscriber
from paperbell.storage.items import subscriber_from_item, subscriber_to_item


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

    def find_by_email(self, email: str) -> Subscriber | None:
        response = aws.table(self.table_name).query(
            IndexName="by-email", KeyConditionExpression=Key("email").eq(email.lower())
        )
        for item in response.get("Items", []):
            return self.get(str(item["subscriber_id"]))
        return None

    def iter_active(self) -> Iterator[Subscriber]:
        """Every active subscriber (paginated scan; used to build the match index)."""
        table = aws.table(self.table_name)
        kwargs: dict = {"FilterExpression": Attr("status").eq("active")}
        while True:
            response = table.scan(**kwargs)
            for item in response.get("Items", []):
                yield subscriber_from_item(item)
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def iter_all(self) -> Iterator[Subscriber]:
        table = aws.table(self.table_name)
        kwargs: dict = {}
        while True:
            response = table.scan(**kwargs)
            for item in response.get("Items", []):
                yield subscriber_from_item(item)
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
