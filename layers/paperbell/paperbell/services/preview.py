"""The live preview: which recent papers would some queries have matched?

Used by the subscribe and manage pages (``GET /preview``) and by ``paperbell
subscribers preview``. The papers come from one capped scan of the papers table
(:meth:`PaperRepository.recent`), so a preview's cost is bounded whatever is asked. A
container reuses that scan for :data:`RECENT_TTL_SECONDS` and keeps each paper's analysis
(:class:`~paperbell.matching.matcher.AnalyzedPapers`), so that a warm preview only
evaluates the queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from paperbell.config import Settings
from paperbell.delivery.digest_model import Digest
from paperbell.errors import RequestError
from paperbell.matching import parse_query
from paperbell.matching.matcher import AnalyzedPapers, Highlights, match_queries
from paperbell.models import Paper, Subscriber
from paperbell.observability import metrics
from paperbell.services.context import RequestContext
from paperbell.services.rate_limits import RateLimiter
from paperbell.storage.papers import PaperRepository
from paperbell.urls import safe_url
from paperbell.validation import validate_queries

PREVIEW_DAYS = 7
PREVIEW_SCAN_LIMIT = 2000  # papers read at most per preview
PREVIEW_RESULTS = 50
#: How long a container reuses its scan of recent papers. Why: typing sends a request
#: per keystroke burst, and scanning + analyzing 2,000 papers each time is most of the
#: cost; a paper scraped meanwhile shows up in the preview at most this much later.
RECENT_TTL_SECONDS = 60.0

_ANALYZED = AnalyzedPapers()
_recent: dict[tuple[str, int], tuple[float, list[Paper], bool]] = {}


def reset_preview_cache() -> None:
    """Forget the cached scan and analyses (a new local stack, tests)."""
    _recent.clear()
    _ANALYZED.clear()


def _recent_papers(papers_table: str, days: int, now: datetime | None) -> tuple[list[Paper], bool]:
    key = (papers_table, days)
    cached = _recent.get(key)
    if now is None and cached is not None and time.monotonic() - cached[0] < RECENT_TTL_SECONDS:
        return cached[1], cached[2]
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    papers, truncated = PaperRepository(papers_table).recent(since, scan_limit=PREVIEW_SCAN_LIMIT)
    if now is None:
        _recent[key] = (time.monotonic(), papers, truncated)
    return papers, truncated


@dataclass(frozen=True)
class PreviewHit:
    paper: Paper
    queries: tuple[str, ...]
    highlights: Highlights


@dataclass(frozen=True)
class Preview:
    queries: tuple[str, ...]
    days: int
    scanned: int
    hits: list[PreviewHit]
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "queries": list(self.queries),
            "days": self.days,
            "papers_scanned": self.scanned,
            "truncated": self.truncated,
            "count": len(self.hits),
            "papers": [
                {
                    **hit.paper.as_json(),
                    "url": safe_url(hit.paper.url) or "",
                    "queries": list(hit.queries),
                    "highlights": {k: [list(s) for s in v] for k, v in hit.highlights.items()},
                }
                for hit in self.hits
            ],
        }


def preview_for_visitor(config: Settings, queries: list[str], source_ip: str) -> Preview:
    """:func:`preview` for a web visitor: counted against their hourly preview allowance
    (each preview scans up to ``PREVIEW_SCAN_LIMIT`` papers), 429 past it."""
    if not RateLimiter(config.subscribers_table).allow_preview(source_ip):
        metrics.add_metric(name="PreviewRateLimited", unit="Count", value=1)
        raise RequestError(429, "rate_limited", "Too many previews from your address; "
                           "please wait a while and try again.")
    return preview(config.papers_table, queries)


def preview(papers_table: str, queries: list[str], *, days: int = PREVIEW_DAYS,
            now: datetime | None = None, limit: int = PREVIEW_RESULTS) -> Preview:
    """The recent papers any of ``queries`` matches (RequestError for a bad query)."""
    checked = validate_queries(queries)
    parsed = [parse_query(text) for text in checked]
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    papers, truncated = _recent_papers(papers_table, days, now)
    hits: list[PreviewHit] = []
    for paper in papers:
        matched, highlights = match_queries(parsed, _ANALYZED.get(paper))
        if matched:
            hits.append(PreviewHit(paper, tuple(matched), highlights))
    hits.sort(key=lambda h: (h.paper.upvotes or 0, h.paper.published or since), reverse=True)
    return Preview(tuple(checked), days, len(papers), hits[:limit],
                   truncated or len(hits) > limit)


def next_mail(ctx: RequestContext, subscriber: Subscriber) -> Digest:
    """What the subscriber's next mail would hold if it were sent now: the same
    composition as the mailer's (trending section, then keyword matches waiting for
    it), with today's upvotes; the real mail ranks by the upvotes at its send time."""
    from paperbell.scheduling import digest_date_for, next_slot_for
    from paperbell.services.digests import compose_digest

    now = ctx.now()
    slot = next_slot_for(subscriber, now)
    pending = ctx.deliveries.pending_matches(subscriber.id)
    digest, _ = compose_digest(
        ctx.config, subscriber, pending, ctx.deliveries, now=now,
        digest_day=digest_date_for(slot, subscriber.timezone),
    )
    return digest
