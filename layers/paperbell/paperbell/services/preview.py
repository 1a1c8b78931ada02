"""The live preview: which recent papers would some queries have matched, and which
would be recommended for some liked papers?

Used by the subscribe and manage pages (``GET /preview``) and by ``paperbell
subscribers preview``. The papers come from one capped scan of the papers table
(:meth:`PaperRepository.recent`), so a preview's cost is bounded whatever is asked. A
container reuses that scan for :data:`RECENT_TTL_SECONDS` and keeps each paper's analysis
(:class:`~paperbell.matching.matcher.AnalyzedPapers`), so that a warm preview only
evaluates the queries. For liked papers it keeps, per scan, the document frequencies
counted from the scanned papers and each paper's vector, so that a warm preview only
builds the profile and scores it (:func:`likes_preview`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from paperbell.config import Settings
from paperbell.delivery.digest_model import Digest
from paperbell.errors import RequestError
from paperbell.matching import parse_query
from paperbell.matching.matcher import AnalyzedPapers, Highlights, match_queries
from paperbell.models import Paper, PaperText, Subscriber
from paperbell.observability import metrics
from paperbell.services.context import RequestContext
from paperbell.services.rate_limits import RateLimiter
from paperbell.storage.papers import PaperRepository
from paperbell.urls import safe_url
from paperbell.validation import Fields, validate_paper_lists, validate_queries

if TYPE_CHECKING:
    from paperbell.recommend import DocumentFrequencies, TermVector
    from paperbell.recommend.ranking import Recommendation

PREVIEW_DAYS = 7
PREVIEW_SCAN_LIMIT = 2000  # papers read at most per preview
PREVIEW_RESULTS = 50
#: How long a container reuses its scan of recent papers. Why: typing sends a request
#: per keystroke burst, and scanning + analyzing 2,000 papers each time is most of the
#: cost; a paper scraped meanwhile shows up in the preview at most this much later.
RECENT_TTL_SECONDS = 60.0

#: Recommendations a likes preview shows at most.
LIKES_PREVIEW_RESULTS = 10

_ANALYZED = AnalyzedPapers()
_recent: dict[tuple[str, int], tuple[float, list[Paper], bool]] = {}
#: id(scanned list) -> (that list, document frequencies, vectors): one weighing per scan.
_weighed: dict[int, tuple[list[Paper], DocumentFrequencies, dict[str, TermVector]]] = {}


def reset_preview_cache() -> None:
    """Forget the cached scan and analyses (a new local stack, tests)."""
    _recent.clear()
    _ANALYZED.clear()
    _weighed.clear()


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
    """One recent paper the previewed queries match, with where they matched."""

    paper: Paper
    queries: tuple[str, ...]
    highlights: Highlights


@dataclass(frozen=True)
class Preview:
    """What the previewed queries would have matched in the last ``days`` days."""

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


def count_preview(config: Settings, source_ip: str) -> None:
    """One preview off the visitor's hourly allowance (each scans up to
    ``PREVIEW_SCAN_LIMIT`` papers); 429 past it."""
    if not RateLimiter(config.subscribers_table).allow_preview(source_ip):
        metrics.add_metric(name="PreviewRateLimited", unit="Count", value=1)
        raise RequestError(429, "rate_limited", "Too many previews from your address; "
                           "please wait a while and try again.")


def preview_for_visitor(config: Settings, queries: list[str], source_ip: str) -> Preview:
    """:func:`preview` for a web visitor: counted against their hourly preview allowance
    (each preview scans up to ``PREVIEW_SCAN_LIMIT`` papers), 429 past it."""
    count_preview(config, source_ip)
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


# -- recommendations for liked papers ---------------------------------------------------
@dataclass(frozen=True)
class LikesPreview:
    """What would be recommended among the recent papers for some liked papers.

    ``liked`` are the papers the profile learnt from; ``not_found`` the ids paperbell
    has no text for yet (after a sign-up they are fetched from arXiv, services/likes)."""

    liked: tuple[PaperText, ...]
    not_found: tuple[str, ...]
    days: int
    scanned: int
    truncated: bool = False
    top_terms: tuple[str, ...] = ()
    recommendations: list[Recommendation] = field(default_factory=list)
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "liked": [{"id": p.id, "title": p.title} for p in self.liked],
            "not_found": list(self.not_found),
            "not_used": list(self.notes),
            "days": self.days,
            "papers_scanned": self.scanned,
            "truncated": self.truncated,
            "top_terms": list(self.top_terms),
            "count": len(self.recommendations),
            "papers": [{**r.paper.as_json(), "url": safe_url(r.paper.url) or "",
                        "score": round(r.score, 4), **r.why.as_json()}
                       for r in self.recommendations],
        }


def _weighing(papers: list[Paper]) -> tuple[DocumentFrequencies, dict[str, TermVector]]:
    """Document frequencies counted from ``papers`` (as the nightly profile rebuild counts
    the recent papers) and each paper's vector, once per scan."""
    from paperbell.recommend import DocumentFrequencies, vectorize

    cached = _weighed.get(id(papers))
    if cached is not None and cached[0] is papers:
        return cached[1], cached[2]
    df = DocumentFrequencies.shipped()
    for paper in papers:
        df.observe_paper(paper.title, paper.abstract)
    vectors = {p.id: vectorize(p.title, p.abstract, df) for p in papers}
    _weighed.clear()  # one scan at a time is all a container keeps
    _weighed[id(papers)] = (papers, df, vectors)
    return df, vectors


