"""Index use case: keep the S3 match-index snapshot in step with the subscribers table.

Subscriber changes arrive on the subscribers table's stream (batched for up to 20 s):
the function loads the snapshot, removes the changed subscribers' queries, adds back
those of active subscribers, and writes the snapshot once per batch. A new subscription
therefore matches from the next scrape on. A nightly run rebuilds the snapshot from a
scan, which also heals anything a lost update might have left behind. The function's
reserved concurrency of 1 keeps writers from racing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from paperbell.config import Settings, settings
from paperbell.errors import QueryError
from paperbell.matching import MatchIndex
from paperbell.observability import logger
from paperbell.services.matching import build_match_index, index_entries, query_id
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.items import subscriber_from_item
from paperbell.storage.subscribers import SubscriberRepository

_deserialize = TypeDeserializer().deserialize
#: Subscriber-table items that are not subscribers (the API's rate-limit counters).
NON_SUBSCRIBER_PREFIXES = ("ratelimit#",)


def rebuild_snapshot(config: Settings) -> dict[str, Any]:
    """Full rebuild from a scan of active subscribers (nightly, and the first time)."""
    repo = SubscriberRepository(config.subscribers_table)
    index = build_match_index(index_entries(repo.iter_active()))
    data = index.to_snapshot()
    IndexSnapshotStore(config.index_bucket).save(data)
    logger.info("index snapshot rebuilt", extra={"queries": len(index), "bytes": len(data)})
    return {"mode": "rebuild", "queries": len(index), "bytes": len(data)}


def _image(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _deserialize(v) for k, v in (raw or {}).items()}


def apply_changes(records: list[Mapping[str, Any]], config: Settings) -> dict[str, Any]:
    """Apply a batch of subscribers-stream records to the snapshot, then save it once."""
    store = IndexSnapshotStore(config.index_bucket)
    snapshot = store.load()
    if snapshot is None:
        return rebuild_snapshot(config)  # the rebuild already reflects these changes
    index = MatchIndex.from_snapshot(snapshot.data)
    changed = 0
    for record in records:
        data = record.get("dynamodb", {})
        keys = _image(data.get("Keys"))
        subscriber_id = str(keys.get("subscriber_id", ""))
        if not subscriber_id or subscriber_id.startswith(NON_SUBSCRIBER_PREFIXES):
            continue
        old, new = _image(data.get("OldImage")), _image(data.get("NewImage"))
        stale = max(len(old.get("queries") or ()), len(new.get("queries") or ()))
        for position in range(stale):
            index.remove(query_id(subscriber_id, position))
        if record.get("eventName") != "REMOVE" and new:
            subscriber = subscriber_from_item(new)
            if subscriber.status == "active":
                for qid, text in index_entries([subscriber]):
                    try:
                        index.add(qid, text)
                    except QueryError as exc:
                        logger.warning(
                            "stored query rejected", extra={"query_id": qid, "reason": exc.message}
                        )
        changed += 1
    if changed:
        store.save(index.to_snapshot())
    return {"mode": "incremental", "subscribers_changed": changed, "queries": len(index)}


def index_from_event(event: Mapping[str, Any] | None) -> dict[str, Any]:
    """Handler entry: a stream batch applies changes; a scheduled event rebuilds."""
    config = settings()
    records = list((event or {}).get("Records") or [])
    if records:
        return apply_changes(records, config)
    return rebuild_snapshot(config)
