"""Helpers: plain text from HTML, feed dates, canonical ids, link normalization."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperbell.sources.dates import parse_date
from paperbell.sources.ids import find_arxiv_id, normalize_link, resolve_link
from paperbell.sources.text import html_to_text, plain_text, truncate


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("", ""),
        ("  plain\n   text\twith  wraps ", "plain text with wraps"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("Tom &amp;amp; Jerry", "Tom & Jerry"),
        ("caf&eacute; &#233; &#xE9;", "café é é"),
        ("<p>One</p><p>Two</p>", "One Two"),
        ("a<br>b<br/>c", "a b c"),
        ("<b>bold</b>face", "boldface"),
        ("x < y and y > z", "x < y and y > z"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("<!-- hidden -->Shown", "Shown"),
        ("Unclosed <i>italic", "Unclosed italic"),
        ("non\u00a0breaking", "non breaking"),
        # issue 16: a "<" that opens no HTML element is text (maths), markup still goes
        ("x<y and <b>z</b>", "x<y and z"),
        ("n<k", "n<k"),
        ("if x<max then y>0", "if x<max then y>0"),
        ("<math><mi>x</mi><mo>&lt;</mo><mi>y</mi></math> holds", "x<y holds"),
        ("<p>Word<o:p></o:p> text</p>", "Word text"),
        ('<a title="x>y" href="u">link</a> end', "link end"),
        ("a <b>x</b> \ud800 y\x01z", "a x \ufffd y z"),  # lxml would drop the rest
    ],
)
def test_html_to_text(raw: str, text: str) -> None:
    assert html_to_text(raw) == text


def test_plain_text_keeps_markup_characters() -> None:
    assert plain_text("  p<n &amp;\n q ") == "p<n &amp; q"


def test_truncate_at_word_boundary() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("one two three four", 10) == "one two…"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 26 Nov 2026 00:00:00 -0500", datetime(2026, 11, 26, 5, tzinfo=UTC)),
        ("Mon, 04 May 2026 09:30:00 GMT", datetime(2026, 5, 4, 9, 30, tzinfo=UTC)),
        ("04 May 2026 09:30 +0000", datetime(2026, 5, 4, 9, 30, tzinfo=UTC)),
        ("2026-05-10T12:00:00Z", datetime(2026, 5, 10, 12, tzinfo=UTC)),
        ("2026-05-08T10:01:31.399Z", datetime(2026, 5, 8, 10, 1, 31, 399000, tzinfo=UTC)),
        ("2026-05-09T08:00:00+02:00", datetime(2026, 5, 9, 6, tzinfo=UTC)),
        ("2023-10-05T20:30:00-05:00", datetime(2023, 10, 6, 1, 30, tzinfo=UTC)),
        ("2026-05-10", datetime(2026, 5, 10, tzinfo=UTC)),
        ("2026-05-10 12:00:00", datetime(2026, 5, 10, 12, tzinfo=UTC)),
        ("Mon, 04 May 2026 09:30:00", datetime(2026, 5, 4, 9, 30, tzinfo=UTC)),
        ("not a date", None),
        ("2026-13-45T00:00:00Z", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(raw: str | None, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("oai:arXiv.org:2502.08441v2", ("2502.08441", 2)),
        ("https://arxiv.org/abs/2403.00071", ("2403.00071", None)),
        ("http://export.arxiv.org/abs/2403.00071v3", ("2403.00071", 3)),
        ("https://arxiv.org/pdf/2306.05292v3.pdf", ("2306.05292", 3)),
        ("https://arxiv.org/html/2306.05292v1", ("2306.05292", 1)),
        ("10.48550/arXiv.2306.05292", ("2306.05292", None)),
        ("https://doi.org/10.48550/ARXIV.2306.05292", ("2306.05292", None)),
        ("https://huggingface.co/papers/2605.05242", ("2605.05242", None)),
        ("arXiv:2502.08441v2 Announce Type: new", ("2502.08441", 2)),
        ("https://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/math.AG/0101001", ("math.AG/0101001", None)),
        ("https://example.org/2502.08441", None),
        ("https://arxiv.org/abs/2502.084419", None),
        ("lab-post-101", None),
    ],
)
def test_find_arxiv_id(candidate: str, expected: tuple[str, int | None] | None) -> None:
    assert find_arxiv_id(candidate) == expected


def test_find_arxiv_id_prefers_earlier_candidates() -> None:
    assert find_arxiv_id(None, "", "https://arxiv.org/abs/2401.00001v1",
                         "https://arxiv.org/abs/2401.00002") == ("2401.00001", 1)


def test_links() -> None:
    assert resolve_link(" a/b ", "https://ex.org/feed/") == "https://ex.org/feed/a/b"
    assert resolve_link("https://x.org/", "https://ex.org/") == "https://x.org/"
    assert resolve_link("/p", None) == "/p"
    assert normalize_link("HTTP://Example.COM:80/p?utm_source=rss&id=1#top") == (
        "http://example.com/p?id=1#top"  # the fragment stays: comment-feed entries need it
    )
    assert normalize_link("https://example.com:443/p") == "https://example.com/p"
