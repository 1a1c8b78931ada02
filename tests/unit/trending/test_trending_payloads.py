"""Sections in mail and webhook payloads: trending first, each paper once, ranks shown;
the generic JSON stays readable by version-1.0 consumers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from paperbell.delivery.digest_model import (
    QUERIES,
    TRENDING,
    Digest,
    DigestEntry,
    SubscriberLinks,
    digest_subject,
    section,
)
from paperbell.models import Paper, Subscriber
from paperbell.scheduling import next_slot_for
from paperbell.webhooks.payloads import build_payload

LINKS = SubscriberLinks("https://x.org/u", "https://x.org/m", "https://x.org/f")
SUB = Subscriber(id="s", email="a@b.org", queries=("agents",), trending_top=2)


def _digest() -> Digest:
    hot = Paper("2611.00002", "Diffusion", upvotes=50)
    agents = Paper("2611.00001", "Agents", upvotes=10)
    more = Paper("2611.00003", "More agents", upvotes=1)
    trending = [DigestEntry(hot, (), rank=1, comments=4), DigestEntry(agents, ("agents",), rank=2)]
    keyword = [DigestEntry(agents, ("agents",)), DigestEntry(more, ("agents",))]
    return Digest(SUB, keyword, date(2026, 11, 27), LINKS,
                  sections=(section(TRENDING, trending, ordered=True), section(QUERIES, keyword)))


def test_a_paper_is_shown_once_in_the_first_section_holding_it():
    laid = _digest().laid_out()
    assert [(p.key, [e.paper.id for e in p.entries]) for p in laid] == [
        (TRENDING, ["2611.00002", "2611.00001"]), (QUERIES, ["2611.00003"])]
    assert digest_subject(_digest()) == "Today's top 2 trending + 1 matching: agents"


def test_generic_json_adds_sections_and_keeps_the_version_1_fields():
    digest = _digest()
    body = build_payload("generic", "s", digest.ranked(), digest.digest_date, digest.laid_out())
    assert (body["version"], body["minor_version"], body["paper_count"]) == (1, 2, 3)
    assert [p["id"] for p in body["papers"]] == ["2611.00002", "2611.00001", "2611.00003"]
    first = body["papers"][0]
    assert (first["section"], first["rank"], first["upvotes"], first["comments"]) == (
        "trending", 1, 50, 4)
    assert {"title", "url", "queries", "highlights", "abstract"} <= set(first)  # v1.0 keys
    assert [s["key"] for s in body["sections"]] == ["trending", "queries"]
    plain = build_payload("generic", "s", digest.entries, digest.digest_date)
    assert plain["sections"][0]["key"] == "queries" and plain["papers"][0]["rank"] is None


def test_slack_and_discord_title_the_sections_and_show_ranks():
    digest = _digest()
    slack = build_payload("slack", "s", digest.ranked(), digest.digest_date, digest.laid_out())
    texts = [b["text"]["text"] for b in slack["blocks"] if b["type"] == "section"]
    assert texts[0] == "*Trending on Hugging Face · 2 papers*"
    assert any(t == "*Matching your queries · 1 paper*" for t in texts)
    contexts = [b["elements"][0]["text"] for b in slack["blocks"] if b["type"] == "context"]
    assert contexts[0].startswith("*#1*")
    discord = build_payload("discord", "s", digest.ranked(), digest.digest_date, digest.laid_out())
    assert discord["embeds"][0]["title"].startswith("#1 ")


def test_weekly_slots_land_on_the_weekday_at_the_local_hour():
    weekly = Subscriber(id="w", email="w@b.org", queries=(), trending_top=5, mode="weekly",
                        weekday=4, delivery_hour=8, timezone="Europe/Berlin")
    # Thursday 2026-10-22: next Friday 08:00 CEST = 06 UTC; after DST ends, 07 UTC.
    assert next_slot_for(weekly, datetime(2026, 10, 22, 12, tzinfo=UTC)) == "2026-10-23T06"
    assert next_slot_for(weekly, datetime(2026, 10, 23, 6, tzinfo=UTC)) == "2026-10-30T07"
