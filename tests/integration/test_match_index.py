"""The S3 match-index snapshot follows subscriber changes; the matcher never scans."""

from __future__ import annotations

from dataclasses import replace

from paperbell import aws
from paperbell.matching import MatchIndex
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.subscribers import SubscriberRepository
from paperbell_dev.local.api_calls import ApiCallCounter


def _snapshot_queries(pipeline) -> dict[str, str]:
    store = IndexSnapshotStore(pipeline.stack.physical["IndexBucket"]["Ref"])
    snapshot = store.load()
    assert snapshot is not None
    return dict(MatchIndex.from_snapshot(snapshot.data).items())


def _pending(pipeline, subscriber) -> list[str]:
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    return sorted(m.paper_id for m in repo.pending_matches(subscriber.id))


def test_snapshot_follows_new_changed_paused_and_deleted_subscribers(pipeline):
    ada = new_subscriber("ada@example.org", ["RoPE"])
    bob = new_subscriber("bob@example.org", ["lottery tickets"])
    pipeline.add_subscribers([ada, bob])
    pipeline.match()
    assert _snapshot_queries(pipeline) == {f"{ada.id}#0": "RoPE", f"{bob.id}#0": "lottery tickets"}

    repo = SubscriberRepository(pipeline.table_name("SubscribersTable"))
    repo.put(replace(ada, queries=("collaborative filtering", "coupled adam")))
    repo.put(replace(bob, status="paused"))
    carol = new_subscriber("carol@example.org", ["agentic search"])
    pipeline.add_subscribers([carol])
    pipeline.match()
    assert _snapshot_queries(pipeline) == {
        f"{ada.id}#0": "collaborative filtering",
        f"{ada.id}#1": "coupled adam",
        f"{carol.id}#0": "agentic search",
    }

    pipeline.scrape(["bundled:arxiv-cs.LG", "bundled:hf-daily"])
    pipeline.match()
    assert _pending(pipeline, ada) == ["2306.05292", "2502.08441"]  # not RoPE any more
    assert _pending(pipeline, bob) == []  # paused
    assert _pending(pipeline, carol) == ["2605.05242"]  # joined after the first snapshot

    repo.delete(carol.id)
    pipeline.match()
    assert f"{carol.id}#0" not in _snapshot_queries(pipeline)


def test_the_matcher_reads_the_snapshot_not_the_subscribers_table(pipeline, demo_subscribers):
    pipeline.add_subscribers(demo_subscribers)
    pipeline.match()  # the index function writes the first snapshot
    pipeline.scrape()
    with ApiCallCounter() as calls:
        pipeline.match()

    assert pipeline.pending_match_count() > 0
    assert calls.count("dynamodb", "Scan") == 0, sorted(calls.calls.items())
    assert calls.count("s3", "GetObject") == 1
    # Only the subscribers the papers matched are read, in batches; the due-marker
    # checks are batched too (no read per subscriber), and the batch's match items and
    # markers are written 25 per call (no put per subscriber or per match).
    due = [s for s in demo_subscribers if _pending(pipeline, s)]
    assert len(due) > 1
    assert calls.count("dynamodb", "GetItem") == calls.count("dynamodb", "PutItem") == 0
    assert calls.count("dynamodb", "BatchGetItem") >= 2  # subscribers (as met), markers
    assert calls.count("dynamodb", "BatchWriteItem") == 2  # markers, then items
    # One match-index snapshot (the scraper's trending snapshot lives beside it).
    assert aws.client("s3").list_objects_v2(
        Bucket=pipeline.stack.physical["IndexBucket"]["Ref"], Prefix="match-index/"
    )["KeyCount"] == 1
