"""Recommendation use cases: profiles in the index snapshot, candidates from new papers.

* **Profiles** are built from what the subscriber item holds (their liked and disliked
  papers' titles and abstracts), so a nightly rebuild needs neither the papers table
  (whose papers expire) nor arXiv. They live in a second object beside the match-index
  snapshot (``match-index/profiles.bin``), written by the same index function from
  the same subscribers stream, and carry the document frequencies they were weighed
  with. A rebuild also counts the recent papers into those frequencies, so words that
  flood the feeds stop looking distinctive.
* **Candidates**: the match function scores each new paper against the profile index
  and records a candidate recommendation per (subscriber, paper) only when it passes
  the floor; the digest keeps the top N (services/digests.py).
* **Votes** ("more/less like this" from the mail) are in :mod:`.votes`.
* **Resolving likes**: ids from a subscribers file, the API or a vote are turned into
  :class:`~paperbell.models.PaperText` from the papers paperbell has, else from the
  arXiv export API (politely, :mod:`paperbell.recommend.lookup`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from paperbell.models import Paper, PaperText, PendingRecommendation, Subscriber
from paperbell.observability import logger
from paperbell.recommend import (
    DEFAULT_FLOOR,
    DocumentFrequencies,
    Profile,
    ProfileError,
    ProfileIndex,
    build_profile,
)
from paperbell.scheduling import next_slot_for
from paperbell.storage.index_snapshots import IndexSnapshotStore

__all__ = [
    "ABSTRACT_CHARS",
    "PROFILE_SNAPSHOT_KEY",
    "RECOMMEND_TOP",
    "build_profile_index",
    "paper_text",
    "profile_of",
    "profile_store",
    "recommend",
    "record_recommendations",
    "update_profiles",
]

PROFILE_SNAPSHOT_KEY = "match-index/profiles.bin"
#: Papers in a digest's "Recommended for you" section.
RECOMMEND_TOP = 5
#: A liked paper's abstract is kept up to this length (a profile needs its words, not
#: every one of them; it bounds the subscriber item at 50 likes to ~100 KB).
ABSTRACT_CHARS = 2000


def paper_text(paper: Paper) -> PaperText:
    """What a profile keeps of a liked paper."""
    return PaperText(paper.id, paper.title, paper.abstract[:ABSTRACT_CHARS])


def profile_store(bucket: str) -> IndexSnapshotStore:
    return IndexSnapshotStore(bucket, key=PROFILE_SNAPSHOT_KEY)


def profile_of(subscriber: Subscriber, df: DocumentFrequencies) -> Profile | None:
    """The subscriber's profile, or None (no likes, inactive, or nothing to learn from)."""
    if subscriber.status != "active" or not subscriber.likes:
        return None
    try:
        return build_profile(subscriber.id, subscriber.likes, subscriber.dislikes, df=df)
    except ProfileError as exc:
        logger.warning("profile not built", extra={"subscriber_id": subscriber.id,
                                                   "reason": str(exc)})
        return None


def build_profile_index(
    subscribers: Iterable[Subscriber], recent_papers: Iterable[Paper] = ()
) -> ProfileIndex:
    """Every active subscriber's profile, weighed with the shipped document frequencies
    updated from ``recent_papers``."""
    df = DocumentFrequencies.shipped()
    for paper in recent_papers:
        df.observe_paper(paper.title, paper.abstract)
    index = ProfileIndex(df)
    for subscriber in subscribers:
        profile = profile_of(subscriber, df)
        if profile is not None:
            index.add(profile)
    index.compact()
    return index


def update_profiles(index: ProfileIndex, changed: Mapping[str, Subscriber | None]) -> int:
    """Apply subscriber changes (None: removed) to ``index``; the number changed."""
    count = 0
    for subscriber_id, subscriber in changed.items():
        index.remove(subscriber_id)
        profile = profile_of(subscriber, index.df) if subscriber is not None else None
        if profile is not None:
            index.add(profile)
        count += 1
    return count


