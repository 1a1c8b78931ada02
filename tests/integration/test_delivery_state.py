"""The delivery state's rules (issue 15's cost work): a digest consumes its matches and
candidates in its one ledger item instead of a write per match, and a subscriber is on
the planner's index through one due marker per slot instead of an entry per match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paperbell import aws
from paperbell.models import PendingMatch
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage import deliveries as deliveries_module
from paperbell.storage.deliveries import (
    MARKER_PREFIX,
    PENDING_RETENTION,
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


def _day(pipeline, frozen, start: datetime) -> None:
    for hour in range(1, 25):
        tick = start.replace(minute=0) + timedelta(hours=hour)
        frozen[0] = tick
        pipeline.plan(tick)
        pipeline.mail()


def _match(subscriber_id: str, paper_id: str) -> PendingMatch:
    return PendingMatch(subscriber_id=subscriber_id, paper_id=paper_id, queries=("q",))


def test_a_digest_consumes_its_matches_in_its_ledger_item_and_marks_none(pipeline, frozen):
    ada = new_subscriber("ada@example.org", ["RoPE"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    matched = {k.removeprefix("match#") for k in _partition(pipeline, ada.id)
               if k.startswith("match#")}
    assert matched

    _day(pipeline, frozen, SCRAPED_AT)

    items = _partition(pipeline, ada.id)
    assert len(pipeline.sent_mails()) == 1
    assert set(items["digest#2026-11-27"]["matches"]) == matched  # the one write
    for paper_id in matched:  # no mark per match, and no index entry per match
        assert "delivered" not in items["match#" + paper_id]
        assert "due_slot" not in items["match#" + paper_id]
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    assert repo.pending_matches(ada.id) == []
    # A redelivered stream record of a consumed paper records nothing new ...
    some = sorted(matched)[0]
    assert repo.record_match(_match(ada.id, some), due_slot="2026-11-28T08",
                             expires_at=0) == "delivered"
    # ... and the next day sends nothing again.
    _day(pipeline, frozen, SCRAPED_AT + timedelta(days=1))
    assert len(pipeline.sent_mails()) == 1


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

    entries = _index_entries(pipeline, SLOT)
    assert sorted(str(e["subscriber_id"]) for e in entries) == ["sub_a", "sub_b"]
    assert sorted(k for k in _partition(pipeline, "sub_a") if k.startswith(MARKER_PREFIX)) == [
        MARKER_PREFIX + SLOT]
    assert sorted(batch.subscribers_due(SLOT)) == ["sub_a", "sub_b"]
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


def test_ids_past_the_inline_cap_are_marked_one_by_one(pipeline, frozen, monkeypatch):
    monkeypatch.setattr(deliveries_module, "CONSUMED_INLINE_MAX", 2)
    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    ids = ("2411.00001", "2411.00002", "2411.00003")
    for paper_id in ids:
        repo.record_match(_match("sub_a", paper_id), due_slot=SLOT, expires_at=0)
    repo.record_ledger(LedgerEntry("sub_a", "digest#2026-11-27", "sent", "m-1", ids,
                                   matches=ids), expires_at=0)

    items = _partition(pipeline, "sub_a")
    assert items["digest#2026-11-27"]["matches"] == list(ids[:2])
    assert items["match#2411.00003"]["delivered"] == "digest#2026-11-27"
    assert "delivered" not in items["match#2411.00001"]
    assert repo.pending_matches("sub_a") == []


def test_a_skipped_digest_consumes_what_it_read_and_a_new_match_stays(pipeline, frozen):
    ada = new_subscriber("ada@example.org", ["RoPE"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape(["bundled:arxiv-cs.LG"])
    pipeline.match()
    SubscriberRepository(pipeline.table_name("SubscribersTable")).set_status(ada.id, "paused")

    _day(pipeline, frozen, SCRAPED_AT)

    repo = DeliveryRepository(pipeline.table_name("DeliveriesTable"))
    entry = repo.ledger_entry(ada.id, "digest#2026-11-27")
    assert entry is not None and entry.status == "skipped-inactive" and entry.matches
    assert pipeline.sent_mails() == [] and repo.pending_matches(ada.id) == []
    # A match recorded after that ledger item is pending: consumption is by name.
    repo.record_match(_match(ada.id, "2411.99999"), due_slot="2026-11-28T08", expires_at=0)
    assert [m.paper_id for m in repo.pending_matches(ada.id)] == ["2411.99999"]
