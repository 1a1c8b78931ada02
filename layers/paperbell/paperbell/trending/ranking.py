"""What "trending" means, in one place (README and docs/api.md say the same).

The candidates are the papers on Hugging Face's daily lists within ``window`` before
the send time (listed at or before it, and after ``now - window``). They are ranked by
their upvotes *at send time* (the snapshot's freshest count), ties broken by comments,
then by recency (the later listing first), then by id so the order is total. A filter
(a query in the query language) narrows the list before it is cut to the top N; ranks
count the papers that pass the filter, so "#3" means third of what this subscriber
asked for today. Papers already sent to the subscriber are left out after ranking
(their rank numbers are not reused), so a paper that trends for a week is sent once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from paperbell.matching.query_parser import Query
from paperbell.trending.snapshot import TrendingEntry

DEFAULT_WINDOW = timedelta(days=2)
WEEKLY_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RankedPaper:
    """A trending paper at its rank, with where the filter matched it."""

    rank: int
    entry: TrendingEntry
    #: Where the filter matched (title/abstract spans); empty without a filter.
    highlights: dict[str, list[tuple[int, int]]] = field(default_factory=dict, compare=False)

    @property
    def paper_id(self) -> str:
        return self.entry.paper.id

    def as_json(self) -> dict[str, object]:
        """The ``paperbell trending --json`` / ``/trending.json`` shape: ``fetch``'s keys
        plus rank, comments and when the paper was listed."""
        return {
            **self.entry.paper.as_json(),
            "rank": self.rank,
            "upvotes": self.entry.upvotes,
            "comments": self.entry.comments,
            "listed_at": self.entry.listed_at.isoformat(),
            "ai_summary": self.entry.paper.extra.get("ai_summary"),
        }


def rank_key(entry: TrendingEntry) -> tuple[int, int, float, str]:
    return (-entry.upvotes, -entry.comments, -entry.listed_at.timestamp(), entry.paper.id)


def rank_trending(
    entries: Iterable[TrendingEntry],
    *,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
    top: int = 10,
    query: Query | None = None,
    exclude: Collection[str] = (),
) -> list[RankedPaper]:
    """The subscriber's trending section: at most ``top`` papers, best first."""
    start = now - window
    candidates = [e for e in entries if start < e.listed_at <= now]
    spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
    if query is not None:
        from paperbell.matching import match_query

        kept = []
        for entry in candidates:
            hit = match_query(query, entry.paper)
            if hit is not None:
                spans[entry.paper.id] = hit.as_dict()
                kept.append(entry)
        candidates = kept
    ranked = [
        RankedPaper(rank, e, spans.get(e.paper.id, {}))
        for rank, e in enumerate(sorted(candidates, key=rank_key), 1)
    ]
    return [r for r in ranked if r.paper_id not in exclude][: max(top, 0)]
