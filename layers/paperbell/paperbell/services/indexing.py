"""Index use case: keep the S3 match-index snapshot in step with the subscribers table.

Subscriber changes arrive on the subscribers table's stream (batched for up to 5
minutes, because each run rewrites the whole snapshot):
the function loads the snapshot, removes the changed subscribers' queries, adds back
those of active subscribers, and writes the snapshot once per batch. A new subscription
therefore matches from the next scrape on. A nightly run rebuilds the snapshot from a
scan, which also heals anything a lost update might have left behind. The function's
reserved concurrency of 1 keeps writers from racing.

The recommendation profiles (issue 14) ride on the same stream and the same function:
a second snapshot (services/recommending.py) is rebuilt nightly, with document
frequencies counted from the last week's papers, and updated only for the changed
subscribers that have (or had) liked or disliked papers. Liked papers named by id
only (placeholders) are read here first, from the papers table or the arXiv export API
(services/likes.py: this function runs one container at a time, which keeps arXiv's
"one request at a time, 3 s apart" for the whole stack).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from paperbell import clock
from paperbell.config import Settings, settings
from paperbell.errors import QueryError
from paperbell.matching import MatchIndex
from paperbell.models import Subscriber, SubscriberChange
from paperbell.observability import logger
from paperbell.recommend import ProfileIndex
from paperbell.services import likes
from paperbell.services.matching import build_match_index, index_entries, query_id
from paperbell.services.recommending import build_profile_index, profile_store, update_profiles
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository

#: The papers whose words the profiles' document frequencies are counted from.
DF_WINDOW = timedelta(days=7)
DF_SCAN_LIMIT = 20_000


def rebuild_snapshot(config: Settings) -> dict[str, Any]:
    """Full rebuild from a scan of active subscribers (nightly, and the first time)."""
    repo = SubscriberRepository(config.subscribers_table)
    subscribers = list(repo.iter_active())
    resolved = likes.resolve_subscribers(config, subscribers)  # heals what runs left over
    subscribers = [resolved.get(s.id, s) for s in subscribers]
    index = build_match_index(index_entries(subscribers))
    data = index.to_snapshot()
    IndexSnapshotStore(config.index_bucket).save(data)
    profiles = rebuild_profiles(config, subscribers)
    logger.info("index snapshot rebuilt", extra={"queries": len(index), "bytes": len(data),
                                                 "profiles": profiles})
    return {"mode": "rebuild", "queries": len(index), "bytes": len(data), "profiles": profiles}


def rebuild_profiles(config: Settings, subscribers: list[Subscriber]) -> int:
    """Write the recommendation profiles' snapshot from scratch; the profile count."""
    recent, _ = PaperRepository(config.papers_table).recent(
        clock.now() - DF_WINDOW, scan_limit=DF_SCAN_LIMIT
    )
    profiles = build_profile_index(subscribers, recent)
    store = profile_store(config.index_bucket)
    # No one likes anything yet: no object at all (the matcher then skips the section
    # with one HEAD); once written, the snapshot is always replaced, empty or not.
    if len(profiles) or store.etag() is not None:
        store.save(profiles.to_snapshot())
    return len(profiles)


def _liking(subscriber: Subscriber | None) -> bool:
    return subscriber is not None and bool(subscriber.likes or subscriber.dislikes)


def _apply_profile_changes(config: Settings, changes: Sequence[SubscriberChange]) -> int:
    """Update the profiles of changed subscribers who like papers (or had a profile),
    saving the profile snapshot once; the number of profiles changed."""
    store = profile_store(config.index_bucket)
    liking = any(_liking(c.subscriber) for c in changes)
    if not liking and store.etag() is None:
        return 0  # nobody likes anything: no profile snapshot to keep current
    snapshot = store.load()
    if snapshot is None:
        return rebuild_profiles(config, list(SubscriberRepository(config.subscribers_table)
                                             .iter_active()))
    profiles = ProfileIndex.from_snapshot(snapshot.data)
    relevant = {c.subscriber_id: c.subscriber for c in changes
                if _liking(c.subscriber) or c.subscriber_id in profiles}
    if relevant:
        update_profiles(profiles, relevant)
        store.save(profiles.to_snapshot())
    return len(relevant)


def apply_changes(changes: Sequence[SubscriberChange], config: Settings) -> dict[str, Any]:
    """Apply a batch of subscriber changes to the snapshot, then save it once."""
    store = IndexSnapshotStore(config.index_bucket)
    snapshot = store.load()
    if snapshot is None:
        return rebuild_snapshot(config)  # the rebuild already reflects these changes
    changes = likes.resolve_changes(config, changes)
    index = MatchIndex.from_snapshot(snapshot.data)
    for change in changes:
        for position in range(change.stale_queries):
            index.remove(query_id(change.subscriber_id, position))
        if change.subscriber is not None and change.subscriber.status == "active":
            for qid, text in index_entries([change.subscriber]):
                try:
                    index.add(qid, text)
                except QueryError as exc:
                    logger.warning(
                        "stored query rejected", extra={"query_id": qid, "reason": exc.message}
                    )
    if changes:
        store.save(index.to_snapshot())
    profiles = _apply_profile_changes(config, changes)
    return {"mode": "incremental", "subscribers_changed": len(changes), "queries": len(index),
            "profiles_changed": profiles}


def update_index(
    changes: Sequence[SubscriberChange] | None, config: Settings | None = None
) -> dict[str, Any]:
    """Apply a batch of changes, or rebuild the whole snapshot when there are none to
    apply (``None``: the nightly schedule)."""
    config = config or settings()
    if changes is None:
        return rebuild_snapshot(config)
    return apply_changes(changes, config)
