"""Scrape use case: read every configured source, write each new paper once.

One bad source never stops the others: its error (a ``FeedError``, or anything
unexpected, such as the table refusing every write) is recorded in source health and
counted in metrics, and the loop goes on. Within a source, one bad item never stops
the others: the parser skips and counts what it cannot read, the papers table skips
and counts what it cannot save (``PapersNotSaved``), and oversized fields are cut and
named in the paper's ``extra["truncated"]`` (``PapersTruncated``).

Conditional-GET state is loaded and saved here (DynamoDB) and handed to the sources
package (HTTP) as plain data, so neither module knows the other's world.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from paperbell import clock
from paperbell.config import Settings, settings
from paperbell.errors import PaperbellError
from paperbell.models import Paper
from paperbell.observability import logger, metrics
from paperbell.services.failure_reports import report_failure
from paperbell.storage.papers import PaperRepository
from paperbell.storage.sources import SourceRun, SourceStateRepository, StoredSourceState

#: A source failing this many runs in a row is reported to the FailureReportQueue (its
#: alarm) and counted as SourceFailingRepeatedly.
FAILURE_ALARM_THRESHOLD = 3


@dataclass
class SourceOutcome:
    """How one source's read went: status, counts and error, as the health table and the
    ``paperbell sources`` view show it."""

    source: str
    status: str
    items_seen: int = 0
    new_papers: int = 0
    enriched: int = 0
    skipped: int = 0
    not_saved: int = 0
    duration_s: float = 0.0
    error: str = ""
    #: Failed runs in a row, this one included (0 for a run that did not fail).
    consecutive_failures: int = 0
    new_ids: list[str] = field(default_factory=list, repr=False)
    #: This run's papers from the source (the trending snapshot takes those with upvotes).
    papers: list[Paper] = field(default_factory=list, repr=False)


@dataclass
class ScrapeReport:
    """Every source's outcome of one run, the new papers' ids and whether the trending
    snapshot was written."""

    sources: list[SourceOutcome] = field(default_factory=list)
    new_paper_ids: list[str] = field(default_factory=list)
    trending_written: bool = False

    @property
    def papers_fetched(self) -> int:
        return sum(s.items_seen for s in self.sources)

    def as_dict(self) -> dict[str, Any]:
        return {
            "papers_fetched": self.papers_fetched,
            "papers_new": len(self.new_paper_ids),
            "new_paper_ids": self.new_paper_ids,
            "trending_snapshot_written": self.trending_written,
            "sources": [
                {k: v for k, v in asdict(s).items() if k not in ("new_ids", "papers")}
                for s in self.sources
            ],
        }


def run_scrape(
    sources: Sequence[str] | None = None,
    *,
    refresh_trending: bool = False,
    config: Settings | None = None,
) -> ScrapeReport:
    """One scrape run under a new run id: the given sources; or, for the trending refresh
    (the TrendingRefreshSchedule), only the lists that carry upvotes, so trending ranks
    by fresh counts; else the configured sources.

    The run id is the correlation id of every log line of this run, and is stored with
    each new paper, so match and mail log lines of the same paper carry it too.
    """
    config = config or settings()
    now = clock.now()
    chosen: tuple[str, ...]
    if sources:
        chosen = tuple(sources)
    elif refresh_trending:
        from paperbell.services.trending import refresh_sources

        chosen = tuple(refresh_sources(config, now))
    else:
        chosen = config.sources
    run_id = f"scrape-{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    logger.set_correlation_id(run_id)
    return scrape_sources(chosen, config=config, now=now, run_id=run_id)


def scrape_sources(
    sources: Iterable[str],
    *,
    config: Settings,
    fetcher: Any = None,
    now: datetime | None = None,
    run_id: str = "",
) -> ScrapeReport:
    """Read each source in turn and write what is new; never raises for one bad source."""
    from paperbell.sources import HttpFetcher  # HTTP stack only loaded by the scrape path

    fetcher = fetcher or HttpFetcher()
    papers_repo = PaperRepository(config.papers_table, retention_days=config.paper_retention_days)
    state_repo = SourceStateRepository(config.sources_table)
    report = ScrapeReport()
    for source in sources:
        try:
            outcome = _scrape_one(
                source, fetcher, papers_repo, state_repo, now or clock.now(), run_id,
                feeds_dir=config.local_feeds_dir,
            )
        except Exception as exc:  # one source's failure never touches the others
            logger.exception("source failed unexpectedly", extra={"source": source})
            outcome = _contained_failure(source, state_repo, now or clock.now(), exc)
        if outcome.consecutive_failures >= FAILURE_ALARM_THRESHOLD:
            report_failure(config.failure_report_queue_url, "source-failing", {
                "source": source, "consecutive_failures": outcome.consecutive_failures,
                "error": outcome.error})
        report.sources.append(outcome)
        report.new_paper_ids.extend(outcome.new_ids)
    report.trending_written = _update_trending(config, report, papers_repo, now or clock.now())
    return report


def _update_trending(
    config: Settings, report: ScrapeReport, papers_repo: PaperRepository, now: datetime
) -> bool:
    """Fold this run's upvotes into the shared trending snapshot (writes only changes).

    A failure here is logged and counted, never fatal: papers are already stored, and
    the next run (or re-read) writes the snapshot."""
    from paperbell.services.trending import update_snapshot

    try:
        return update_snapshot(
            config,
            {s.source: s.papers for s in report.sources},
            now=now,
            sources_read=[s.source for s in report.sources if s.status != "failed"],
            papers=papers_repo,
        )
    except Exception as exc:  # S3 trouble must not fail the scrape
        metrics.add_metric(name="TrendingSnapshotFailures", unit=MetricUnit.Count, value=1)
        logger.exception("trending snapshot not updated", extra={"error": str(exc)})
        return False


def _scrape_one(
    source: str,
    fetcher: Any,
    papers_repo: PaperRepository,
    state_repo: SourceStateRepository,
    now: datetime,
    run_id: str = "",
    *,
    feeds_dir: str | None = None,
) -> SourceOutcome:
    from paperbell.sources import SourceState, read_source
    from paperbell.sources.named_feeds import resolve_named_feed

    started = time.monotonic()
    stored = state_repo.load(source)
    try:
        result = read_source(
            resolve_named_feed(source, feeds_dir),
            state=SourceState(
                etag=stored.etag,
                last_modified=stored.last_modified,
                content_hash=stored.content_hash,
            ),
            fetcher=fetcher,
        )
    except PaperbellError as exc:
        return _record_failure(source, stored, state_repo, now, started, str(exc))

    outcome = SourceOutcome(source=source, status="not-modified" if result.not_modified else "ok")
    outcome.items_seen = len(result.papers)
    outcome.papers = list(result.papers)
    outcome.skipped = result.skipped
    if result.papers:
        written = papers_repo.save_new(result.papers, now=now, run_id=run_id)
        outcome.new_papers = len(written.new)
        outcome.enriched = len(written.enriched)
        outcome.new_ids = written.new
        outcome.not_saved = len(written.failed)
        outcome.skipped += outcome.not_saved
        for reason in written.failed:
            logger.warning("paper not saved", extra={"source": source, "reason": reason})
        metrics.add_metric(name="PapersNotSaved", unit=MetricUnit.Count, value=len(written.failed))
        metrics.add_metric(name="PapersTruncated", unit=MetricUnit.Count,
                           value=len(written.truncated))
    elif not result.not_modified:
        outcome.status = "empty"  # weekend/holiday feeds are empty, not broken
    outcome.duration_s = time.monotonic() - started
    for message in result.errors:
        logger.warning("skipped feed item", extra={"source": source, "reason": message})

    new_state = StoredSourceState(
        etag=result.state.etag,
        last_modified=result.state.last_modified,
        content_hash=result.state.content_hash,
        consecutive_failures=0,
    )
    if new_state != stored:
        state_repo.save(source, new_state)
    if not result.not_modified:
        state_repo.record_run(_run_of(outcome, now))
    metrics.add_metric(name="PapersFetched", unit=MetricUnit.Count, value=outcome.items_seen)
    metrics.add_metric(name="PapersNew", unit=MetricUnit.Count, value=outcome.new_papers)
    metrics.add_metric(name="FeedItemsSkipped", unit=MetricUnit.Count, value=outcome.skipped)
    logger.info(
        "source scraped",
        extra={
            "source": source,
            "status": outcome.status,
            "new": outcome.new_papers,
            "seen": outcome.items_seen,
        },
    )
    return outcome


def _contained_failure(
    source: str, state_repo: SourceStateRepository, now: datetime, exc: Exception
) -> SourceOutcome:
    """An unexpected error in one source, recorded like a feed error when storage allows."""
    error = " ".join(f"unexpected {type(exc).__name__}: {exc}".split())[:500]
    try:
        return _record_failure(source, state_repo.load(source), state_repo, now,
                               time.monotonic(), error)
    except Exception:  # the state table itself is failing: report, do not stop the loop
        logger.exception("source failure could not be recorded", extra={"source": source})
        metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=1)
        return SourceOutcome(source=source, status="failed", error=error)


def _record_failure(
    source: str,
    stored: StoredSourceState,
    state_repo: SourceStateRepository,
    now: datetime,
    started: float,
    error: str,
) -> SourceOutcome:
    failures = stored.consecutive_failures + 1
    outcome = SourceOutcome(
        source=source, status="failed", duration_s=time.monotonic() - started, error=error,
        consecutive_failures=failures,
    )
    state_repo.save(
        source,
        StoredSourceState(
            etag=stored.etag,
            last_modified=stored.last_modified,
            content_hash=stored.content_hash,
            consecutive_failures=failures,
        ),
    )
    state_repo.record_run(_run_of(outcome, now))
    metrics.add_metric(name="SourceFailures", unit=MetricUnit.Count, value=1)
    if failures >= FAILURE_ALARM_THRESHOLD:
        metrics.add_metric(name="SourceFailingRepeatedly", unit=MetricUnit.Count, value=1)
    logger.error("source failed", extra={"source": source, "error": error, "failures": failures})
    return outcome


def _run_of(outcome: SourceOutcome, now: datetime) -> SourceRun:
    return SourceRun(
        source=outcome.source,
        started_at=now,
        status=outcome.status,
        items_seen=outcome.items_seen,
        new_papers=outcome.new_papers,
        skipped=outcome.skipped,
        duration_s=outcome.duration_s,
        error=outcome.error,
    )
