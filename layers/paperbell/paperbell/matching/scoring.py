"""How well a paper matched, and how much a reader will want it: the keyword-section score.

Why a score (issue 15): ordering keyword matches by upvotes alone puts a popular paper
that merely mentions a common query word above the paper whose title *is* the query.
The score combines three parts, each in 0..1, with fixed weights (documented in
docs/ranking.md)::

    total = 0.6 * quality + 0.25 * popularity + 0.15 * recency

* **quality** — what matched, read from the hit's highlights: each distinct matched word
  key counts its rarity, ``idf = ln(1 / df)`` with ``df`` the shipped document frequency
  (:mod:`.word_frequencies`; an unknown word counts as rare as the rarest known one), and
  counts double when it is in the title. The sum is divided by :data:`QUALITY_FULL` (two
  rare title words) and capped at 1. A match with no highlight (a filter-only query such
  as ``category:cs.LG``) gets :data:`FILTER_QUALITY`.
* **popularity** — ``log(1 + upvotes) / log(1 + 100)``, capped at 1 (100 upvotes is a
  day's top paper on Hugging Face); no upvote count is 0.
* **recency** — ``0.5 ** (age / 24 h)`` from ``published`` to ``now``: a paper of today
  is near 1, of yesterday 0.5; a paper without a date counts 0 (after every dated one).

:func:`score_match` is the one entry point (the digest builder and ``paperbell match``
call it); :class:`MatchScore` keeps the parts so a reader can see why one paper came
before another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from paperbell.models import Paper

from .matcher import Highlights, QueryHit
from .normalize import word_parts
from .word_frequencies import builtin_df

__all__ = ["WEIGHTS", "MatchScore", "score_match"]

WEIGHTS = {"quality": 0.6, "popularity": 0.25, "recency": 0.15}
TITLE_FACTOR = 2.0
POPULAR_UPVOTES = 100
HALF_LIFE_HOURS = 24.0
FILTER_QUALITY = 0.25
UNKNOWN_RECENCY = 0.0


def _max_idf() -> float:
    df = builtin_df()
    return math.log(1.0 / min(df.values(), default=1.0)) if df else 1.0


#: Two rare words in the title make a perfect match.
QUALITY_FULL = 2 * TITLE_FACTOR


@dataclass(frozen=True, slots=True)
class MatchScore:
    """A score and its parts (see module docstring); ``terms`` are (key, idf, in title)."""

    total: float
    quality: float
    popularity: float
    recency: float
    terms: tuple[tuple[str, float, bool], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """``{"total": .., "parts": {..}, "weights": {..}, "terms": [..]}`` (rounded)."""
        return {
            "total": round(self.total, 4),
            "parts": {
                "quality": round(self.quality, 4),
                "popularity": round(self.popularity, 4),
                "recency": round(self.recency, 4),
            },
            "weights": dict(WEIGHTS),
            "terms": [
                {"word": k, "idf": round(idf, 3), "in_title": t} for k, idf, t in self.terms
            ],
        }


_Hit = QueryHit | Mapping[str, Sequence[Sequence[int]]]


def _spans(hit: _Hit, key: str) -> list[tuple[int, int]]:
    highlights = hit.highlights if isinstance(hit, QueryHit) else hit
    if isinstance(highlights, Highlights):
        return list(getattr(highlights, key))
    return [(int(s[0]), int(s[1])) for s in highlights.get(key, ())]


def _quality(paper: Paper, hit: _Hit) -> tuple[float, tuple[tuple[str, float, bool], ...]]:
    df = builtin_df()
    max_idf = _max_idf() or 1.0
    found: dict[str, tuple[float, bool]] = {}
    for field, text in (("title", paper.title or ""), ("abstract", paper.abstract or "")):
        for start, end in _spans(hit, field):
            for _, key, _, _ in word_parts(text[start:end]):
                d = df.get(key, 0.0)
                idf = math.log(1.0 / d) if d > 0 else max_idf
                prev = found.get(key)
                in_title = field == "title" or (prev is not None and prev[1])
                found[key] = (idf, in_title)
    if not found:
        return FILTER_QUALITY, ()
    raw = sum(idf / max_idf * (TITLE_FACTOR if t else 1.0) for idf, t in found.values())
    terms = tuple(sorted(((k, idf, t) for k, (idf, t) in found.items()), key=lambda x: -x[1]))
    return min(1.0, raw / QUALITY_FULL), terms


def score_match(
    paper: Paper,
    hit: QueryHit | Mapping[str, Sequence[Sequence[int]]],
    now: datetime,
) -> MatchScore:
    """The :class:`MatchScore` of ``paper`` for one hit (a :class:`QueryHit` or its
    highlights mapping, e.g. ``PendingMatch.highlights``), as seen at ``now``."""
    quality, terms = _quality(paper, hit)
    up = paper.upvotes
    popularity = (
        min(1.0, math.log1p(max(up, 0)) / math.log1p(POPULAR_UPVOTES)) if up is not None else 0.0
    )
    published = paper.published
    if published is None:
        recency = UNKNOWN_RECENCY
    else:
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        ref = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        age_h = max(0.0, (ref - published).total_seconds() / 3600)
        recency = 0.5 ** (age_h / HALF_LIFE_HOURS)
    total = (
        WEIGHTS["quality"] * quality
        + WEIGHTS["popularity"] * popularity
        + WEIGHTS["recency"] * recency
    )
    return MatchScore(total, quality, popularity, recency, terms)
