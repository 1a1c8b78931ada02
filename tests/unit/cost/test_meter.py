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
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "due", "AttributeType": "S"},
            ],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
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
        table.put_item(Item={"pk": "a", "body": "x" * 1500})  # 2 KB-ish: 2 WRU
        table.put_item(Item={"pk": "b", "due": "2026-11-27T08"})  # 1 WRU + 1 index write
        table.update_item(Key={"pk": "b"}, UpdateExpression="REMOVE due")  # 1 + 1
        table.get_item(Key={"pk": "a"}, ConsistentRead=True)  # 1 RRU
        table.get_item(Key={"pk": "b"})  # eventually consistent: 0.5 RRU
    assert meter.count("dynamodb", "PutItem") == 2
    assert meter.wru[("dynamodb", "PutItem")] == 2 + 2
    assert meter.wru[("dynamodb", "UpdateItem")] == 2
    assert meter.rru[("dynamodb", "GetItem")] == 1.5
