"""The delivery state's rules (issue 15's cost work): a digest consumes its matches and
candidates in its one ledger item instead of a write per match, and a subscriber is due
through one marker per slot (one write unit) instead of an index entry per match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paperbell import aws
from paperbell.models import PendingMatch, PendingRecommendation
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage import deliveries as deliveries_module
from paperbell.storage.deliveries import (
    BATCH_PREFIX,
    MARKER_PREFIX,
    PENDING_RETENTION,
    REC_BATCH_PREFIX,
    DeliveryRepository,
    LedgerEntry,
)
from paperbell.storage.subscribers import SubscriberRepository

SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)
SLOT = "2026-11-27T08"


def _partition(pipeline, subscriber_id: str) -> dict[str, dict]:
    table = aws.table(pipeline.table_name("DeliveriesTable"))
    return {str(i["sk"]): i for i in table.scan()["Items"] if i["subscriber_id"] == subscriber_id}


def _index_entries(pipeline, slot: str) -> list[dict]:
    table = aws.table(pipeline.table_name("DeliveriesTable"))
    return table.query(IndexName="by-due-slot", KeyConditionExpression="due_slot = :s",
                       ExpressionAttributeValues={":s": slot})["Items"]


def _match(subscriber_id: str, paper_id: str) -> PendingMatch:
    return PendingMatch(subscriber_id=subscriber_id, paper_id=paper_id, queries=("q",))


def test_a_digest_consumes_its_matches_in_its_ledger_item_and_marks_none(pipeline, tick_day):
    ada = new_subscriber("ada@example.org", ["RoPE", "Adam"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    batches = {k: i for k, i in _partition(pipeline, ada.id).items()
               if k.startswith(BATCH_PREFIX)}
    # One stream batch: one item for all of ada's matches (one write, not one per paper).
    assert len(batches) == 1 and not any(k.startswith("match#") for k in
                                         _partition(pipeline, ada.id))
    (batch_item,) = batches.values()
    matched = set(batch_item["papers"])
    assert len(matched) > 1

    tick_day(SCRAPED_AT)

    items = _partition(pipeline, ada.id)
    assert len(pipeline.sent_mails()) == 1
    ledger = items["digest#2026-11-27"]
    # The one write: the papers it held, plus those it read and did not show (none here).
    assert set(ledger["paper_ids"]) | set(ledger.get("matches", ())) == matched
    # No mark on the batch item, and no index entry.
    assert items == {**items, **batches} and "due_slot" not in batch_item
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    assert repo.pending_matches(ada.id) == []
    # A redelivered stream batch of consumed papers (regrouped: another item) records
    # nothing pending ...
    repo.record_batch({"2026-11-28T08": [_match(ada.id, p) for p in sorted(matched)[1:]]},
                      expires_at=0)
    assert repo.pending_matches(ada.id) == []
    # ... and the next day sends nothing again.
    tick_day(SCRAPED_AT + timedelta(days=1))
    assert len(pipeline.sent_mails()) == 1


def test_a_stream_batch_is_one_item_per_subscriber_and_slot_and_rewrites_itself(
        pipeline, frozen):
    table = pipeline.table_name("DeliveriesTable")
    repo = DeliveryRepository(table)
    batch = {SLOT: [_match("sub_a", "2411.00001"), _match("sub_a", "2411.00002"),
                    _match("sub_b", "2411.00001")],
             "2026-11-27T09": [_match("sub_c", "2411.00002")]}
    assert repo.record_batch(batch, expires_at=0) == 4
    a_items = [k for k in _partition(pipeline, "sub_a") if k.startswith(BATCH_PREFIX)]
    assert len(a_items) == 1
    assert sorted(_partition(pipeline, MARKER_PREFIX + SLOT)) == ["sub_a", "sub_b"]
    assert sorted(_partition(pipeline, MARKER_PREFIX + "2026-11-27T09")) == ["sub_c"]
    assert [m.paper_id for m in repo.pending_matches("sub_a")] == ["2411.00001", "2411.00002"]
    assert repo.pending_matches("sub_a")[0].queries == ("q",)
    # The same batch again (a redelivery) rewrites the same items: nothing doubles.
    DeliveryRepository(table).record_batch(batch, expires_at=0)
    assert [k for k in _partition(pipeline, "sub_a") if k.startswith(BATCH_PREFIX)] == a_items
    # A bisected retry lists one paper again in another item: still one pending match.
    DeliveryRepository(table).record_batch({SLOT: [_match("sub_a", "2411.00002")]},
                                           expires_at=0)
    assert [m.paper_id for m in repo.pending_matches("sub_a")] == ["2411.00001", "2411.00002"]
    # A digest that consumed both consumes them in every item that lists them.
    repo.record_ledger(LedgerEntry("sub_a", "digest#2026-11-27", "sent", "m-1",
                                   ("2411.00001", "2411.00002")), expires_at=0)
    assert repo.pending_matches("sub_a") == []
    assert [m.paper_id for m in repo.pending_matches("sub_b")] == ["2411.00001"]


def test_a_huge_batch_is_split_into_items_under_the_size_limit(pipeline, frozen, monkeypatch):
    monkeypatch.setattr(deliveries_module, "BATCH_PAPERS_MAX", 2)
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    ids = [f"2411.0000{n}" for n in range(5)]
    assert repo.record_batch({SLOT: [_match("sub_a", p) for p in ids]}, expires_at=0) == 5
    items = [i for k, i in _partition(pipeline, "sub_a").items() if k.startswith(BATCH_PREFIX)]
    assert sorted(len(i["papers"]) for i in items) == [1, 2, 2]
    assert sorted(m.paper_id for m in repo.pending_matches("sub_a")) == ids


def test_one_due_marker_per_subscriber_and_slot_however_many_matches(pipeline, frozen):
    table = pipeline.table_name("DeliveriesTable")
    batch = DeliveryRepository(table)
    for paper_id in ("2411.00001", "2411.00002", "2411.00003"):
        assert batch.record_match(_match("sub_a", paper_id), due_slot=SLOT,
                                  expires_at=0) == "new"
    assert batch.record_match(_match("sub_b", "2411.00001"), due_slot=SLOT,
                              expires_at=0) == "new"
    # A later stream batch (a new repository) finds the marker and writes none.
    later = DeliveryRepository(table)
    assert later.record_match(_match("sub_a", "2411.00004"), due_slot=SLOT,
                              expires_at=0) == "new"

    # One marker item per subscriber in the slot's partition, no index entry at all.
    assert sorted(_partition(pipeline, MARKER_PREFIX + SLOT)) == ["sub_a", "sub_b"]
    assert _index_entries(pipeline, SLOT) == []
    assert not any("due_slot" in i for i in _partition(pipeline, "sub_a").values())
    assert sorted(batch.subscribers_due(SLOT)) == ["sub_a", "sub_b"]
    # Deleting a subscriber's data removes their markers too.
    assert batch.delete_subscriber("sub_b") == 1
    assert sorted(_partition(pipeline, MARKER_PREFIX + SLOT)) == ["sub_a"]
    assert len(batch.pending_matches("sub_a")) == 4


def test_matches_live_shorter_than_papers_and_an_expired_one_is_not_pending(pipeline, frozen):
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    paper_expiry = int((SCRAPED_AT + timedelta(days=30)).timestamp())
    repo.record_match(_match("sub_a", "2411.00001"), due_slot=SLOT, expires_at=paper_expiry)
    item = _partition(pipeline, "sub_a")["match#2411.00001"]
    assert int(item["expires_at"]) == int((SCRAPED_AT + PENDING_RETENTION).timestamp())

    # Past its expiry, before TTL got to it (TTL deletes late): no longer pending, so
    # the ledger never needs to remember it longer than PENDING_RETENTION.
    frozen[0] = SCRAPED_AT + PENDING_RETENTION + timedelta(seconds=1)
    assert repo.pending_matches("sub_a") == []


def test_ids_past_the_inline_cap_go_into_continuation_items(pipeline, frozen, monkeypatch):
    monkeypatch.setattr(deliveries_module, "CONSUMED_INLINE_MAX", 1)
    monkeypatch.setattr(deliveries_module, "BATCH_PAPERS_MAX", 2)
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    ids = ("2411.00001", "2411.00002", "2411.00003", "2411.00004", "2411.00005")
    repo.record_match(_match("sub_a", ids[0]), due_slot=SLOT, expires_at=0)
    repo.record_batch({SLOT: [_match("sub_a", p) for p in ids[1:]]}, expires_at=0)
    # A digest that showed the first paper and read the next three (e.g. "and N more");
    # the fifth arrived after it read the partition.
    repo.record_ledger(LedgerEntry("sub_a", "digest#2026-11-27", "sent", "m-1", ids[:1],
                                   matches=ids[:4]), expires_at=0)

    items = _partition(pipeline, "sub_a")
    ledger = items["digest#2026-11-27"]
    assert ledger["paper_ids"] == [ids[0]] and ledger["matches"] == [ids[1]]  # not repeated
    assert items["~more#digest#2026-11-27#1"]["matches"] == [ids[2]]  # past the cap
    assert items["~more#digest#2026-11-27#2"]["matches"] == [ids[3]]
    assert not any("delivered" in i for i in items.values())  # nothing is marked
    # Consumed are exactly the four read, also where they share an item with the fifth.
    assert [m.paper_id for m in repo.pending_matches("sub_a")] == [ids[4]]


def test_a_skipped_digest_consumes_what_it_read_and_a_new_match_stays(pipeline, tick_day):
    ada = new_subscriber("ada@example.org", ["RoPE"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    SubscriberRepository(pipeline.table_name("SubscribersTable")).set_status(ada.id, "paused")

    tick_day(SCRAPED_AT)

    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    entry = repo.ledger_entry(ada.id, "digest#2026-11-27")
    assert entry is not None and entry.status == "skipped-inactive" and entry.matches
    assert pipeline.sent_mails() == [] and repo.pending_matches(ada.id) == []
    # A match recorded after that ledger item is pending: consumption is by name.
    repo.record_match(_match(ada.id, "2411.99999"), due_slot="2026-11-28T08", expires_at=0)
    assert [m.paper_id for m in repo.pending_matches(ada.id)] == ["2411.99999"]


def test_a_job_parked_in_the_dead_letter_queue_keeps_its_matches_for_a_redrive(
    pipeline, frozen, tick_day, no_sdk_sleep
):
    """Matches live PENDING_RETENTION (10 days); the last attempt before the DLQ keeps
    what it read PARKED_RETENTION longer, so a redrive after a week still mails them."""
    from paperbell_dev.local.faults import FaultInjector, ses_throttling
    from paperbell_dev.ops_cli import redrive

    ada = new_subscriber("ada@example.org", ["RoPE"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    with FaultInjector(ses_throttling(times=10_000)):
        tick_day(SCRAPED_AT)
    dead = pipeline.stack.physical["DigestDeadLetterQueue"]["Ref"]
    parked = aws.client("sqs").get_queue_attributes(
        QueueUrl=dead, AttributeNames=["ApproximateNumberOfMessages"])
    assert parked["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert pipeline.sent_mails() == []
    matches = [i for k, i in _partition(pipeline, ada.id).items()
               if k.startswith(BATCH_PREFIX)]
    last_attempt = SCRAPED_AT.replace(hour=8, minute=0)  # the 08:00 tick's five receives
    kept_until = int((last_attempt + deliveries_module.PARKED_RETENTION).timestamp())
    assert matches and all(int(i["expires_at"]) == kept_until for i in matches)

    frozen[0] += PENDING_RETENTION + timedelta(days=2)  # the operator redrives 12 days on
    assert redrive(dead, pipeline.digest_queue.queue_url, 10) == 1
    pipeline.mail()
    assert len(pipeline.sent_mails()) == 1
    assert DeliveryRepository(pipeline.table_name("DeliveriesTable")).pending_matches(ada.id) == []


def _candidate(subscriber_id: str, paper_id: str, score: float) -> PendingRecommendation:
    return PendingRecommendation(subscriber_id=subscriber_id, paper_id=paper_id, score=score,
                                 similar_to_id="2411.09999", similar_to_title="",
                                 terms=("birds",), keys=("bird",))


def test_a_stream_batchs_candidates_are_one_item_per_subscriber_too(pipeline, frozen):
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    recs = {SLOT: [_candidate("sub_a", "2411.00001", 0.2),
                   _candidate("sub_a", "2411.00002", 0.4)]}
    assert repo.record_batch({SLOT: [_match("sub_a", "2411.00001")]}, recs=recs,
                             expires_at=0) == 3
    items = _partition(pipeline, "sub_a")
    assert sorted(k.split("#")[0] for k in items) == ["matches", "recs"]  # one item each
    (rec_item,) = [i for k, i in items.items() if k.startswith(REC_BATCH_PREFIX)]
    assert sorted(rec_item["papers"]) == ["2411.00001", "2411.00002"]
    assert sorted(_partition(pipeline, MARKER_PREFIX + SLOT)) == ["sub_a"]  # one marker
    pending = repo.pending_recommendations("sub_a")
    assert [(r.paper_id, r.score) for r in pending] == [("2411.00002", 0.4), ("2411.00001", 0.2)]
    assert pending[0].similar_to_id == "2411.09999" and pending[0].terms == ("birds",)
    # The digest that read both consumes them (the match of paper 1 too).
    repo.record_ledger(LedgerEntry("sub_a", "digest#2026-11-27", "sent", "m-1",
                                   ("2411.00002",), matches=("2411.00001",),
                                   recs=("2411.00001", "2411.00002")), expires_at=0)
    assert repo.pending_recommendations("sub_a") == [] and repo.pending_matches("sub_a") == []
    # A parked job's last attempt keeps the candidate item for a redrive.
    recs_b = {SLOT: [_candidate("sub_b", "2411.00003", 0.3)]}
    paper_expiry = int((SCRAPED_AT + timedelta(days=30)).timestamp())
    repo.record_batch({}, recs=recs_b, expires_at=paper_expiry)
    repo.keep_for_redrive("sub_b", matches=(), recs=("2411.00003",))
    (kept,) = [i for k, i in _partition(pipeline, "sub_b").items()
               if k.startswith(REC_BATCH_PREFIX)]
    assert int(kept["expires_at"]) == int(
        (SCRAPED_AT + deliveries_module.PARKED_RETENTION).timestamp())
