"""Per-source fetch state (conditional GET) and health runs in the sources table."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from paperbell import aws, clock
from paperbell.storage import paging

STATE_RECORD = "state"
RUN_PREFIX = "run#"
HEALTH_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class StoredSourceState:
    """A source's conditional-GET validators and failure streak, kept between runs."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    consecutive_failures: int = 0


@dataclass(frozen=True)
class SourceRun:
    """One run of one source, as the health table keeps it (30 days)."""

    source: str
    started_at: datetime
    status: str  # ok | not-modified | empty | failed
    items_seen: int
    new_papers: int
    skipped: int
    duration_s: float
    error: str = ""


class SourceStateRepository:
    def __init__(self, table_name: str):
        self.table_name = table_name

    def load(self, source: str) -> StoredSourceState:
        response = aws.table(self.table_name).get_item(
            Key={"source": source, "record": STATE_RECORD}
        )
        item = response.get("Item") or {}
        return StoredSourceState(
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            content_hash=item.get("content_hash"),
            consecutive_failures=int(item.get("consecutive_failures", 0)),
        )

    def save(self, source: str, state: StoredSourceState) -> None:
        item: dict[str, Any] = {
            "source": source,
            "record": STATE_RECORD,
            "consecutive_failures": state.consecutive_failures,
            "updated_at": clock.now().isoformat(),
        }
        for key in ("etag", "last_modified", "content_hash"):
            value = getattr(state, key)
            if value:
                item[key] = value
        aws.table(self.table_name).put_item(Item=item)

    def record_run(self, run: SourceRun) -> None:
        aws.table(self.table_name).put_item(
            Item={
                "source": run.source,
                "record": RUN_PREFIX + run.started_at.isoformat(),
                "status": run.status,
                "items_seen": run.items_seen,
                "new_papers": run.new_papers,
                "skipped": run.skipped,
                "duration_ms": int(run.duration_s * 1000),
                "error": run.error[:1000],
                "expires_at": int((run.started_at + HEALTH_RETENTION).timestamp()),
            }
        )

    def recent_runs(self, source: str, limit: int = 10) -> list[dict[str, Any]]:
        response = aws.table(self.table_name).query(
            KeyConditionExpression=Key("source").eq(source) & Key("record").begins_with(RUN_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(response.get("Items", []))

    def iter_sources(self) -> Iterator[str]:
        """Every source with a state or a recorded run (operator view; a small scan)."""
        table = aws.table(self.table_name)
        seen: set[str] = set()
        for item in paging.items(table.scan, ProjectionExpression="#s",
                                 ExpressionAttributeNames={"#s": "source"}):
            source = str(item["source"])
            if source not in seen:
                seen.add(source)
                yield source
