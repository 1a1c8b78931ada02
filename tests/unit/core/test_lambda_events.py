"""Lambda events -> domain objects (paperbell.lambda_events), the handlers' adapters."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from boto3.dynamodb.types import TypeSerializer

from paperbell.lambda_events import (
    requested_sources,
    scheduled_time,
    sns_messages,
    subscriber_changes,
    trending_refresh,
)
from paperbell.services.subscriptions import new_subscriber
from paperbell.storage.items import subscriber_to_item

ROOT = Path(__file__).resolve().parents[3]
_typed = TypeSerializer().serialize


def _image(item: dict) -> dict:
    return {key: _typed(value) for key, value in item.items()}


def test_scheduled_time_reads_the_scheduler_payload_and_falls_back_to_now():
    assert scheduled_time({"scheduled_time": "2026-11-27T08:00:00Z"}) == datetime(
        2026, 11, 27, 8, tzinfo=UTC
    )
    before = datetime.now(UTC)
    assert scheduled_time({"scheduled_time": "<aws.scheduler.scheduled-time>"}) >= before
    assert scheduled_time(None) >= before


def test_requested_sources_only_from_a_non_empty_list():
    assert requested_sources({"sources": ["bundled:hf-daily", "arxiv:cs.LG"]}) == (
        "bundled:hf-daily",
        "arxiv:cs.LG",
    )
    assert requested_sources({"sources": []}) is None
    assert requested_sources({"sources": "hf:daily"}) is None
    assert requested_sources({}) is None


def test_trending_refresh_is_the_refresh_schedules_payload():
    assert trending_refresh({"refresh": "trending"}) is True
    assert trending_refresh({"scheduled_time": "2026-11-27T06:30:00Z"}) is False
    assert trending_refresh(None) is False


def test_subscriber_changes_skip_counters_and_mark_removals():
    ada = new_subscriber("ada@example.org", ["RoPE", "lottery tickets"], delivery_hour=8)
    item = subscriber_to_item(ada)
    event = {
        "Records": [
            {"eventName": "INSERT", "dynamodb": {
                "Keys": _image({"subscriber_id": ada.id}), "NewImage": _image(item)}},
            {"eventName": "MODIFY", "dynamodb": {
                "Keys": _image({"subscriber_id": "ratelimit#ip#1"}),
                "NewImage": _image({"subscriber_id": "ratelimit#ip#1", "count": 3})}},
            {"eventName": "REMOVE", "dynamodb": {
                "Keys": _image({"subscriber_id": ada.id}), "OldImage": _image(item)}},
        ]
    }
    added, removed = subscriber_changes(event) or []
    assert added.subscriber_id == ada.id and added.subscriber == ada
    assert added.stale_queries == 2
    assert removed.subscriber is None and removed.stale_queries == 2
    assert subscriber_changes({"Records": []}) is None  # the nightly schedule: rebuild
    assert subscriber_changes({}) is None


def test_sns_messages_are_the_ses_notifications():
    event = json.loads((ROOT / "events" / "feedback.json").read_text("utf-8"))
    (message,) = sns_messages(event)
    assert json.loads(message)["eventType"] == "Bounce"
    assert sns_messages({"Records": [{"EventSource": "aws:sqs"}]}) == []


def test_declare_env_copies_the_bundled_feeds_where_the_env_file_points(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts" / "sam_local"))
    try:
        from declare_env import opt_in_demo_feeds
    finally:
        sys.path.pop(0)
    env_file = ROOT / "events" / "env.json"
    copied = opt_in_demo_feeds(tmp_path, env_file)
    folder = json.loads(env_file.read_text("utf-8"))["Parameters"]["PAPERBELL_LOCAL_FEEDS"]
    target = tmp_path / "ScrapeFunction" / folder.removeprefix("/var/task/")
    assert copied and sorted(p.name for p in target.iterdir()) == sorted(copied)
    scrape = json.loads((ROOT / "events" / "scrape.json").read_text("utf-8"))
    wanted = {s.removeprefix("bundled:") for s in scrape["sources"] if s.startswith("bundled:")}
    assert wanted <= {Path(name).stem for name in copied}
