"""Source specs: every supported form, its normalized name, URLs, and clear errors."""

from __future__ import annotations

import pytest

from paperbell.errors import SourceSpecError
from paperbell.sources import SourceSpec, parse_source_spec


@pytest.mark.parametrize(
    ("text", "name", "kind", "url"),
    [
        ("hf:daily", "hf:daily", "hf", "https://huggingface.co/api/daily_papers?limit=100&p=0"),
        (" HF:Daily ", "hf:daily", "hf", "https://huggingface.co/api/daily_papers?limit=100&p=0"),
        ("hf:daily/2026-05-10", "hf:date/2026-05-10", "hf",
         "https://huggingface.co/api/daily_papers?date=2026-05-10&limit=100&p=0"),
        ("hf:date/2026-05-10", "hf:date/2026-05-10", "hf",
         "https://huggingface.co/api/daily_papers?date=2026-05-10&limit=100&p=0"),
        ("hf:week/2026-w19", "hf:week/2026-W19", "hf",
         "https://huggingface.co/api/daily_papers?week=2026-W19&limit=100&p=0"),
        ("hf:month/2026-05", "hf:month/2026-05", "hf",
         "https://huggingface.co/api/daily_papers?month=2026-05&limit=100&p=0"),
        ("hf:trending", "hf:trending", "hf",
         "https://huggingface.co/api/daily_papers?sort=trending&limit=100&p=0"),
    ],
)
def test_hf_specs(text: str, name: str, kind: str, url: str) -> None:
    spec = parse_source_spec(text)
    assert (spec.name, spec.kind) == (name, kind)
    assert spec.paged
    assert spec.request_url(limit=100, p=0) == url


def test_hf_page_spec() -> None:
    assert parse_source_spec("hf-page:").url == "https://huggingface.co/papers"
    spec = parse_source_spec("hf-page:/papers/date/2026-05-08")
    assert spec.kind == "hf-page"
    assert spec.url == "https://huggingface.co/papers/date/2026-05-08"
    assert spec.name == "hf-page:https://huggingface.co/papers/date/2026-05-08"
    assert parse_source_spec("hf-page:https://huggingface.co/papers?date=2026-05-08").url == (
        "https://huggingface.co/papers?date=2026-05-08"
    )


@pytest.mark.parametrize(
    ("text", "name", "categories"),
    [
        ("arxiv:cs.LG", "arxiv:cs.LG", ("cs.LG",)),
        ("arxiv:cs.LG+cs.CL", "arxiv:cs.LG+cs.CL", ("cs.LG", "cs.CL")),
        ("arxiv:cs.lg, cs.cl", "arxiv:cs.LG+cs.CL", ("cs.LG", "cs.CL")),
        ("arxiv:cs.LG+cs.LG", "arxiv:cs.LG", ("cs.LG",)),
        ("arxiv:physics.optics+cond-mat.mes-hall", "arxiv:physics.optics+cond-mat.mes-hall",
         ("physics.optics", "cond-mat.mes-hall")),
        ("arxiv:hep-th+astro-ph.co", "arxiv:hep-th+astro-ph.CO", ("hep-th", "astro-ph.CO")),
        ("arxiv:cs", "arxiv:cs", ("cs",)),
    ],
)
def test_arxiv_rss_specs(text: str, name: str, categories: tuple[str, ...]) -> None:
    spec = parse_source_spec(text)
    assert (spec.name, spec.kind, spec.categories) == (name, "arxiv", categories)
    assert spec.url == "https://rss.arxiv.org/rss/" + "+".join(categories)
    assert spec.request_url() == spec.url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("arxiv:", "at least one category"),
        ("arxiv:cs.LG+xx.YY", "unknown arXiv archive 'xx'"),
        ("arxiv:csx.LG", "did you mean 'cs'"),
        ("arxiv:cs.LGX", "two letters"),
        ("arxiv:cs..LG", "bad arXiv category"),
        ("arxiv:cs.LG/new", "bad arXiv category"),
    ],
)
def test_arxiv_category_errors(text: str, message: str) -> None:
    with pytest.raises(SourceSpecError, match=message):
        parse_source_spec(text)


