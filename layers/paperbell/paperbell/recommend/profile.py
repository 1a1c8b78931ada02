"""Liked and disliked papers -> one reading profile (Rocchio), with what explains it.

Why Rocchio: it is the classic relevance-feedback rule (the centroid of the liked
papers' vectors minus a fraction of the disliked ones' centroid), it needs no training
run, every weight is a word a person can read, and a vote changes it at once. The
profile keeps only its heaviest ``max_terms`` terms, which bounds both the memory per
subscriber and the work per paper; the :class:`~paperbell.recommend.index.ProfileIndex`
files the profile under these distinctive terms (the presearcher idea of
:mod:`paperbell.matching.presearcher`), or under only its ``indexed_terms`` heaviest.

Each liked paper also keeps its own few heaviest terms, so a recommendation can say
which liked paper it resembles and which words they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from paperbell.errors import PaperbellError

from .terms import (
    DEFAULT_SETTINGS,
    DocumentFrequencies,
    TermVector,
    VectorSettings,
    normalized,
    vectorize,
)

__all__ = [
    "MAX_DISLIKES",
    "MAX_LIKES",
    "LikedPaper",
    "PaperText",
    "Profile",
    "ProfileError",
    "ProfileSettings",
    "build_profile",
    "profile_from_vectors",
]

#: Limits from the issue: up to 50 liked papers (and as many disliked ones).
MAX_LIKES = 50
MAX_DISLIKES = 50


class ProfileError(PaperbellError):
    """A profile cannot be built as asked (no usable liked paper, too many papers)."""


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    """Knobs of :func:`build_profile`, tuned on the evaluation's tuning split."""

    #: Rocchio's gamma: how much the disliked centroid is subtracted.
    dislike_weight: float = 0.5
    #: Terms kept in the profile vector.
    max_terms: int = 32
    #: Terms the profile is indexed under (a paper must share one to be scored). When it
    #: is at least ``max_terms`` every term is indexed and scores need no rescoring; the
    #: benchmark found that faster than indexing fewer terms and rescoring candidates.
    indexed_terms: int = 32
    #: Terms kept per liked paper, for explanations.
    like_terms: int = 8
    vectors: VectorSettings = DEFAULT_SETTINGS


DEFAULT_PROFILE_SETTINGS = ProfileSettings()


@dataclass(frozen=True, slots=True)
class LikedPaper:
    """A liked paper as the profile remembers it: enough to say "similar to ..."."""

    id: str
    title: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    """One subscriber's reading profile: a sparse unit vector plus its explanations."""

    id: str
    vector: TermVector
    likes: tuple[LikedPaper, ...] = ()
    dislikes: tuple[str, ...] = ()
    #: How many terms of ``vector`` (its heaviest positive ones) are indexed.
    indexed: int = field(default=DEFAULT_PROFILE_SETTINGS.indexed_terms)

    def top_terms(self, n: int = 10) -> list[str]:
        """The profile's heaviest positive terms (what the manage page shows)."""
        positive = [kv for kv in self.vector.items() if kv[1] > 0]
        positive.sort(key=lambda kv: (-kv[1], kv[0]))
        return [k for k, _ in positive[:n]]

    def index_terms(self) -> list[str]:
        """The terms this profile is filed under in the index: its ``indexed`` heaviest
        positive terms, or every term (negative ones too) when ``indexed`` covers the
        whole vector, which makes the index's accumulated score the exact cosine."""
        if self.indexed >= len(self.vector):
            return sorted(self.vector, key=lambda k: (-abs(self.vector[k]), k))
        return self.top_terms(self.indexed)


class PaperText(Protocol):
    """What :func:`build_profile` reads of a paper (a :class:`~paperbell.models.Paper`
    fits)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def abstract(self) -> str: ...


def _centroid(vectors: Sequence[TermVector]) -> dict[str, float]:
    total: dict[str, float] = {}
    for vec in vectors:
        for k, w in vec.items():
            total[k] = total.get(k, 0.0) + w
    n = max(1, len(vectors))
    return {k: w / n for k, w in total.items()}


def _heaviest(vec: TermVector, n: int) -> tuple[str, ...]:
    return tuple(k for k, _ in sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def build_profile(
    profile_id: str,
    liked: Sequence[PaperText],
    disliked: Sequence[PaperText] = (),
    *,
    df: DocumentFrequencies,
    settings: ProfileSettings = DEFAULT_PROFILE_SETTINGS,
) -> Profile:
    """Rocchio profile ``mean(liked) - gamma * mean(disliked)``, truncated, unit length.

    Raises :class:`ProfileError` for more than :data:`MAX_LIKES` liked or
    :data:`MAX_DISLIKES` disliked papers, or when no liked paper has any usable word.
    """
    if len(liked) > MAX_LIKES:
        raise ProfileError(f"at most {MAX_LIKES} liked papers, got {len(liked)}")
    if len(disliked) > MAX_DISLIKES:
        raise ProfileError(f"at most {MAX_DISLIKES} disliked papers, got {len(disliked)}")
    vs = settings.vectors
    likes = [(p.id, p.title, vectorize(p.title, p.abstract, df, vs)) for p in liked]
    dislikes = [(p.id, vectorize(p.title, p.abstract, df, vs)) for p in disliked]
    return profile_from_vectors(profile_id, likes, dislikes, settings=settings)


def profile_from_vectors(
    profile_id: str,
    likes: Sequence[tuple[str, str, TermVector]],
    dislikes: Sequence[tuple[str, TermVector]] = (),
    *,
    settings: ProfileSettings = DEFAULT_PROFILE_SETTINGS,
) -> Profile:
    """The Rocchio step of :func:`build_profile` on vectors already computed:
    ``likes`` are (id, title, vector), ``dislikes`` (id, vector)."""
    usable = [(pid, title, v) for pid, title, v in likes if v]
    if not usable:
        raise ProfileError("none of the liked papers has a title or abstract to learn from")
    profile = _centroid([v for _, _, v in usable])
    if dislikes:
        against = _centroid([v for _, v in dislikes])
        gamma = settings.dislike_weight
        for k, w in against.items():
            profile[k] = profile.get(k, 0.0) - gamma * w
    ranked = sorted(profile.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    kept = {k: w for k, w in ranked[: settings.max_terms] if w != 0.0}
    liked_papers = tuple(
        LikedPaper(pid, title, _heaviest(v, settings.like_terms)) for pid, title, v in usable
    )
    return Profile(
        id=profile_id,
        vector=normalized(kept),
        likes=liked_papers,
        dislikes=tuple(pid for pid, _ in dislikes),
        indexed=settings.indexed_terms,
    )
