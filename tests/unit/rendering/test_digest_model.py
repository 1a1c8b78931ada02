"""Digest model: merging, ordering, the cap, subject lines and the sanitizers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest
from rendering_support import entry_for

from paperbell.delivery.digest_model import (
    SUBJECT_MAX,
    DigestEntry,
    authors_line,
    clean_spans,
    digest_subject,
    one_line,
    paper_links,
    safe_url,
)
from paperbell.matching.scoring import score_match
from paperbell.models import Paper, Subscriber


def test_ranked_by_match_score_then_upvotes_then_newest(seed_papers, make_digest):
    papers = seed_papers[:8]
    papers[1] = replace(papers[1], upvotes=papers[0].upvotes)  # tie: the newer one first
    papers[1] = replace(papers[1], published=datetime(2026, 5, 8, tzinfo=UTC))
    papers[2] = replace(papers[2], upvotes=None, published=datetime(2026, 5, 9, tzinfo=UTC))
    digest = make_digest([entry_for(p, "downstream") for p in reversed(papers)])

    ranked = digest.ranked()

    now = datetime.combine(digest.digest_date, time.max, UTC)
    scores = [score_match(e.paper, e.highlights, now).total for e in ranked]
    assert scores == sorted(scores, reverse=True)


def test_a_rare_title_hit_outranks_a_more_upvoted_abstract_mention(seed_papers, make_digest):
    base = replace(seed_papers[0], published=datetime(2026, 5, 8, tzinfo=UTC))
    title_hit = replace(base, id="title", title="Coupled Adam, revisited", upvotes=3)
    abstract_hit = replace(
        base, id="abstract", title="Optimizers at scale", abstract="We compare Coupled Adam.",
        upvotes=60,
    )
    digest = make_digest([entry_for(p, "coupled adam") for p in (abstract_hit, title_hit)])
    assert [e.paper.id for e in digest.ranked()] == ["title", "abstract"]


def test_equal_matches_rank_by_upvotes_then_newest(seed_papers, make_digest):
    base = seed_papers[0]
    older = replace(base, id="older", upvotes=5, published=datetime(2026, 5, 7, tzinfo=UTC))
    newer = replace(base, id="newer", upvotes=5, published=datetime(2026, 5, 8, tzinfo=UTC))
    popular = replace(base, id="popular", upvotes=80, published=datetime(2026, 5, 7, tzinfo=UTC))
    digest = make_digest([entry_for(p, "lottery") for p in (older, newer, popular)])
    assert [e.paper.id for e in digest.ranked()] == ["popular", "newer", "older"]


def test_naive_and_missing_dates_sort_without_error(seed_papers, make_digest):
    a = replace(seed_papers[0], upvotes=None, published=datetime(2026, 5, 1))
    b = replace(seed_papers[1], upvotes=None, published=datetime(2026, 5, 2, tzinfo=UTC))
    c = replace(seed_papers[2], upvotes=None, published=None)
    digest = make_digest([entry_for(p, "the") for p in (c, a, b)])
    assert [e.paper for e in digest.ranked()] == [b, a, c]


def test_a_paper_appears_once_with_every_query(seed_papers, make_digest):
    paper = seed_papers[0]
    digest = make_digest(
        [
            entry_for(paper, "lottery tickets"),
            entry_for(paper, "reprogramming"),
            entry_for(paper, "lottery tickets"),
        ]
    )
    (entry,) = digest.ranked()
    assert entry.queries == ("lottery tickets", "reprogramming")
    lottery = paper.title.lower().index("lottery tickets")
    assert (lottery, lottery + len("lottery tickets")) in entry.highlights["title"]
    assert any(paper.title[s:e].lower() == "reprogramming" for s, e in entry.highlights["title"])


def test_cap_keeps_the_most_trending(seed_papers, make_digest):
    digest = make_digest([entry_for(p, "the") for p in seed_papers])
    shown, more = digest.page(5)
    assert len(shown) == 5 and more == len(seed_papers) - 5
    assert shown == digest.ranked()[:5]


def test_subject_counts_papers_and_orders_queries_by_frequency(seed_papers, make_digest):
    entries = [
        entry_for(seed_papers[0], "lottery tickets"),
        entry_for(seed_papers[12], "lottery tickets"),  # sparse ImageNet transfer
        entry_for(seed_papers[5], "RoPE"),
        entry_for(seed_papers[5], "lottery tickets"),  # same paper, counted once
    ]
    assert digest_subject(make_digest(entries)) == "3 new papers: lottery tickets, RoPE"


def test_subject_singular(seed_papers, make_digest):
    assert digest_subject(make_digest([entry_for(seed_papers[5], "RoPE")])) == "1 new paper: RoPE"


def test_subject_ties_follow_the_subscribers_order(seed_papers, make_digest):
    entries = [entry_for(seed_papers[0], "downstream"), entry_for(seed_papers[1], "RoPE")]
    assert digest_subject(make_digest(entries)) == "2 new papers: RoPE, downstream"


@pytest.mark.parametrize("kind", ["empty-note", "digest"])
def test_subject_of_the_empty_note(kind, make_digest):
    assert digest_subject(make_digest([], kind=kind)) == "Nothing new today"


def test_subject_is_truncated_sensibly(seed_papers, make_digest):
    queries = tuple(f"query number {i} about something rather long" for i in range(8))
    sub = Subscriber(id="s", email="a@example.com", queries=queries)
    entries = [entry_for(p, *queries[: 8 - i]) for i, p in enumerate(seed_papers[:8])]
    subject = digest_subject(make_digest(entries, sub=sub))
    assert subject.startswith("8 new papers: query number 0 about")
    assert subject.endswith(" more")
    assert len(subject) <= SUBJECT_MAX + 12
    shown = subject.count("query number")
    assert subject.endswith(f", +{8 - shown} more")


def test_one_very_long_query_is_cut_with_an_ellipsis(seed_papers, make_digest):
    query = "transfer " * 30
    sub = Subscriber(id="s", email="a@example.com", queries=(query,))
    subject = digest_subject(make_digest([entry_for(seed_papers[6], query)], sub=sub))
    assert subject.startswith("1 new paper: transfer transfer")
    assert subject.endswith("…") and len(subject) < 60


def test_subject_from_hostile_queries_is_one_clean_line(seed_papers, make_digest):
    query = "rope\r\nBcc: victim@example.com\u2028\x00\u202e"
    sub = Subscriber(id="s", email="a@example.com", queries=(query,))
    subject = digest_subject(make_digest([DigestEntry(seed_papers[5], (query,), {})], sub=sub))
    assert subject == "1 new paper: rope Bcc: victim@example.com"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2502.08441", "https://arxiv.org/abs/2502.08441"),
        ("  http://example.org/x?a=1&b=2  ", "http://example.org/x?a=1&b=2"),
        ("HTTPS://GITHUB.COM/a/b", "HTTPS://GITHUB.COM/a/b"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example.org/x", None),
        ("/relative", None),
        ("https://", None),
        ('https://x.org/"><script>', None),
        ("https://x.org/a\r\nBcc: y", None),
        ("https://x.org/a b", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_clean_spans_clips_sorts_merges_and_trims():
    text = "lottery tickets and rope"
    assert clean_spans(text, [(20, 99), (0, 7), (5, 15), (15, 16), (-3, -1), (8, 8)]) == [
        (0, 15),
        (20, 24),
    ]


def test_one_line():
    assert one_line(" a\r\n b\tc\u2028d\x85e\x00f\u200b ") == "a b c d ef"


def test_authors_first_three_then_et_al():
    paper = Paper(id="x", title="t", authors=("A\r\nB", "C", "D", "E"))
    assert authors_line(paper) == "A B, C, D et al."
    assert authors_line(replace(paper, authors=("A", "B", "C"))) == "A, B, C"


def test_links_for_arxiv_old_style_and_feed_papers():
    assert paper_links(Paper(id="2502.08441", title="t")) == [
        ("abstract", "https://arxiv.org/abs/2502.08441"),
        ("PDF", "https://arxiv.org/pdf/2502.08441"),
        ("HF", "https://huggingface.co/papers/2502.08441"),
    ]
    assert [label for label, _ in paper_links(Paper(id="hep-th/9901001", title="t"))] == [
        "abstract",
        "PDF",
    ]
    blog = Paper(id="https://blog.example.org/p/1", title="t", url="https://blog.example.org/p/1")
    assert paper_links(blog) == [("blog.example.org", "https://blog.example.org/p/1")]
    # A trending-page paper without an arXiv id links to a Hugging Face papers search.
    search = "https://huggingface.co/papers?q=Scaling%20Laws"
    assert paper_links(Paper(id="seed/1", title="t", url=search)) == [("search on HF", search)]
    page = "https://www.example.com/"
    assert paper_links(Paper(id="p", title="t", url=page)) == [("example.com", page)]
    assert paper_links(Paper(id="guid-1", title="t", url="javascript:alert(1)")) == []


def test_unknown_kind_is_refused(make_digest):
    with pytest.raises(ValueError):
        make_digest([], kind="weekly")
