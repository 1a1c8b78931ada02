"""Index use case: keep the S3 match-index snapshot in step with the subscribers table.

Subscriber changes arrive on the subscribers table's stream (batched for up to 20 s):
the function loads the snapshot, removes the changed subscribers' queries, adds back
those of active subscribers, and writes the snapshot once per batch. A new subscription
therefore matches from the next scrape on. A nightly run rebuilds the snapshot from a
scan, which also heals anything a lost update might have left behind. The function's
reserved concurrency of 1 keeps writers from racing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperbell.config import Settings, settings
from paperbell.errors import QueryError
from paperbell.matching import MatchIndex
from paperbell.models import SubscriberChange
from paperbell.observability import logger
from paperbell.services.matching import build_match_index, index_entries, query_id
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.subscribers import SubscriberRepository


def rebuild_snapshot(config: Settings) -> dict[str, Any]:
    """Full rebuild from a scan of active subscribers (nightly, and the first time)."""
    repo = SubscriberRepository(config.subscribers_table)
    index = build_match_index(index_entries(repo.iter_active()))
    data = index.to_snapshot()
    IndexSnapshotStore(config.index_bucket).save(data)
    logger.info("index snapshot rebuilt", extra={"queries": len(index), "bytes": len(data)})
    return {"mode": "rebuild", "queries": len(index), "bytes": len(data)}


def apply_changes(changes: Sequence[SubscriberChange], config: Settings) -> dict[str, Any]:
    """Apply a batch of subscriber changes to the snapshot, then save it once."""
    store = IndexSnapshotStore(config.index_bucket)
    snapshot = store.load()
    if snapshot is None:
        return rebuild_snapshot(config)  # the rebuild already reflects these changes
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
    return {"mode": "incremental", "subscribers_changed": len(changes), "queries": len(index)}


def update_index(
    changes: Sequence[SubscriberChange] | None, config: Settings | None = None
) -> dict[str, Any]:
    """Apply a batch of changes, or rebuild the whole snapshot when there are none to
    apply (``None``: the nightly schedule)."""
    config = config or settings()
    if changes is None:
        return rebuild_snapshot(config)
    return apply_changes(changes, config)
