"""Local event-source mappings: the papers stream and SQS queues drive the functions.

These pollers do what the Lambda service does between AWS and a function, reading
every setting from the template's event definition:
- DynamoDB stream: shards read from moto (describe_stream / get_shard_iterator /
  get_records), the event's FilterCriteria applied, batches of BatchSize in the real
  stream event shape, partial batch failures retried from the first failed record up
  to MaximumRetryAttempts, then an OnFailure record sent to the SQS destination.
- SQS: messages received in batches of BatchSize in the real SQS event shape, the
  successes deleted, the failures made visible again (moto's redrive policy moves
  them to the dead-letter queue after maxReceiveCount).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from paperbell import aws
from paperbell_dev.local.runtime import LocalInvoker
from paperbell_dev.local.stack import LocalStack


def matches_filter(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """EventBridge-style pattern match (the subset Lambda event filtering uses here:
    nested objects and lists of allowed literal values)."""
    for key, expected in pattern.items():
        actual = record.get(key)
        if isinstance(expected, Mapping):
            if not isinstance(actual, Mapping) or not matches_filter(expected, actual):
                return False
        elif isinstance(expected, list):
            if actual not in expected:
                return False
        elif actual != expected:
            return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.replace(tzinfo=value.tzinfo or UTC).timestamp())
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


@dataclass
class StreamStats:
    records_read: int = 0
    records_filtered_out: int = 0
    batches: int = 0
    invocations: int = 0
    sent_to_on_failure: int = 0


@dataclass
class DynamoStreamPoller:
    """Reads a table's stream from moto and invokes the function with its batches."""

    stack: LocalStack
    invoker: LocalInvoker
    function_id: str
    positions: dict[str, str] = field(default_factory=dict)  # shard -> last sequence number
    stats: StreamStats = field(default_factory=StreamStats)

    def __post_init__(self) -> None:
        props = self.stack.event_properties(self.function_id, "DynamoDB")
        self.stream_arn = str(props["Stream"])
        self.batch_size = int(props.get("BatchSize", 100))
        self.max_retries = int(props.get("MaximumRetryAttempts", -1))
        self.partial = "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])
        self.filters = [
            json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])
        ]
        on_failure = props.get("DestinationConfig", {}).get("OnFailure", {})
        self.on_failure_arn = on_failure.get("Destination")

    def read_new_records(self) -> list[tuple[str, dict[str, Any]]]:
        """Every record after our position, per shard, as (shard id, record)."""
        streams = aws.client("dynamodbstreams")
        description = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        out: list[tuple[str, dict[str, Any]]] = []
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            kwargs: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
            if shard_id in self.positions:
                kwargs["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
                kwargs["SequenceNumber"] = self.positions[shard_id]
            else:
                kwargs["ShardIteratorType"] = "TRIM_HORIZON"
            iterator = streams.get_shard_iterator(**kwargs)["ShardIterator"]
            while iterator:
                response = streams.get_records(ShardIterator=iterator, Limit=1000)
                records = response.get("Records", [])
                for record in records:
                    out.append((shard_id, _jsonable(record)))
                    self.positions[shard_id] = record["dynamodb"]["SequenceNumber"]
                if not records:
                    break
                iterator = response.get("NextShardIterator")
        return out

    def drain(self) -> StreamStats:
        """Deliver every new record to the function, Lambda-style."""
        pending = self.read_new_records()
        self.stats.records_read += len(pending)
        selected: list[tuple[str, dict[str, Any]]] = []
        for shard_id, record in pending:
            if self.filters and not any(matches_filter(p, record) for p in self.filters):
                self.stats.records_filtered_out += 1
                continue
            record["eventSourceARN"] = self.stream_arn
            selected.append((shard_id, record))
        for start in range(0, len(selected), self.batch_size):
            batch = [r for _, r in selected[start : start + self.batch_size]]
            self._deliver(selected[start][0], batch)
        return self.stats

    def deliver_batch(self, records: list[dict[str, Any]]) -> None:
        """Deliver exactly these records as one batch (fault-injection tests)."""
        self._deliver("local-shard", records)

    def _deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        self.stats.batches += 1
        attempt = 0
        remaining = batch
        while remaining:
            self.stats.invocations += 1
            failed_ids = self._invoke(remaining)
            if not failed_ids:
                return
            # Lambda retries from the first failed record (checkpoint semantics).
            first = min(
                i for i, r in enumerate(remaining) if r["dynamodb"]["SequenceNumber"] in failed_ids
            )
            remaining = remaining[first:]
            if 0 <= self.max_retries <= attempt:
                self._send_on_failure(shard_id, remaining)
                return
            attempt += 1

    def _invoke(self, records: list[dict[str, Any]]) -> set[str]:
        try:
            response = self.invoker.invoke(self.function_id, {"Records": records})
        except Exception:
            return {r["dynamodb"]["SequenceNumber"] for r in records}
        if not self.partial or not isinstance(response, dict):
            return set()
        return {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}

    def _send_on_failure(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        self.stats.sent_to_on_failure += len(records)
        if not self.on_failure_arn:
            return
        queue_id = self.stack.logical_id_for_arn(self.on_failure_arn)
        body = {
            "requestContext": {
                "condition": "RetryAttemptsExhausted",
                "functionArn": self.function_id,
                "approximateInvokeCount": self.max_retries + 1,
            },
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        aws.client("sqs").send_message(
            QueueUrl=self.stack.physical[queue_id]["QueueUrl"], MessageBody=json.dumps(body)
        )


@dataclass
class QueueStats:
    received: int = 0
    succeeded: int = 0
    failed_attempts: int = 0
    invocations: int = 0


@dataclass
class SqsPoller:
    """Receives a queue's messages and invokes the function with SQS events."""

    stack: LocalStack
    invoker: LocalInvoker
    function_id: str
    stats: QueueStats = field(default_factory=QueueStats)

    def __post_init__(self) -> None:
        props = self.stack.event_properties(self.function_id, "SQS")
        self.queue_arn = str(props["Queue"])
        self.batch_size = int(props.get("BatchSize", 10))
        self.partial = "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])
        queue_id = self.stack.logical_id_for_arn(self.queue_arn)
        self.queue_url = self.stack.physical[queue_id]["QueueUrl"]

    def drain(self, max_rounds: int = 1000) -> QueueStats:
        """Invoke until the queue is empty (failed messages are retried, then DLQ'd)."""
        sqs = aws.client("sqs")
        for _ in range(max_rounds):
            response = sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(self.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            if not messages:
                return self.stats
            self.stats.received += len(messages)
            failed = self._invoke(messages)
            for message in messages:
                if message["MessageId"] in failed:
                    self.stats.failed_attempts += 1
                    sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
                else:
                    self.stats.succeeded += 1
                    sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
        return self.stats

    def event_for(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": self.stack.region,
                }
                for m in messages
            ]
        }

    def _invoke(self, messages: list[dict[str, Any]]) -> set[str]:
        self.stats.invocations += 1
        try:
            response = self.invoker.invoke(self.function_id, self.event_for(messages))
        except Exception:
            return {m["MessageId"] for m in messages}
        if not self.partial or not isinstance(response, dict):
            return set()
        return {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
