"""Trending use cases: keep the shared snapshot fresh, and read it for a subscriber.

Why here and not in the scraper or the mailer: the scraper, the mailer, the pages,
the public feeds and ``paperbell trending`` must agree on what trending means, so they
all go through these few functions (the ranking rule itself is
:mod:`paperbell.trending.ranking`).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from paperbell.config import Settings
from paperbell.errors import PaperbellError
from paperbell.models import Paper, Subscriber
from paperbell.observability import logger
from paperbell.storage.papers import PaperRepository
from paperbell.storage.trending_snapshots import TrendingSnapshotStore, cached_snapshot
from paperbell.trending.ranking import WEEKLY_WINDOW, RankedPaper, rank_trending
from paperbell.trending.snapshot import TrendingSnapshot, is_trending_sighting, merge_sightings

#: Source kinds whose lists carry a popularity signal (Hugging Face upvotes).
POPULAR_KINDS = ("hf", "hf-page")
NO_SIGNAL_REASON = (
    "Trending is not available here: this deployment reads only sources without a "
    "popularity signal ({sources}). Trending needs Hugging Face's daily papers "
    "(add hf:daily to the Sources parameter); keyword alerts work as usual."
)
NOT_YET_REASON = "The trending list is being gathered: the first scrape has not run yet."


def window_for(subscriber: Subscriber | None, config: Settings) -> timedelta:
    """Daily digests look back the configured window; a weekly one, the whole week."""
    daily = timedelta(days=config.trending_window_days)
    if subscriber is not None and subscriber.mode == "weekly":
        return max(daily, WEEKLY_WINDOW)
    return daily


# --------------------------------------------------------------------------- writing


def popular_sources(sources: Iterable[str]) -> list[str]:
    """The configured sources that are Hugging Face lists (by their spec's kind)."""
    from paperbell.sources.specs import parse_source_spec

    found = []
    for source in sources:
        try:
            kind = parse_source_spec(source).kind
        except PaperbellError:
            continue
        if kind in POPULAR_KINDS:
            found.append(source)
    return found


def refresh_sources(config: Settings, now: datetime) -> list[str]:
    """What a popularity re-read reads: every source that brought upvotes before (or is
    a Hugging Face list), and for ``hf:daily`` the dated lists of the window's earlier
    days too, so yesterday's papers get today's upvotes."""
    snapshot = _load(config)
    known = snapshot.sources if snapshot else ()
    chosen = list(dict.fromkeys([*popular_sources(config.sources), *known]))
    days = max(1, math.ceil(config.trending_window_days))
    if "hf:daily" in chosen:
        for back in range(1, days):
            chosen.append(f"hf:date/{(now - timedelta(days=back)).date().isoformat()}")
    return chosen


def update_snapshot(
    config: Settings,
    sightings: Mapping[str, list[Paper]],
    *,
    now: datetime,
    sources_read: Collection[str],
    papers: PaperRepository | None = None,
) -> bool:
    """Merge one scrape's sightings into the snapshot; True when it was written.

    Nothing is written when nothing changed (no new paper, no upvote or comment count
    that moved, nothing aged out). Papers new to the snapshot get the categories other
    feeds (arXiv) stored for them, so a filter like ``category:cs.CV`` works."""
    if not config.index_bucket:
        return False
    store = TrendingSnapshotStore(config.index_bucket)
    loaded = store.load()
    old = loaded[0] if loaded else None
    popular = [p for papers_ in sightings.values() for p in papers_ if is_trending_sighting(p)]
    signal_sources = [s for s, found in sightings.items() if any(map(is_trending_sighting, found))]
    fresh = [p.id for p in popular if old is None or p.id not in old.entries]
    if fresh and papers is not None:
        stored = papers.get_many(fresh)
        popular = [_with_stored_facts(p, stored.get(p.id)) for p in popular]
    elif old is not None:
        popular = [_keep_categories(p, old) for p in popular]
    merged = merge_sightings(old, popular, now=now, sources_read=signal_sources)
    if old is None and not sources_read:
        return False  # nothing was read at all: no opinion about the signal yet
    if merged.same_content(old):
        return False
    store.save(merged)
    logger.info("trending snapshot written", extra={"papers": len(merged.entries)})
    return True


def _with_stored_facts(paper: Paper, stored: Paper | None) -> Paper:
    if stored is None:
        return paper
    categories = tuple(dict.fromkeys((*paper.categories, *stored.categories)))
    return replace(paper, categories=categories, abstract=paper.abstract or stored.abstract)


def _keep_categories(paper: Paper, old: TrendingSnapshot) -> Paper:
    seen = old.entries.get(paper.id)
    if seen is None or not seen.paper.categories:
        return paper
    merged = tuple(dict.fromkeys((*paper.categories, *seen.paper.categories)))
    return replace(paper, categories=merged)


def _load(config: Settings) -> TrendingSnapshot | None:
    if not config.index_bucket:
        return None
    loaded = TrendingSnapshotStore(config.index_bucket).load()
    return loaded[0] if loaded else None


# --------------------------------------------------------------------------- reading


@dataclass
class TrendingView:
    """What a reader (page, feed, API, CLI) shows: the ranked list, or why there is none."""

    available: bool
    papers: list[RankedPaper] = field(default_factory=list)
    reason: str = ""
    updated_at: datetime | None = None
    window: timedelta = timedelta(days=2)

    def as_json(self) -> dict[str, object]:
        return {
            "available": self.available,
            "reason": self.reason or None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "window_hours": int(self.window.total_seconds() // 3600),
            "papers": [p.as_json() for p in self.papers],
        }


def current_snapshot(config: Settings) -> TrendingSnapshot | None:
    """The snapshot as a warm container sees it (ETag-checked every TTL seconds)."""
    return cached_snapshot(config.index_bucket, ttl_seconds=config.match_index_ttl_seconds)


def availability(config: Settings, snapshot: TrendingSnapshot | None) -> tuple[bool, str]:
    """(available, reason): an arXiv-only stack says so instead of mailing nothing."""
    if snapshot is not None and snapshot.has_signal:
        return True, ""
    configured = list(config.sources)
    if snapshot is None and (popular_sources(configured) or not configured):
        return True, NOT_YET_REASON
    shown = ", ".join(configured) or "none"
    return False, NO_SIGNAL_REASON.format(sources=shown)


def trending_view(
    config: Settings,
    *,
    now: datetime,
    top: int = 10,
    filter_text: str = "",
    subscriber: Subscriber | None = None,
    exclude: Collection[str] = (),
    snapshot: TrendingSnapshot | None = None,
) -> TrendingView:
    """The ranked list at ``now`` (raises QueryError for a bad filter)."""
    from paperbell.matching import parse_query

    query = parse_query(filter_text) if filter_text.strip() else None
    snapshot = snapshot if snapshot is not None else current_snapshot(config)
    available, reason = availability(config, snapshot)
    window = window_for(subscriber, config)
    if not available or snapshot is None:
        return TrendingView(available=available, reason=reason, window=window)
    papers = rank_trending(
        snapshot.entries.values(), now=now, window=window, top=top, query=query, exclude=exclude
    )
    return TrendingView(True, papers, reason, snapshot.updated_at, window)


def trending_for(
    config: Settings, subscriber: Subscriber, *, now: datetime, exclude: Collection[str]
) -> TrendingView:
    """A subscriber's trending section at send time (their N, filter, never twice)."""
    from paperbell.errors import QueryError

    try:
        return trending_view(
            config,
            now=now,
            top=subscriber.trending_top,
            filter_text=subscriber.trending_filter,
            subscriber=subscriber,
            exclude=exclude,
        )
    except QueryError:
        logger.warning("stored trending filter rejected", extra={"subscriber_id": subscriber.id})
        return trending_view(
            config, now=now, top=subscriber.trending_top, subscriber=subscriber, exclude=exclude
        )