def recommend(
    paper: Paper, index: ProfileIndex, *, floor: float = DEFAULT_FLOOR
) -> list[PendingRecommendation]:
    """Every profile ``paper`` passes the floor for, best first, each with its reason."""
    vec = index.vectorize(paper.title, paper.abstract)
    out = []
    for hit in index.score(vec, floor=floor, paper_id=paper.id):
        why = index.explain(hit.profile_id, vec, title=paper.title, abstract=paper.abstract)
        out.append(PendingRecommendation(
            subscriber_id=hit.profile_id,
            paper_id=paper.id,
            score=hit.score,
            similar_to_id=why.similar_to.id if why.similar_to else "",
            similar_to_title=why.similar_to.title if why.similar_to else "",
            terms=why.terms,
            keys=why.keys,
        ))
    return out


def record_recommendations(
    paper: Paper,
    index: ProfileIndex | None,
    subscribers_for: Callable[[list[str]], dict[str, Subscriber]],
    *,
    now: datetime,
    correlation_id: str = "",
    batch: dict[str, list[PendingRecommendation]],
) -> int:
    """Find a candidate per subscriber whose floor the paper passes and keep it in
    ``batch`` under their next slot: the matcher writes a stream batch's candidates as
    one item per subscriber, as it does matches (PaperMatcher.flush). Instant-mode
    subscribers get none (recommendations are a digest section). Returns the number of
    candidates found."""
    if index is None or not len(index):
        return 0
    candidates = recommend(paper, index)
    if not candidates:
        return 0
    subscribers = subscribers_for([c.subscriber_id for c in candidates])
    found = 0
    for rec in candidates:
        subscriber = subscribers.get(rec.subscriber_id)
        if subscriber is None or subscriber.status != "active" or subscriber.mode == "instant":
            continue
        slot = next_slot_for(subscriber, now)  # weekly subscribers: their weekday
        batch.setdefault(slot, []).append(replace(rec, correlation_id=correlation_id))
        found += 1
    return found


@dataclass
class CachedProfiles:
    """The container's profile index, the ETag it was loaded from and when it was last
    checked (at most every ``ttl_seconds``)."""

    index: ProfileIndex
    etag: str | None
    checked_at: float = field(default_factory=time.monotonic)


_cache: dict[str, CachedProfiles] = {}


def current_profiles(bucket: str, ttl_seconds: float) -> ProfileIndex | None:
    """The container's profile index from S3 (re-read only when its ETag changed,
    checked at most every ``ttl_seconds``); None when no snapshot exists yet."""
    if not bucket:
        return None
    cached = _cache.get(bucket)
    now = time.monotonic()
    if cached and now - cached.checked_at < ttl_seconds:
        return cached.index
    store = profile_store(bucket)
    etag = store.etag()
    if etag is None:
        _cache.pop(bucket, None)
        return None
    if cached and cached.etag == etag:
        cached.checked_at = now
        return cached.index
    snapshot = store.load()
    if snapshot is None:
        return None
    fresh = CachedProfiles(ProfileIndex.from_snapshot(snapshot.data), snapshot.etag)
    _cache[bucket] = fresh
    return fresh.index


def reset_profile_cache() -> None:
    _cache.clear()


def resolve_paper_texts(
    refs_text: Sequence[str], known: Mapping[str, Paper], *, fetch: bool
) -> tuple[list[PaperText], list[str]]:
    """Ids/URLs/BibTeX -> paper texts (known papers first, then arXiv), and problems."""
    from paperbell.recommend.lookup import references, resolve_papers

    refs, problems = references(refs_text, known)
    fetcher = None
    if fetch:
        from paperbell.sources.fetcher import HttpFetcher

        fetcher = HttpFetcher()
    try:
        resolved = resolve_papers(refs, known, fetcher)
    finally:
        if fetcher is not None:
            fetcher.close()
    return [paper_text(p) for p in resolved.papers], problems + resolved.problems
