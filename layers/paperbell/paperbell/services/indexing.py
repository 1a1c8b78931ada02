"""Index use case: keep the S3 match-index snapshot in step with the subscribers table.

Subscriber changes arrive on the subscribers table's stream (batched for up to 20 s):
the function loads the snapshot, removes the changed subscribers' queries, adds back
those of active subscribers, and writes the snapshot once per batch. A new subscription
therefore matches from the next scrape on. A nightly run rebuilds the snapshot from a
scan, which also heals anything a lost update might have left behind. The function's
reserved concurrency of 1 keeps writers from racing.

The recommendation profiles (issue 14) ride on the same stream and the same function:
a second snapshot (services/recommending.py) is rebuilt nightly, with document
frequencies counted from the last week's papers, and updated only for the changed
subscribers that have (or had) liked or disliked papers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from paperbell import clock
from paperbell.config import Settings, settings
from paperbell.errors import QueryError
from paperbell.matching import MatchIndex
from paperbell.models import Subscriber
from paperbell.observability import logger
from paperbell.recommend import ProfileIndex
from paperbell.services.matching import build_match_index, index_entries, query_id
from paperbell.services.recommending import build_profile_index, profile_store, update_profiles
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.items import subscriber_from_item
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository

_deserialize = TypeDeserializer().deserialize
#: Subscriber-table items that are not subscribers (the API's rate-limit counters).
NON_SUBSCRIBER_PREFIXES = ("ratelimit#",)
#: The papers whose words the profiles' document frequencies are counted from.
DF_WINDOW = timedelta(days=7)
DF_SCAN_LIMIT = 20_000


def rebuild_snapshot(config: Settings) -> dict[str, Any]:
    """Full rebuild from a scan of active subscribers (nightly, and the first time)."""
    repo = SubscriberRepository(config.subscribers_table)
    subscribers = list(repo.iter_active())
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


def _apply_profile_changes(config: Settings, changed: dict[str, Subscriber | None]) -> None:
    """Update the profiles of subscribers whose likes matter, saving the snapshot once."""
    if not changed:
        return
    store = profile_store(config.index_bucket)
    snapshot = store.load()
    if snapshot is None:
        rebuild_profiles(config, list(SubscriberRepository(config.subscribers_table)
                                      .iter_active()))
        return
    profiles = ProfileIndex.from_snapshot(snapshot.data)
    update_profiles(profiles, changed)
    store.save(profiles.to_snapshot())


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
    liking: dict[str, Subscriber | None] = {}
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
        if old.get("likes") or old.get("dislikes") or new.get("likes") or new.get("dislikes"):
            liking[subscriber_id] = (
                subscriber_from_item(new) if record.get("eventName") != "REMOVE" and new else None
            )
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
    _apply_profile_changes(config, liking)
    return {"mode": "incremental", "subscribers_changed": changed, "queries": len(index),
            "profiles_changed": len(liking)}


def index_from_event(event: Mapping[str, Any] | None) -> dict[str, Any]:
    """Handler entry: a stream batch applies changes; a scheduled event rebuilds."""
    config = settings()
    records = list((event or {}).get("Records") or [])
    if records:
        return apply_changes(records, config)
    return rebuild_snapshot(config)