def _texts(papers_table: str, recent: list[Paper], wanted: Sequence[PaperText]
           ) -> tuple[list[PaperText], list[str]]:
    """Texts for ``wanted`` (placeholders looked up among the recent papers, then in the
    table); the ids paperbell has no text for."""
    from paperbell.services.recommending import paper_text

    by_id = {p.id: p for p in recent}
    missing = [p.id for p in wanted if p.pending and p.id not in by_id]
    stored = PaperRepository(papers_table).get_many(missing) if missing else {}
    texts, not_found = [], []
    for paper in wanted:
        found = by_id.get(paper.id) or stored.get(paper.id)
        if not paper.pending:
            texts.append(paper)
        elif found is not None:
            texts.append(paper_text(found))
        else:
            not_found.append(paper.id)
    return texts, not_found


def likes_preview(papers_table: str, likes: Sequence[PaperText],
                  dislikes: Sequence[PaperText] = (), *, days: int = PREVIEW_DAYS,
                  now: datetime | None = None, limit: int = LIKES_PREVIEW_RESULTS,
                  notes: Sequence[str] = ()) -> LikesPreview:
    """The recent papers a profile of ``likes`` (minus ``dislikes``) would recommend,
    with the digest's floor and the same explanation ("similar to", shared terms)."""
    from paperbell.recommend import DEFAULT_FLOOR, ProfileError, build_profile
    from paperbell.recommend.ranking import rank_papers

    papers, truncated = _recent_papers(papers_table, days, now)
    liked, not_found = _texts(papers_table, papers, likes)
    disliked, _ = _texts(papers_table, papers, dislikes)
    base = LikesPreview(tuple(liked), tuple(not_found), days, len(papers), truncated,
                        notes=tuple(notes))
    if not liked:
        return base
    df, vectors = _weighing(papers)
    try:
        profile = build_profile("preview", liked, disliked, df=df)
    except ProfileError:
        return base
    ranked = rank_papers(papers, profile, df, top=limit, floor=DEFAULT_FLOOR, vectors=vectors)
    return LikesPreview(tuple(liked), tuple(not_found), days, len(papers), truncated,
                        tuple(profile.top_terms(10)), ranked, tuple(notes))


def likes_preview_for_visitor(config: Settings, fields: Fields, source_ip: str) -> LikesPreview:
    """:func:`likes_preview` of the ``like``/``dislike`` fields a visitor gives (the
    subscribe page's live preview): counted against the hourly preview allowance; no
    arXiv request (papers paperbell lacks are named in ``not_found``)."""
    from paperbell.services.likes import placeholders

    lists = validate_paper_lists(fields)
    if not lists.likes:
        raise RequestError(400, "invalid_like", "Name at least one paper you like.",
                           field="like")
    count_preview(config, source_ip)
    return likes_preview(config.papers_table, placeholders(lists.likes),
                         placeholders(lists.dislikes or ()), notes=lists.notes)
