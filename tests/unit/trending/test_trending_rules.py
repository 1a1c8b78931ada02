"""What "trending" means (pure rules): candidates, ranking, filter, never twice, snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperbell.errors import RequestError
from paperbell.matching import parse_query
from paperbell.models import Paper
from paperbell.trending.ranking import rank_trending
from paperbell.trending.snapshot import KEEP_DAYS, TrendingEntry, TrendingSnapshot, merge_sightings
from paperbell.validation import fields_from_json, preferences_from_fields

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def entry(pid: str, upvotes: int, *, comments: int = 0, hours_ago: float = 5,
          title: str = "A paper") -> TrendingEntry:
    paper = Paper(id=pid, title=title, upvotes=upvotes, source="hf")
    return TrendingEntry(paper, NOW - timedelta(hours=hours_ago), comments)


def ids(ranked) -> list[str]:
    return [r.paper_id for r in ranked]


def test_ranked_by_upvotes_then_comments_then_recency():
    entries = [entry("a", 10, comments=1), entry("b", 10, comments=3), entry("c", 20),
               entry("d", 10, comments=1, hours_ago=1)]
    ranked = rank_trending(entries, now=NOW, top=10)
    assert ids(ranked) == ["c", "b", "d", "a"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_only_papers_listed_within_the_window_before_send_time():
    entries = [entry("old", 99, hours_ago=49), entry("edge", 5, hours_ago=47),
               entry("future", 99, hours_ago=-1)]
    assert ids(rank_trending(entries, now=NOW)) == ["edge"]
    week = rank_trending(entries, now=NOW, window=timedelta(days=7))
    assert ids(week) == ["old", "edge"]


def test_top_n_filter_and_already_sent():
    entries = [entry("a", 30, title="Diffusion models"), entry("b", 20, title="Agents"),
               entry("c", 10, title="Diffusion again"), entry("d", 5, title="Diffusion 3")]
    narrowed = rank_trending(entries, now=NOW, top=2, query=parse_query("diffusion"))
    assert ids(narrowed) == ["a", "c"] and [r.rank for r in narrowed] == [1, 2]
    assert narrowed[0].highlights["title"] == [(0, 9)]
    fresh = rank_trending(entries, now=NOW, top=2, exclude={"a", "b"})
    assert ids(fresh) == ["c", "d"] and [r.rank for r in fresh] == [3, 4]


def test_snapshot_merge_takes_fresh_counts_and_drops_old_listings():
    first = merge_sightings(None, [Paper("a", "A", upvotes=1, extra={"comments": 0})], now=NOW)
    later = NOW + timedelta(hours=3)
    again = merge_sightings(first, [Paper("a", "A", upvotes=7, extra={"comments": 2})], now=later)
    assert again.entries["a"].upvotes == 7 and again.entries["a"].comments == 2
    assert again.entries["a"].listed_at == NOW  # first seen, not re-listed
    same = merge_sightings(again, [Paper("a", "A", upvotes=7, extra={"comments": 2})],
                           now=later + timedelta(hours=3))
    assert same.same_content(again)  # nothing to write
    gone = merge_sightings(again, [], now=NOW + timedelta(days=KEEP_DAYS, hours=1))
    assert gone.entries == {} and not gone.same_content(again)


def test_snapshot_round_trips_and_papers_without_upvotes_carry_no_signal():
    arxiv_only = merge_sightings(None, [Paper("x", "X")], now=NOW, sources_read=["arxiv:cs.LG"])
    assert not arxiv_only.has_signal and arxiv_only.entries == {}
    listed = "2026-11-27T06:00:00+00:00"
    hf = merge_sightings(None, [Paper("a", "A", upvotes=3, extra={"submitted_on_daily_at": listed,
                                                                  "ai_summary": "S"})], now=NOW)
    decoded = TrendingSnapshot.decode(hf.encode())
    assert decoded.same_content(hf) and decoded.has_signal
    assert decoded.entries["a"].listed_at == datetime(2026, 11, 27, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"trending": 5}, (5, "", ())),
        ({"trending": True}, (10, "", ())),
        ({"trending": {"top": 3, "filter": "category:cs.CV"}}, (3, "category:cs.CV", ())),
        ({"trending": {"filter": "diffusion"}, "queries": ["RoPE"]}, (10, "diffusion", ("RoPE",))),
        ({"kind": "trending", "trending_top": "7", "queries": "ignored"}, (7, "", ())),
        ({"kind": "queries", "trending_top": "7", "queries": "RoPE"}, (0, "", ("RoPE",))),
        ({"trending": 0, "queries": ["RoPE"]}, (0, "", ("RoPE",))),
    ],
)
def test_trending_shapes(data, expected):
    prefs = preferences_from_fields(fields_from_json(data))
    assert (prefs.trending_top, prefs.trending_filter, prefs.queries) == expected


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"trending": 51}, "trending", "1-50"),
        ({"trending": "lots"}, "trending", "number of papers"),
        ({"trending": {"top": 3, "sort": "new"}}, "trending", "Unknown trending key"),
        ({"trending": {"filter": "titel:x"}}, "trending_filter", "did you mean 'title'"),
        ({"trending": 5, "frequency": "instant"}, "frequency", "daily or weekly"),
        ({"trending": 5, "frequency": "weekly", "weekday": "someday"}, "weekday", "day name"),
        ({"kind": "both", "trending_top": "5"}, "queries", "at least one query"),
        ({}, "queries", "or choose trending"),
    ],
)
def test_trending_refusals_name_the_field(data, field, message):
    with pytest.raises(RequestError) as info:
        preferences_from_fields(fields_from_json(data))
    assert info.value.field == field and message in info.value.message


def test_webhooks_default_to_instant_but_trending_makes_them_daily():
    hook = preferences_from_fields(fields_from_json({"trending": 5}), default_mode="instant")
    assert hook.mode == "daily"
    weekly = preferences_from_fields(fields_from_json({"trending": 5, "mode": "weekly",
                                                       "weekday": "Fri"}))
    assert (weekly.mode, weekly.weekday) == ("weekly", 4)
