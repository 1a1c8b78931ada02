"""The papers table: each paper written once, enriched only when something changed.

Why batch-get before writing: a conditional put that fails still consumes a write unit,
so re-scraping an unchanged feed through conditional puts would cost one write per
paper per run. Reading first (100 keys per call) makes an unchanged re-scrape cost
zero writes; the conditional put stays, to stay correct when two scrapes race.

Why each paper is fitted and written on its own terms: one bad item (a 500 KB title,
a lone surrogate) must not cost the others. Every paper passes ``fitting.fit_paper``
(so it fits in 400 KB and can be encoded), and a write the table refuses for that item
alone (``ValidationException``, an encoding error) is counted in ``WriteReport.failed``
with its reason while the rest are written. Errors of the table itself (throttling
after retries, a missing table, no permission) still raise: they concern every item.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from paperbell import aws, clock
from paperbell.fitting import TRUNCATED, fit_paper
from paperbell.merging import enrichment, merge_batch
from paperbell.models import Paper
from paperbell.storage import paging
from paperbell.storage.items import paper_from_item, paper_to_item

BATCH_GET_LIMIT = 100
#: Largest partition key DynamoDB accepts (fit_paper keeps ids far below it).
MAX_KEY_BYTES = 2_048
#: What one item's write may fail with when the item (not the table) is the problem.
_ITEM_ERRORS = (ClientError, ParamValidationError, UnicodeError, TypeError, ValueError)


@dataclass
class WriteReport:
    """What one write of a scrape's papers did to the table.

    ``failed`` says, per paper that could not be saved, its id and why; ``truncated``
    lists the ids of papers stored with a field cut (``extra["truncated"]`` names it).
    """

    new: list[str] = field(default_factory=list)
    enriched: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)


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
        report = WriteReport()
        batch = []
        for paper in merge_batch(fit_paper(p) for p in papers):
            if paper.id and len(paper.id.encode("utf-8")) <= MAX_KEY_BYTES:
                batch.append(paper)
            else:  # one bad key would make the whole batch-get fail
                report.failed.append(f"{paper.id[:120]!r}: not a usable id")
        stored = self._get_items([p.id for p in batch])
        table = aws.table(self.table_name)
        for paper in batch:
            try:
                self._save_one(table, paper, stored.get(paper.id), now, run_id, report)
            except _ITEM_ERRORS as exc:
                if isinstance(exc, ClientError) and not _is_item_error(exc):
                    raise  # throttling, a missing table, no permission: not this item's fault
                report.failed.append(f"{paper.id[:120]}: {_reason(exc)}")
        return report

    def _save_one(self, table: Any, paper: Paper, existing: dict[str, Any] | None,
                  now: datetime, run_id: str, report: WriteReport) -> None:
        if existing is None:
            if self._put_if_absent(table, paper, now, run_id):
                report.new.append(paper.id)
                if TRUNCATED in paper.extra:
                    report.truncated.append(paper.id)
                return
            existing = self._get_items([paper.id]).get(paper.id, {})
        changes = enrichment(existing, paper)
        if changes:
            self._update(table, paper.id, changes)
            report.enriched.append(paper.id)
        else:
            report.unchanged += 1

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


def _is_item_error(exc: ClientError) -> bool:
    """DynamoDB refused this item (its size, a value; or it expired meanwhile), not the call."""
    code = exc.response.get("Error", {}).get("Code")
    return code in ("ValidationException", "ConditionalCheckFailedException")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}"[:300]
    if isinstance(exc, BotoCoreError):
        return " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
