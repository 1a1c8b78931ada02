"""A repeated planner tick of the same hour queues only what is still undelivered.

A subscriber's due marker for a slot stays until TTL (a digest consumes its matches in
its ledger item and writes nothing else, issue 15), so the planner's re-check of an
hour it already planned must confirm each subscriber it finds there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paperbell import aws, clock
from paperbell.models import PendingMatch
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.deliveries import DeliveryRepository

SCRAPED_AT = datetime(2026, 11, 27, 6, 31, tzinfo=UTC)


def _due_markers(pipeline) -> int:
    table = aws.table(pipeline.table_name("DeliveriesTable"))
    return len(table.query(KeyConditionExpression="subscriber_id = :s",
                           ExpressionAttributeValues={":s": "~due#2026-11-27T08"})["Items"])


def test_a_repeated_tick_queues_delivered_subscribers_never_and_late_matches_still(
    pipeline, monkeypatch
):
    moment = [SCRAPED_AT]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    ada = new_subscriber("ada@example.org", ["lottery tickets"], delivery_hour=8)
    pipeline.add_subscribers([ada])
    pipeline.scrape()
    pipeline.match()
    tick = datetime(2026, 11, 27, 8, tzinfo=UTC)
    moment[0] = tick
    assert pipeline.plan(tick)["digests_planned"] == 1
    assert pipeline.mail() == 1
    assert _due_markers(pipeline) == 1  # the delivered subscriber's marker stays until TTL

    assert pipeline.plan(tick)["digests_planned"] == 0  # the same hour again: nothing

    # A match for this hour that landed after the first tick read the index.
    late = PendingMatch(subscriber_id=ada.id, paper_id="2411.99999", queries=("late",))
    expires = int((tick + timedelta(days=2)).timestamp())
    DeliveryRepository(pipeline.table_name("DeliveriesTable")).record_match(
        late, due_slot="2026-11-27T08", expires_at=expires)
    assert pipeline.plan(tick)["jobs"] == [{"subscriber_id": ada.id, "slot": "2026-11-27T08"}]
