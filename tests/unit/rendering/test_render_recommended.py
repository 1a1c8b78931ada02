"""The "Recommended for you" section and the vote links in the rendered digest."""

from __future__ import annotations

import re
from dataclasses import replace

from rendering_support import DIGEST_DATE, entry_for, parse, parts

from paperbell.delivery.digest_model import (
    QUERIES,
    RECOMMENDED,
    TRENDING,
    Digest,
    DigestEntry,
    RecommendationReason,
    VoteLinks,
    digest_subject,
    merge_entries,
    section,
)
from paperbell.delivery.mime import build_digest_message
from paperbell.delivery.render_html import render_html
from paperbell.delivery.render_text import render_text
from paperbell.models import Paper, PaperText, Subscriber
from paperbell.recommend import highlight_spans


def _recommended(paper: Paper, liked: str = "Scaling Laws for Downstream Task Performance",
                 keys: tuple[str, ...] = ("performance",)) -> DigestEntry:
    return DigestEntry(
        paper, (),
        {"title": highlight_spans(paper.title, keys),
         "abstract": highlight_spans(paper.abstract, keys)},
        reason=RecommendationReason(0.2, "liked-1", liked, keys),
        votes=_votes(paper.id),
    )


def _votes(paper_id: str) -> VoteLinks:
    return VoteLinks(f"https://paperbell.example.org/more?token=m-{paper_id}",
                     f"https://paperbell.example.org/less?token=l-{paper_id}")


def _liker(subscriber: Subscriber, **kw) -> Subscriber:
    return replace(subscriber, likes=(PaperText("liked-1", "Scaling Laws"),), **kw)


def _digest(sub: Subscriber, links, *parts_: tuple[str, list[DigestEntry]]) -> Digest:
    sections = tuple(section(key, entries, ordered=key != QUERIES) for key, entries in parts_)
    return Digest(sub, [], DIGEST_DATE, links, sections=sections)


def test_a_paper_appears_once_in_the_first_of_trending_queries_recommended(
    seed_papers, subscriber, links
):
    a, b, c, d = seed_papers[:4]
    trending = [replace(entry_for(a), rank=1)]
    keyword = [entry_for(b, "lottery"), entry_for(a, "lottery")]
    recommended = [_recommended(a), _recommended(b), _recommended(c), _recommended(d)]
    digest = _digest(_liker(subscriber), links, (TRENDING, trending), (QUERIES, keyword),
                     (RECOMMENDED, recommended))
    laid = {part.key: [e.paper.id for e in part.entries] for part in digest.laid_out()}
    assert laid == {TRENDING: [a.id], QUERIES: [b.id], RECOMMENDED: [c.id, d.id]}
    assert len(digest.ranked()) == 4


def test_text_part_says_why_and_carries_per_paper_vote_links(seed_papers, subscriber, links,
                                                             settings):
    paper = seed_papers[0]
    keyword = [replace(entry_for(seed_papers[1], "RoPE"), votes=_votes(seed_papers[1].id))]
    digest = _digest(_liker(subscriber), links, (QUERIES, keyword),
                     (RECOMMENDED, [_recommended(paper, keys=("model",))]))
    text = render_text(digest, settings)
    assert "Recommended for you · 1 paper\n====" in text
    rec = text[text.index("Recommended for you"):]
    assert "similar to: Scaling Laws for Downstream Task Performance" in rec
    assert "shared terms: *model*" in rec
    assert f"More like this: https://paperbell.example.org/more?token=m-{paper.id}" in rec
    assert f"Less like this: https://paperbell.example.org/less?token=l-{paper.id}" in rec
    # The matched paper has its own pair of links, for its own id.
    assert f"more?token=m-{seed_papers[1].id}" in text[: text.index("Recommended for you")]
    assert "for papers like the one you liked and with the queries" in " ".join(text.split())


def test_html_part_escapes_the_liked_title_and_marks_the_shared_terms(
    seed_papers, subscriber, links, settings
):
    paper = seed_papers[2]
    hostile = '<img src=x onerror=alert(1)> "Scaling" & laws'
    entry = replace(_recommended(paper, liked=hostile, keys=("learning",)),
                    votes=VoteLinks("javascript:alert(1)", "https://paperbell.example.org/less?t=1"))
    digest = _digest(_liker(subscriber), links, (RECOMMENDED, [entry]))
    html = render_html(digest, settings)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'data-section="recommended"' in html
    assert re.search(r"shared terms: <mark[^>]*>learning</mark>", html)
    assert "javascript:" not in html  # an unsafe vote URL is left out, the other kept
    assert 'href="https://paperbell.example.org/less?t=1"' in html


def test_the_mime_message_parses_and_both_parts_hold_the_vote_links(
    seed_papers, subscriber, links, settings
):
    paper = seed_papers[3]
    digest = _digest(_liker(subscriber, queries=()), links,
                     (RECOMMENDED, [_recommended(paper)]))
    message = parse(build_digest_message(digest, settings))
    text, html = parts(message)
    for body in (text, html):
        assert f"more?token=m-{paper.id}" in body and f"less?token=l-{paper.id}" in body
    assert str(message["Subject"]).startswith("1 recommended for you: ")
    # Nothing to manage but the liked papers: the footer does not speak of queries.
    assert "Manage your subscription: " in text and "Manage your queries" not in text
    assert ">Manage your subscription</a>" in html


def test_subjects_name_the_recommended_count_beside_trending(seed_papers, subscriber, links):
    a, b = seed_papers[:2]
    only_trending_and_rec = _digest(_liker(subscriber), links,
                                    (TRENDING, [replace(entry_for(a), rank=1)]),
                                    (QUERIES, []), (RECOMMENDED, [_recommended(b)]))
    subject = digest_subject(only_trending_and_rec)
    assert subject.startswith("Today's top 1 trending + 1 recommended:")
    with_queries = _digest(_liker(subscriber), links, (QUERIES, [entry_for(a, "RoPE")]),
                           (RECOMMENDED, [_recommended(b)]))
    assert digest_subject(with_queries) == "2 new papers: RoPE"


def test_merging_keeps_the_reason_and_the_votes(seed_papers):
    paper = seed_papers[0]
    plain = entry_for(paper, "x")
    merged = merge_entries([plain, _recommended(paper)])
    assert len(merged) == 1
    assert merged[0].reason is not None and merged[0].votes == _votes(paper.id)