def test_arxiv_api_spec() -> None:
    spec = parse_source_spec("arxiv-api:cat:cs.CL  AND abs:retrieval")
    assert spec.kind == "arxiv-api" and spec.paged
    assert spec.name == "arxiv-api:cat:cs.CL AND abs:retrieval"
    assert spec.request_url(start=0, max_results=100) == (
        "https://export.arxiv.org/api/query?search_query=cat:cs.CL+AND+abs:retrieval"
        "&sortBy=submittedDate&sortOrder=descending&start=0&max_results=100"
    )
    assert spec.max_items == 500
    plus = parse_source_spec("arxiv-api:cat:cs.CL+AND+ti:diffusion")
    assert "search_query=cat:cs.CL+AND+ti:diffusion&" in plus.request_url(start=0)


def test_arxiv_api_spec_with_parameters() -> None:
    spec = parse_source_spec("arxiv-api:search_query=ti:diffusion&sortBy=relevance&start=40")
    assert dict(spec.params) == {
        "search_query": "ti:diffusion", "sortBy": "relevance", "sortOrder": "descending",
    }
    assert spec.name.startswith("arxiv-api:search_query=ti:diffusion&sortBy=relevance")
    with pytest.raises(SourceSpecError, match="unsupported parameter"):
        parse_source_spec("arxiv-api:search_query=x&foo=1")
    with pytest.raises(SourceSpecError, match="unbalanced"):
        parse_source_spec("arxiv-api:(cat:cs.CL AND ti:x")
    with pytest.raises(SourceSpecError, match="needs a search query"):
        parse_source_spec("arxiv-api:")


@pytest.mark.parametrize(
    ("text", "name", "hint"),
    [
        ("https://Blog.Example.org/feed.xml", "https://blog.example.org/feed.xml", None),
        ("rss:https://example.org/rss", "rss:https://example.org/rss", "rss"),
        ("atom:http://example.org/atom.xml", "atom:http://example.org/atom.xml", "atom"),
        ("json:https://example.org/feed.json", "json:https://example.org/feed.json", "json"),
    ],
)
def test_feed_url_specs(text: str, name: str, hint: str | None) -> None:
    spec = parse_source_spec(text)
    assert (spec.name, spec.kind, spec.format_hint) == (name, "feed", hint)
    assert spec.request_url() == spec.url


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("/tmp/feed.xml", "/tmp/feed.xml"),
        ("./feeds/arxiv.xml", "./feeds/arxiv.xml"),
        ("feeds/arxiv.xml", "feeds/arxiv.xml"),
        ("papers.json", "papers.json"),
        ("file:/data/feed.xml", "/data/feed.xml"),
        ("file:///data/feed.xml", "/data/feed.xml"),
    ],
)
def test_file_specs(text: str, path: str) -> None:
    spec = parse_source_spec(text)
    assert spec.kind == "file" and spec.path == path and spec.url is None
    assert spec.name.startswith("file:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty source spec"),
        ("   ", "empty source spec"),
        ("arvix:cs.LG", "did you mean 'arxiv'"),
        ("hf:yesterday", "unknown Hugging Face source"),
        ("hf:date/2026-02-30", "no such day"),
        ("hf:date/10-05-2026", "expected hf:date/YYYY-MM-DD"),
        ("hf:week/2026-W54", "no ISO week 54"),
        ("hf:month/2026-13", "bad month"),
        ("rss:example.org/feed", "needs an http"),
        ("https://", "bad URL"),
        ("https://exa mple.org/feed", "spaces"),
        ("ftp:x", "unknown source kind"),
        ("just words", "unrecognized source spec"),
    ],
)
def test_spec_errors_are_clear(text: str, message: str) -> None:
    with pytest.raises(SourceSpecError, match=message):
        parse_source_spec(text)


def test_spec_is_immutable_and_request_url_needs_http() -> None:
    spec = parse_source_spec("/tmp/x.xml")
    assert isinstance(spec, SourceSpec)
    with pytest.raises(SourceSpecError):
        spec.request_url()
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
