"""Rank a batch of papers for one profile: the CLI, the preview and tests share this.

Why a separate path from :class:`~paperbell.recommend.index.ProfileIndex` scoring: for one
profile and a few hundred papers there is nothing to index; what must be identical is
the arithmetic (the same vectors, floor and explanation), so both go through one index
holding the single profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paperbell.models import Paper

from .index import DEFAULT_FLOOR, Explanation, ProfileIndex
from .profile import Profile
from .terms import DocumentFrequencies, TermVector

__all__ = ["Recommendation", "rank_papers"]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One recommended paper, its score and why it was chosen."""

    paper: Paper
    score: float
    why: Explanation

    def as_json(self) -> dict[str, object]:
        """``paperbell recommend --json``: id, title, score, similar_to, terms."""
        return {
            "id": self.paper.id,
            "title": self.paper.title,
            "score": round(self.score, 4),
            **self.why.as_json(),
        }


def rank_papers(
    papers: Iterable[Paper],
    profile: Profile,
    df: DocumentFrequencies,
    *,
    top: int = 10,
    floor: float = DEFAULT_FLOOR,
    vectors: Mapping[str, TermVector] | None = None,
) -> list[Recommendation]:
    """The ``top`` papers at or above ``floor``, best first; liked/disliked ones left out.

    ``vectors`` (paper id -> vector weighed with ``df``) spares vectorizing papers a
    caller has already vectorized (the web preview keeps them per container)."""
    index = ProfileIndex(df)
    index.add(profile)
    seen = {like.id for like in profile.likes} | set(profile.dislikes)
    out: list[Recommendation] = []
    for paper in papers:
        if paper.id in seen:
            continue
        seen.add(paper.id)
        vec = vectors.get(paper.id) if vectors is not None else None
        if vec is None:
            vec = index.vectorize(paper.title, paper.abstract)
        hits = index.score(vec, floor=floor, paper_id=paper.id, prefilter=0.0)
        if hits:
            why = index.explain(profile.id, vec, title=paper.title, abstract=paper.abstract)
            out.append(Recommendation(paper, hits[0].score, why))
    out.sort(key=lambda r: (-r.score, r.paper.id))
    return out[: max(0, top)]
