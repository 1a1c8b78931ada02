"""The trending snapshot in S3 (the IndexBucket): written by the scraper, read by many.

Why an S3 object next to the match index: every trending digest needs the same list,
so a mail container reads it once and afterwards only asks S3 "has it changed?" (a
HEAD, at most every ``ttl`` seconds) - the cost of trending does not grow with the
number of subscribers times papers, only with containers and minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.trending.snapshot import TrendingSnapshot

TRENDING_KEY = "trending/snapshot.json"


class TrendingSnapshotStore:
    def __init__(self, bucket: str, key: str = TRENDING_KEY):
        self._objects = IndexSnapshotStore(bucket, key)

    def etag(self) -> str | None:
        return self._objects.etag()

    def load(self) -> tuple[TrendingSnapshot, str] | None:
        stored = self._objects.load()
        if stored is None:
            return None
        return TrendingSnapshot.decode(stored.data), stored.etag

    def save(self, snapshot: TrendingSnapshot) -> str:
        return self._objects.save(snapshot.encode(), content_type="application/json")


@dataclass
class _Cached:
    """The container's copy of the trending snapshot and when its ETag was last checked."""

    snapshot: TrendingSnapshot | None
    etag: str | None
    checked_at: float


_cache: dict[str, _Cached] = {}


def cached_snapshot(bucket: str, *, ttl_seconds: float = 60.0) -> TrendingSnapshot | None:
    """The snapshot, read once per container and re-read only when its ETag changed."""
    if not bucket:
        return None
    store = TrendingSnapshotStore(bucket)
    cached = _cache.get(bucket)
    now = time.monotonic()
    if cached is not None and now - cached.checked_at < ttl_seconds:
        return cached.snapshot
    if cached is not None and cached.snapshot is not None:
        etag = store.etag()
        if etag == cached.etag:
            cached.checked_at = now
            return cached.snapshot
    loaded = store.load()
    snapshot, etag = loaded if loaded else (None, None)
    _cache[bucket] = _Cached(snapshot, etag, now)
    return snapshot


def forget_cached_snapshots() -> None:
    """Drop the per-container cache (tests, and local runs that reset the stack)."""
    _cache.clear()
