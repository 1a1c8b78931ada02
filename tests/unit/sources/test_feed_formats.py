"""Every supported format, parsed from fixtures: ids, titles, authors, dates, extras."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from paperbell.errors import FeedError
from paperbell.sources import FeedResult, parse_feed

from .conftest import feed_bytes


def parse(name: str, **kwargs: object) -> FeedResult:
    return parse_feed(feed_bytes(name), **kwargs)  # type: ignore[arg-type]


class TestArxivRss:
    def test_ids_versions_and_order(self) -> None:
        result = parse("arxiv_rss_cs.LG.xml")
        assert result.format == "arxiv-rss"
        assert [p.id for p in result.papers] == ["2502.08441", "2403.00071", "2306.05292"]
        assert [p.version for p in result.papers] == [2, 3, 3]
        assert result.skipped == 0 and result.errors == []

    def test_fields(self) -> None:
        first, second, third = parse("arxiv_rss_cs.LG.xml").papers
        assert first.title == "Better Embeddings with Coupled Adam"
        assert first.authors == ("Felix Stollenwerk", "Tobias Stollenwerk")
        assert second.authors == (
            "Suyuchen Wang", "Ivan Kobyzev", "Peng Lu", "Mehdi Rezagholizadeh", "Bang Liu",
        )
        assert first.abstract.startswith("Despite their remarkable capabilities")
        assert "Announce Type" not in first.abstract and "\n" not in first.abstract
        assert first.published == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
        assert first.categories == ("cs.LG", "cs.CL")
        assert first.url == "https://arxiv.org/abs/2502.08441"
        assert first.source == "arxiv"
        assert [p.extra["announce_type"] for p in (first, second, third)] == [
            "replace", "cross", "new",
        ]
        assert third.extra["doi"] == "10.48550/arXiv.2306.05292"

    def test_meta(self) -> None:
        meta = parse("arxiv_rss_cs.LG.xml").meta
        assert meta["title"] == "cs.LG updates on arXiv.org"
        assert meta["version"] == "2.0"

    def test_empty_weekend_feed_is_not_an_error(self) -> None:
        result = parse("arxiv_rss_empty_weekend.xml")
        assert result.papers == [] and result.skipped == 0 and result.errors == []
        assert result.format == "arxiv-rss"

    def test_feed_error_document_names_the_category(self) -> None:
        with pytest.raises(FeedError, match=r"cs\.XX"):
            parse("arxiv_rss_feed_error.xml")

    def test_replace_cross_and_journal_reference(self) -> None:
        body = feed_bytes("arxiv_rss_cs.LG.xml").replace(
            b"<arxiv:announce_type>new</arxiv:announce_type>",
            b"<arxiv:announce_type>replace-cross</arxiv:announce_type>"
            b"<arxiv:journal_reference>Proc. ICML 2026</arxiv:journal_reference>",
        )
        third = parse_feed(body).papers[2]
        assert third.extra["announce_type"] == "replace-cross"
        assert third.extra["journal_ref"] == "Proc. ICML 2026"

    def test_legacy_rdf_format(self) -> None:
        result = parse("rss1_rdf.xml")
        assert result.format == "arxiv-rss" and result.meta["version"] == "1.0"
        first, second = result.papers
        assert (first.id, first.version) == ("2310.03025", 1)
        assert (second.id, second.version) == ("2310.03026", 2)
        assert first.title == "Retrieval meets Long Context Large Language Models."
        assert first.authors == ("Peng Xu", "Wei Ping")
        assert first.abstract == (
            "Extending the context window of large language models (LLMs) is getting "
            "popular recently."
        )
        assert second.published == datetime(2023, 10, 5, 10, 0, tzinfo=UTC)


class TestArxivApi:
    def test_entries(self) -> None:
        result = parse("arxiv_export_api.xml")
        assert result.format == "arxiv-atom"
        first, second = result.papers
        assert (first.id, first.version) == ("2605.08083", 1)
        assert (second.id, second.version) == ("2605.08077", 1)
        assert first.title == "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling"
        assert first.authors[0] == "Tong Zheng" and len(first.authors) == 13
        assert second.authors[-1] == "Dimitris N. Metaxas"
        assert first.published == datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
        assert first.categories == ("cs.CL",)
        assert first.url == "https://arxiv.org/abs/2605.08083"
        assert first.extra["primary_category"] == "cs.CL"
        assert first.extra["comment"] == "25 pages"
        assert first.extra["pdf_url"] == "https://arxiv.org/pdf/2605.08083v1"
        assert first.source == "arxiv"

    def test_opensearch_totals_in_meta(self) -> None:
        meta = parse("arxiv_export_api.xml").meta
        assert meta["total_results"] == 108507
        assert meta["start_index"] == 0
        assert meta["items_per_page"] == 2

    def test_error_entry_is_a_feed_error_with_the_message(self) -> None:
        with pytest.raises(FeedError, match=r"incorrect id format for 1234\.12345v9"):
            parse("arxiv_api_error.xml")

    def test_primary_category_comes_first_and_wraps_collapse(self) -> None:
        body = feed_bytes("arxiv_export_api.xml").replace(
            b'<category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>',
            b'<category term="cs.AI"/><category term="cs.CL"/>', 1,
        ).replace(b"LLMs Improving LLMs: Agentic", b"LLMs Improving\n  LLMs: Agentic")
        first = parse_feed(body).papers[0]
        assert first.categories == ("cs.CL", "cs.AI")
        assert first.title == "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling"


class TestHuggingFace:
    def test_api_2026_shape(self) -> None:
        result = parse("hf_daily_papers_api_2026.json")
        assert result.format == "hf-api"
        assert [p.id for p in result.papers] == ["2605.05242", "2605.06548", "2605.06130"]
        first = result.papers[0]
        assert first.title.startswith("Beyond Semantic Similarity")
        assert first.authors[:3] == ("Zhuofeng Li", "Haoxiang Zhang", "Cong Wei")
        assert len(first.authors) == 19
        assert first.upvotes == 86
        assert first.published == datetime(2026, 5, 3, tzinfo=UTC)
        assert first.url == "https://huggingface.co/papers/2605.05242"
        assert first.source == "hf"
        extra = first.extra
        assert extra["comments"] == 3
        assert extra["github_repo"] == "https://github.com/DCI-Agent/DCI-Agent-Lite"
        assert extra["github_stars"] == 101
        assert "agentic search" in extra["ai_keywords"]
        assert extra["ai_summary"].startswith("Direct corpus interaction")
        assert extra["thumbnail"].endswith("2605.05242.png")
        assert extra["organization"]["name"] == "TIGER-Lab"
        assert result.papers[1].extra["project_page"] == "https://hongcanguo.github.io/Cola-DLM/"
        assert "organization" not in result.papers[2].extra

    def test_api_2024_shape_hard_wraps_and_hidden_authors(self) -> None:
        result = parse("hf_daily_papers_api_2024.json")
        first = result.papers[0]
        assert first.title == (
            "Beyond Semantic Similarity: Rethinking Retrieval for Agentic Search via "
            "Direct Corpus Interaction"
        )
        assert "\n" not in first.abstract and "  " not in first.abstract
        assert "Haoxiang Zhang" not in first.authors  # hidden
        assert len(first.authors) == 18
        assert first.published == datetime(2024, 5, 3, tzinfo=UTC)
        assert "ai_keywords" not in first.extra and "organization" not in first.extra
        assert first.upvotes == 86

    def test_same_papers_from_both_shapes(self) -> None:
        new = parse("hf_daily_papers_api_2026.json").papers
        old = parse("hf_daily_papers_api_2024.json").papers
        assert [p.id for p in new] == [p.id for p in old]
        assert [p.title for p in new] == [p.title for p in old]
        assert [p.abstract for p in new] == [p.abstract for p in old]

    def test_empty_list_is_zero_papers(self) -> None:
        result = parse_feed(b"[]")
        assert result.papers == [] and result.errors == [] and result.format == "hf-api"

    def test_papers_page(self) -> None:
        result = parse("hf_papers_page.html")
        assert result.format == "hf-page"
        assert [p.id for p in result.papers] == ["2605.05242", "2605.06548", "2605.06130"]
        assert result.papers[0].upvotes == 86
        assert result.meta["date"] == "2026-05-08"

    def test_broken_item_is_skipped_and_explained(self) -> None:
        items = json.loads(feed_bytes("hf_daily_papers_api_2026.json"))
        items.insert(1, {"paper": {"title": "no id"}})
        items.insert(2, {"numComments": 1})
        items.append(items[0])  # duplicate
        result = parse_feed(json.dumps(items).encode())
        assert [p.id for p in result.papers] == ["2605.05242", "2605.06548", "2605.06130"]
        assert result.skipped == 3
        assert result.errors == [
            "item 2: paper has no id", "item 3: no 'paper' object",
            "item 6: same id as item 1 (2605.05242), left out",
        ]
        assert result.meta["duplicates"] == 1


class TestGenericRss:
    def test_messy_rss2(self) -> None:
        result = parse("rss2_messy.xml", base_url="https://lab.example.org/blog/feed.xml")
        assert result.format == "rss"
        ids = [p.id for p in result.papers]
        assert ids == [
            "lab-post-101",
            "2605.05242",
            "https://lab.example.org/blog/posts/no-date.html?id=7",
            "sha256:d8c5dd47bb6650a86f97bc321bcc7e278429c987",  # no guid, no link: content hash
            "2403.00071",
        ]
        first, arxiv_post, no_date, hashed, doi = result.papers
        assert hashed.title.startswith("An item with neither guid nor")
        assert first.title == "Attention & Memory: a survey"
        assert first.abstract == "We survey attention and memory. Second\xa0paragraph & more."\
            .replace("\xa0", " ")
        assert first.authors == ("Jane Roe", "John Doe")
        assert first.url == "https://lab.example.org/blog/2026/attention-memory"
        assert first.published == datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
        assert first.categories == ("ml", "survey")
        assert first.source == "feed"
        assert arxiv_post.version == 2 and arxiv_post.authors == ("Jane Roe",)
        assert no_date.published is None
        assert no_date.abstract == "Plain text with a hard wrap."
        assert doi.authors == ("Doe, John",) and doi.published is None
        assert result.skipped == 1  # one duplicate guid, and it says so
        assert result.meta["duplicates"] == 1
        assert result.errors == ["item 4: same id as item 1 (lab-post-101), left out"]
        assert result.meta["title"] == "Lab Blog & Notes"

    def test_relative_links_use_channel_link_without_base_url(self) -> None:
        result = parse("rss2_messy.xml")
        assert result.papers[0].url == "https://lab.example.org/blog/2026/attention-memory"

    def test_rss091_with_doctype_and_html_entities(self) -> None:
        result = parse("rss091.xml")
        assert result.format == "rss" and result.meta["version"] == "0.91"
        first, second = result.papers
        assert first.title == "Café models revisited"
        assert first.abstract == "Schön und gut: a look at café models."
        assert first.id == "http://old.example.com/papers/cafe.html"
        assert second.abstract == ""


class TestAtom:
    def test_generic_atom(self) -> None:
        result = parse("atom_generic.xml")
        assert result.format == "atom"
        moe, xhtml, arxiv = result.papers
        assert moe.id == "tag:research.example.net,2026:moe"
        assert moe.title == "Sparse Mixture of Experts & You"
        assert moe.abstract == "Why experts help. Details."
        assert moe.authors == ("Grace Hopper", "Alan Turing")
        assert moe.url == "https://research.example.net/posts/moe"  # xml:base on the feed
        assert moe.published == datetime(2026, 5, 9, 6, 0, tzinfo=UTC)
        assert xhtml.title == "Plain <text> title"  # type="text": markup-looking text stays
        assert xhtml.abstract == "First para. Second para."
        assert xhtml.url == "https://mirror.example.org/notes/xhtml-entry"  # entry xml:base
        assert xhtml.published == datetime(2026, 5, 8, 12, 0, tzinfo=UTC)  # from <updated>
        assert (arxiv.id, arxiv.version) == ("2306.05292", 3)
        assert arxiv.abstract == "Text content wrapped."
        assert arxiv.published is None
        assert result.meta["link"] == "https://research.example.net/"


class TestJsonFeed:
    def test_items(self) -> None:
        result = parse("jsonfeed_1_1.json")
        assert result.format == "jsonfeed"
        first, skill, note, hashed = result.papers
        assert hashed.id == "sha256:81a0623fd29909e0a5ce1e20d55621abf5421b9b"  # no id, no url
        assert first.id == "https://reading.example.org/2026/05/diffusion"
        assert first.url == "https://reading.example.org/2026/05/diffusion"
        assert first.title == "Continuous Latent Diffusion & friends"
        assert first.abstract == "We read Cola DLM."
        assert first.authors == ("Ana Reader", "Bo Listener")
        assert first.published == datetime(2026, 5, 8, 17, 0, tzinfo=UTC)
        assert first.categories == ("diffusion", "lm")
        assert (skill.id, skill.version) == ("2605.06130", 1)
        assert skill.authors == ("Old Style Author",)
        assert skill.abstract == "Notes on Skill1. Wrapped line."
        assert note.title.startswith("A title-less micro post") and note.title.endswith("…")
        assert result.skipped == 1
        assert result.errors == ["item 5: expected an object, got str"]


def test_arxiv_announcement_atom_feed() -> None:
    """rss.arxiv.org/atom/<cat>: Atom with the RSS feed's announce head and dc:creator."""
    body = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
  <id>http://rss.arxiv.org/atom/cs.LG</id><title>cs.LG updates on arXiv.org</title>
  <entry>
    <id>oai:arXiv.org:2502.08441v2</id>
    <title>Better Embeddings with Coupled Adam</title>
    <updated>2026-11-26T00:00:00-05:00</updated>
    <link href="https://arxiv.org/abs/2502.08441" rel="alternate" type="text/html"/>
    <summary>arXiv:2502.08441v2 Announce Type: replace
Abstract: Despite their remarkable capabilities, LLMs learn word representations.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>2026-11-26T00:00:00-05:00</published>
    <arxiv:announce_type>replace</arxiv:announce_type>
    <dc:creator>Felix Stollenwerk, Tobias Stollenwerk</dc:creator>
  </entry>
</feed>"""
    paper = parse_feed(body).papers[0]
    assert (paper.id, paper.version) == ("2502.08441", 2)
    assert paper.abstract == (
        "Despite their remarkable capabilities, LLMs learn word representations."
    )
    assert paper.authors == ("Felix Stollenwerk", "Tobias Stollenwerk")
    assert paper.extra["announce_type"] == "replace"
    assert paper.published == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert paper.source == "arxiv" and paper.url == "https://arxiv.org/abs/2502.08441"
