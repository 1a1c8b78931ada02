"""UsageMeter counts DynamoDB capacity units from what each call moves (moto)."""

from __future__ import annotations

import pytest
from moto import mock_aws

from paperbell import aws
from paperbell_dev.cost.meter import UsageMeter


@pytest.fixture
def table():
    with mock_aws():
        aws.reset_clients()
        client = aws.client("dynamodb")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "due", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-due",
                    "KeySchema": [{"AttributeName": "due", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
        )
        yield aws.table("t")
    aws.reset_clients()


def test_writes_reads_and_index_writes_are_metered(table):
    with UsageMeter({"t": {"due"}}) as meter:
        table = aws.table("t")
        table.put_item(Item={"id": "a", "body": "x" * 1500})  # 2 KB-ish: 2 WRU
        table.put_item(Item={"id": "b", "due": "2026-11-27T08"})  # 1 WRU + 1 index write
        table.update_item(Key={"id": "b"}, UpdateExpression="REMOVE due")  # 1 + 1
        table.get_item(Key={"id": "a"}, ConsistentRead=True)  # 1 RRU
        table.get_item(Key={"id": "b"})  # eventually consistent: 0.5 RRU
    assert meter.count("dynamodb", "PutItem") == 2
    assert meter.wru[("dynamodb", "PutItem")] == 2 + 2
    assert meter.wru[("dynamodb", "UpdateItem")] == 2
    assert meter.rru[("dynamodb", "GetItem")] == 1.5


def test_a_sparse_index_is_written_only_for_items_holding_all_its_keys(table):
    """The deliveries table's by-due-slot index is keyed (due_slot, subscriber_id): a
    ledger item has a subscriber_id but no due_slot, so it is not in the index."""
    with UsageMeter({"t": [{"due", "id"}]}) as meter:
        table = aws.table("t")
        table.put_item(Item={"id": "ledger"})  # 1 WRU, no index entry
        table.put_item(Item={"id": "m", "due": "2026-11-27T08"})  # 1 + 1
        table.put_item(Item={"id": "m", "due": "2026-11-27T08", "x": "y"})  # key kept: 1
        table.put_item(Item={"id": "m", "due": "2026-11-28T08"})  # key moved: 1 + 2
        table.update_item(Key={"id": "m"}, UpdateExpression="SET delivered = :d",
                          ExpressionAttributeValues={":d": "yes"})  # key untouched: 1
        table.delete_item(Key={"id": "ledger"})  # 1, nothing in the index
        table.delete_item(Key={"id": "m"})  # 1 + 1
    assert meter.wru[("dynamodb", "PutItem")] == 1 + 2 + 1 + 3
    assert meter.wru[("dynamodb", "UpdateItem")] == 1
    assert meter.wru[("dynamodb", "DeleteItem")] == 1 + 2
