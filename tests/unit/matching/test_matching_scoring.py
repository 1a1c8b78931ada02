"""The keyword-match score (docs/ranking.md): its parts, their bounds and their order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from matching_support import make_paper

from paperbell.matching import MatchIndex
from paperbell.matching.scoring import WEIGHTS, score_match

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
PAPER = replace(
    make_paper(
        "Coupled Adam for anisotropic embeddings",
        "We show that the second moment in Adam causes anisotropy; the model improves.",
    ),
    upvotes=10,
    published=NOW - timedelta(hours=24),
)


def _hit(paper, query):
    (hit,) = MatchIndex.build([("q", query)]).match(paper)
    return hit


def test_parts_and_total():
    score = score_match(PAPER, _hit(PAPER, "coupled"), NOW)
    assert 0 < score.quality <= 1
    assert score.popularity == pytest.approx(0.52, abs=0.01)  # ln 11 / ln 101
    assert score.recency == pytest.approx(0.5)  # one half-life old
    assert score.total == pytest.approx(
        WEIGHTS["quality"] * score.quality
        + WEIGHTS["popularity"] * score.popularity
        + WEIGHTS["recency"] * score.recency
    )
    assert score.terms[0][0] == "coupled" and score.terms[0][2] is True
    assert set(score.as_json()) == {"total", "parts", "weights", "terms"}


def test_title_hits_and_rare_words_count_more():
    title = score_match(PAPER, _hit(PAPER, "anisotropic"), NOW).quality
    abstract = score_match(PAPER, _hit(PAPER, "anisotropy"), NOW).quality
    common = score_match(PAPER, _hit(PAPER, "model"), NOW).quality
    assert title > abstract > common


def test_highlight_mappings_work_like_hits():
    hit = _hit(PAPER, "coupled adam")
    assert score_match(PAPER, hit, NOW) == score_match(PAPER, hit.highlights.as_dict(), NOW)


def test_filter_only_missing_upvotes_and_dates():
    bare = replace(PAPER, upvotes=None, published=None)
    score = score_match(bare, {"title": [], "abstract": []}, NOW)
    assert (score.popularity, score.recency) == (0.0, 0.0)
    assert score.quality == pytest.approx(0.25)
    popular = score_match(replace(PAPER, upvotes=10_000), {}, NOW)
    assert popular.popularity == 1.0
    naive_now = score_match(PAPER, {}, NOW.replace(tzinfo=None))
    assert naive_now.recency == pytest.approx(0.5)
