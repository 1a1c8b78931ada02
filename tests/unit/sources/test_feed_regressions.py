"""Issue 16 regressions, one fixture each: nothing a reader relies on is lost, and bad
input is contained (stored as far as it can be, never a crash)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from paperbell.fitting import TITLE_BYTES, TRUNCATED
from paperbell.sources import FeedResult, parse_feed

from .conftest import FEEDS, feed_bytes

ROOT = Path(__file__).resolve().parents[3]


def parse(name: str) -> FeedResult:
    return parse_feed(feed_bytes(name))


class TestEntriesDoNotCollapse:
    def test_comment_entries_that_differ_only_in_the_fragment_stay_apart(self) -> None:
        result = parse("rss2_comments_feed.xml")
        assert [p.id for p in result.papers] == [
            f"https://blog.example.org/attention-revisited/#comment-{n}" for n in (101, 102, 103)
        ]
        assert result.papers[1].authors == ("Bo",)

    def test_a_repeated_entry_is_skipped_with_a_reason(self) -> None:
        result = parse("rss2_comments_feed.xml")
        assert result.skipped == 1 and result.meta["duplicates"] == 1
        assert result.errors == [
            "item 4: same id as item 1 "
            "(https://blog.example.org/attention-revisited/#comment-101), left out"
        ]

    def test_cli_warning_names_the_reason(self) -> None:
        env = {"PYTHONPATH": ":".join(sys.path), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-m", "paperbell_dev", "fetch", str(FEEDS / "rss2_comments_feed.xml")],
            capture_output=True, text=True, env=env, cwd=ROOT, check=True,
        )
        assert "skipped 1 item(s): item 4: same id as item 1" in done.stderr
        assert "item(s): \n" not in done.stderr

    def test_item_without_guid_or_link_gets_a_stable_content_hash(self) -> None:
        first = parse("jsonfeed_hostile.json").papers[2]
        again = parse("jsonfeed_hostile.json").papers[2]
        assert first.title == "No id and no url"
        assert first.id.startswith("sha256:") and first.id == again.id
        rss = parse_feed(feed_bytes("rss2_messy.xml")).papers[3]
        assert rss.id.startswith("sha256:") and rss.url == ""


class TestFormatsThatWereRefused:
    def test_rss2_in_a_default_namespace(self) -> None:
        result = parse("rss2_default_namespace.xml")
        assert result.format == "rss" and result.meta["title"] == "Namespaced Notes"
        first, second = result.papers
        assert first.id == "https://ns.example.org/posts/retrieval-heads"
        assert first.abstract == "Which heads retrieve."
        assert first.authors == ("Ana Reader",) and first.categories == ("interpretability",)
        assert first.published is not None
        assert second.url == "https://ns.example.org/posts/coupled-adam"

    def test_arxiv_id_from_a_related_or_pdf_link_is_the_identity(self) -> None:
        related, pdf, _ = parse("atom_related_links.xml").papers
        assert (related.id, related.version) == ("2502.08441", 2)
        assert related.url == "https://notes.example.net/coupled-adam"  # the post stays the link
        assert (pdf.id, pdf.version) == ("2403.00071", 3)
        assert pdf.extra["pdf_url"] == "https://arxiv.org/pdf/2403.00071v3"

    def test_arxiv_id_from_a_json_feed_attachment(self) -> None:
        paper = parse("jsonfeed_hostile.json").papers[3]
        assert (paper.id, paper.version) == ("2605.06548", 1)


class TestTextStaysText:
    def test_atom_text_html_and_xhtml_titles(self) -> None:
        text, html, xhtml = parse("atom_related_links.xml").papers
        assert text.title == "When is p < 0.05 enough? Bounds for n<k and k>m"
        assert html.title == "Resonance RoPE for n<k"  # <i> is markup, <k is not
        assert html.abstract == "RoPE & context length."
        assert xhtml.title == "O(n2) <b> O(n)"  # escaped in the XHTML: text

    def test_arxiv_rss_title_and_abstract_keep_inequalities(self) -> None:
        (paper,) = parse("arxiv_rss_maths.xml").papers
        assert paper.title == "Sparse recovery when $n<k$ and $k>m$: sharp bounds for all designs"
        assert paper.abstract == (
            "We show that for $p<q$ and $\\ell>0$ the estimator is consistent."
        )

    def test_rss_titles_are_text_unless_they_are_unmistakably_html(self) -> None:
        maths, bold = parse("rss2_maths_titles.xml").papers
        assert maths.title == "Why $a<b$ and $b>c$ imply nothing"
        assert maths.abstract == "If x<y then maybe not."  # description: HTML, x<y text
        assert bold.title == "Bold claims & proofs"

    def test_arxiv_api_title_is_text(self) -> None:
        body = feed_bytes("arxiv_export_api.xml").replace(
            b"<title>", b"<title>For n &lt; k and k&lt;m: ", 2
        )
        titles = [p.title for p in parse_feed(body).papers]
        assert any(t.startswith("For n < k and k<m: ") for t in titles), titles


class TestHostileText:
    def test_lone_surrogates_are_replaced_not_fatal(self) -> None:
        result = parse("jsonfeed_hostile.json")
        assert len(result.papers) == 5 and result.skipped == 0
        first = result.papers[0]
        assert first.title == "Lone \ufffd surrogate in a title"
        assert first.abstract == "Summary with a lone \ufffd too."
        assert result.meta["title"] == "Hostile \ufffd feed"
        for paper in result.papers:
            json.dumps(paper.as_json(), ensure_ascii=False).encode("utf-8")  # encodable

    def test_control_characters_become_spaces(self) -> None:
        paper = parse("jsonfeed_hostile.json").papers[1]
        assert paper.title == "Control characters here"
        assert paper.abstract == "Text with a NUL byte."
        assert paper.authors == ("Nul Name",)

    def test_unsafe_link_schemes_are_kept_as_data(self) -> None:
        # Whether a link may be shown is the output's decision (one URL-safety rule for
        # every output); the parser keeps the data and does not crash.
        paper = parse("jsonfeed_hostile.json").papers[4]
        assert paper.url == "javascript:alert(1)"
        assert paper.extra["external_url"].startswith("data:")

    def test_a_500_kb_title_is_cut_and_the_paper_says_so(self) -> None:
        doc = {"version": "https://jsonfeed.org/version/1.1", "items": [
            {"id": "big", "title": "T" * 500_000, "content_text": "ok"},
            {"id": "small", "title": "Small"},
        ]}
        result = parse_feed(json.dumps(doc).encode())
        big, small = result.papers
        assert len(big.title.encode("utf-8")) <= TITLE_BYTES and big.title.endswith("…")
        assert big.extra[TRUNCATED] == ["title"]
        assert TRUNCATED not in small.extra


def test_a_creator_that_is_only_markup_gives_no_empty_author() -> None:
    # found by test_feed_properties: dc:creator "&lt;H1&gt;" became the author ""
    body = (b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            b"<item><description>0</description><dc:creator>&lt;H1&gt;</dc:creator>"
            b"<dc:creator>&lt;b&gt;Jane&lt;/b&gt; Roe</dc:creator></item></channel></rss>")
    (paper,) = parse_feed(body).papers
    assert paper.authors == ("Jane Roe",)


def test_an_id_of_control_characters_only_is_skipped_with_a_reason() -> None:
    # found by test_feed_properties: the id "\x1b" became "" once its control was replaced
    body = json.dumps([{"paper": {"id": "\x1b", "title": "0"}},
                       {"paper": {"id": "2605.00001", "title": "Kept"}}]).encode()
    result = parse_feed(body)
    assert [p.id for p in result.papers] == ["2605.00001"]
    assert result.errors == ["item 1: no usable id (only control characters)"]


def test_a_character_reference_to_no_xml_character_costs_only_that_character() -> None:
    # found by tests/fuzz: "&#xD800;" (a lone surrogate) in the channel title made lxml's
    # recovering parser keep bytes that are no UTF-8, and the whole feed failed with
    # "could not read feed: unexpected UnicodeDecodeError"
    body = (b'<rss version="2.0"><channel><title>a&#xD800;b &#1;</title>'
            b"<item><title>Kept &#57343;x &#233;</title><link>https://e.org/1</link></item>"
            b"<item><title>Also kept &#x1F600;</title><link>https://e.org/2</link></item>"
            b"</channel></rss>")
    result = parse_feed(body)
    assert result.meta["title"] == "a\ufffdb \ufffd"
    assert [p.title for p in result.papers] == ["Kept \ufffdx \u00e9", "Also kept \U0001f600"]
    assert parse_feed(b'<rss version="2.0"><channel><title>&#xD800;</title></channel></rss>'
                      ).meta["title"] == "\ufffd"
