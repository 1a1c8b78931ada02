"""The papers table: each paper written once, enriched only when something changed.

Why batch-get before writing: a conditional put that fails still consumes a write unit,
so re-scraping an unchanged feed through conditional puts would cost one write per
paper per run. Reading first (100 keys per call) makes an unchanged re-scrape cost
zero writes; the conditional put stays, to stay correct when two scrapes race.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from paperbell import aws, clock
from paperbell.merging import enrichment, merge_batch
from paperbell.models import Paper
from paperbell.storage import paging
from paperbell.storage.items import paper_from_item, paper_to_item

BATCH_GET_LIMIT = 100
_ENRICH_PROJECTION = "paper_id, upvotes, version, categories, sources"


@dataclass
class WriteReport:
    """What one write of a scrape's papers did to the table."""

    new: list[str] = field(default_factory=list)
    enriched: list[str] = field(default_factory=list)
    unchanged: int = 0


class PaperRepository:
    """Reads and writes the papers table (its stream drives matching)."""

    def __init__(self, table_name: str, *, retention_days: int = 30):
        self.table_name = table_name
        self.retention = timedelta(days=retention_days)

    def save_new(
        self, papers: Iterable[Paper], *, now: datetime | None = None, run_id: str = ""
    ) -> WriteReport:
        """Write unseen papers once (INSERT -> matching) and enrich known ones quietly."""
        now = now or clock.now()
        batch = merge_batch(papers)
        stored = self._get_items([p.id for p in batch], projection=_ENRICH_PROJECTION)
        report = WriteReport()
        table = aws.table(self.table_name)
        for paper in batch:
            existing = stored.get(paper.id)
            if existing is None:
                if self._put_if_absent(table, paper, now, run_id):
                    report.new.append(paper.id)
                    continue
                existing = self._get_items([paper.id], projection=_ENRICH_PROJECTION).get(
                    paper.id, {}
                )
            changes = enrichment(existing, paper)
            if changes:
                self._update(table, paper.id, changes)
                report.enriched.append(paper.id)
            else:
                report.unchanged += 1
        return report

    def get_many(self, paper_ids: Sequence[str]) -> dict[str, Paper]:
        """Papers by id, 100 keys per request (the digest path reads them in batches)."""
        return {pid: paper_from_item(item) for pid, item in self._get_items(paper_ids).items()}

    def recent(self, since: datetime, *, scan_limit: int) -> tuple[list[Paper], bool]:
        """Papers first seen since ``since`` and whether the scan stopped early.

        A filtered scan that stops once ``scan_limit`` items were read (the preview's
        cost bound; ``True`` then tells the caller the answer is partial)."""
        table = aws.table(self.table_name)
        papers: list[Paper] = []
        read = 0
        for page in paging.pages(table.scan,
                                 FilterExpression=Attr("first_seen").gte(since.isoformat())):
            read += int(page.get("ScannedCount", 0))
            papers.extend(paper_from_item(item) for item in page.get("Items", []))
            if read >= scan_limit and page.get("LastEvaluatedKey"):
                return papers, True
        return papers, False

    def _put_if_absent(self, table: Any, paper: Paper, now: datetime, run_id: str) -> bool:
        expires_at = int((now + self.retention).timestamp())
        item = paper_to_item(paper, first_seen=now, expires_at=expires_at)
        if run_id:
            item["scrape_run"] = run_id  # correlation id for match and mail logs
        if "sources" in paper.extra:
            item["sources"] = set(paper.extra["sources"]) or item["sources"]
        try:
            table.put_item(Item=item, ConditionExpression="attribute_not_exists(paper_id)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    @staticmethod
    def _update(table: Any, paper_id: str, changes: dict[str, Any]) -> None:
        names = {f"#f{i}": key for i, key in enumerate(changes)}
        values = {f":v{i}": value for i, value in enumerate(changes.values())}
        assignments = ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
        table.update_item(
            Key={"paper_id": paper_id},
            UpdateExpression=f"SET {assignments}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ConditionExpression="attribute_exists(paper_id)",
        )

    def _get_items(
        self, paper_ids: Sequence[str], *, projection: str | None = None
    ) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(paper_ids))
        resource = aws.dynamodb_resource()
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                "Keys": [{"paper_id": pid} for pid in unique[start : start + BATCH_GET_LIMIT]]
            }
            if projection:
                request["ProjectionExpression"] = projection
            pending: dict[str, Any] = {self.table_name: request}
            while pending:
                response = resource.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    found[str(item["paper_id"])] = item
                pending = response.get("UnprocessedKeys") or {}
        return found
