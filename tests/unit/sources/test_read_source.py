"""read_source end to end against a local server: paging, state, errors, files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from paperbell.errors import FeedError, SourceSpecError
from paperbell.sources import (
    HttpFetcher,
    SourceReadResult,
    SourceSpec,
    SourceState,
    parse_source_spec,
    read_source,
)

from .conftest import LocalServer, Reply, Seen, feed_bytes

HF_ITEMS = json.loads(feed_bytes("hf_daily_papers_api_2026.json"))


def local(spec: str, server: LocalServer, path: str) -> SourceSpec:
    return dataclasses.replace(parse_source_spec(spec), url=server.url(path))


def hf_item(arxiv_id: str) -> dict[str, Any]:
    item = json.loads(json.dumps(HF_ITEMS[0]))
    item["paper"]["id"] = arxiv_id
    return item


class TestHuggingFacePaging:
    def test_pages_until_an_empty_page(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        pages = {0: [hf_item("2605.00001"), hf_item("2605.00002")],
                 1: [hf_item("2605.00003"), hf_item("2605.00001")],  # repeat across pages
                 2: []}

        def route(request: Seen) -> Reply:
            return Reply(200, json.dumps(pages[int(request.query["p"][0])]).encode())

        server.routes["/api/daily_papers"] = route
        spec = dataclasses.replace(local("hf:week/2026-W19", server, "/api/daily_papers"),
                                   page_size=2)
        result = read_source(spec, fetcher=fetcher)
        assert [p.id for p in result.papers] == ["2605.00001", "2605.00002", "2605.00003"]
        assert result.skipped == 1
        assert result.errors == ["page 1: 1 item(s) already read on an earlier page, left out"]
        assert result.requests == 3
        assert [s.query for s in server.seen] == [
            {"week": ["2026-W19"], "limit": ["2"], "p": [str(n)]} for n in range(3)
        ]
        assert result.spec == "hf:week/2026-W19"
        assert result.state.content_hash and not result.not_modified

    def test_cap_stops_paging(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        counter = iter(range(10_000))

        def route(request: Seen) -> Reply:
            items = [hf_item(f"2605.{next(counter):05d}") for _ in range(2)]
            return Reply(200, json.dumps(items).encode())

        server.routes["/api/daily_papers"] = route
        spec = dataclasses.replace(local("hf:trending", server, "/api/daily_papers"),
                                   page_size=2)
        result = read_source(spec, fetcher=fetcher, max_items=5)
        assert len(result.papers) == 5 and result.requests == 3

    def test_api_ignoring_pages_does_not_loop(self, server: LocalServer,
                                              fetcher: HttpFetcher) -> None:
        server.routes["/api/daily_papers"] = Reply(200, feed_bytes("hf_daily_papers_api_2026.json"))
        spec = dataclasses.replace(local("hf:daily", server, "/api/daily_papers"), page_size=3)
        result = read_source(spec, fetcher=fetcher)
        assert len(result.papers) == 3 and result.requests == 2

    def test_weekend_empty_list(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        server.routes["/api/daily_papers"] = Reply(200, b"[]")
        result = read_source(local("hf:date/2026-05-09", server, "/api/daily_papers"),
                             fetcher=fetcher)
        assert result.papers == [] and result.errors == [] and result.requests == 1

    def test_unchanged_pages_are_not_modified(self, server: LocalServer,
                                              fetcher: HttpFetcher) -> None:
        def route(request: Seen) -> Reply:
            if request.query["p"] == ["0"]:
                return Reply(200, feed_bytes("hf_daily_papers_api_2026.json"))
            return Reply(200, b"[]")

        server.routes["/api/daily_papers"] = route
        spec = local("hf:daily", server, "/api/daily_papers")
        first = read_source(spec, fetcher=fetcher)
        assert len(first.papers) == 3
        second = read_source(spec, fetcher=fetcher, state=first.state)
        assert second.not_modified and second.papers == []
        assert second.state == first.state

    def test_failure_after_first_page_keeps_papers_and_forgets_state(
        self, server: LocalServer, fetcher: HttpFetcher
    ) -> None:
        server.routes["/api/daily_papers"] = [
            Reply(200, feed_bytes("hf_daily_papers_api_2026.json")), Reply(404, b"gone"),
        ]
        result = read_source(local("hf:daily", server, "/api/daily_papers"), fetcher=fetcher)
        assert len(result.papers) == 3
        assert result.errors and result.errors[0].startswith("page 1: HTTP 404")
        assert result.state == SourceState()


class TestSingleDocumentSources:
    def test_etag_304_flow(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        def route(request: Seen) -> Reply:
            if request.headers.get("if-none-match") == '"abc"':
                return Reply(304, b"", {"ETag": '"abc"'})
            return Reply(200, feed_bytes("arxiv_rss_cs.LG.xml"),
                         {"ETag": '"abc"', "Content-Type": "application/rss+xml"})

        server.routes["/rss/cs.LG"] = route
        spec = local("arxiv:cs.LG", server, "/rss/cs.LG")
        first = read_source(spec, fetcher=fetcher)
        assert [p.id for p in first.papers] == ["2502.08441", "2403.00071", "2306.05292"]
        assert first.state.etag == '"abc"' and first.state.content_hash
        second = read_source(spec, fetcher=fetcher, state=first.state)
        assert second.not_modified and second.papers == [] and second.requests == 1
        assert second.state == first.state

    def test_same_body_without_validators_is_not_modified(
        self, server: LocalServer, fetcher: HttpFetcher
    ) -> None:
        server.routes["/feed.xml"] = Reply(200, feed_bytes("atom_generic.xml"))
        spec = local("atom:https://example.org/feed.xml", server, "/feed.xml")
        first = read_source(spec, fetcher=fetcher)
        assert len(first.papers) == 3 and first.state.etag is None
        second = read_source(spec, fetcher=fetcher, state=first.state)
        assert second.not_modified and second.papers == []

    def test_changed_body_is_read(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        server.routes["/feed.xml"] = Reply(200, feed_bytes("rss2_messy.xml"))
        spec = local("https://example.org/feed.xml", server, "/feed.xml")
        result = read_source(spec, fetcher=fetcher,
                             state=SourceState(content_hash="0" * 64))
        assert not result.not_modified and len(result.papers) == 5
        # relative links resolve against the URL the document came from
        assert result.papers[2].url.startswith(server.url("/posts/no-date.html"))

    def test_cross_listed_duplicate_is_read_once(self, server: LocalServer,
                                                 fetcher: HttpFetcher) -> None:
        body = feed_bytes("arxiv_rss_cs.LG.xml")
        start, end = body.index(b"<item>"), body.index(b"</item>") + len(b"</item>")
        doubled = body[:end] + body[start:end].replace(b"replace", b"cross") + body[end:]
        server.routes["/rss/cs.LG+cs.CL"] = Reply(200, doubled)
        result = read_source(local("arxiv:cs.LG+cs.CL", server, "/rss/cs.LG+cs.CL"),
                             fetcher=fetcher)
        assert [p.id for p in result.papers] == ["2502.08441", "2403.00071", "2306.05292"]
        assert result.papers[0].extra["announce_type"] == "replace"  # first one kept
        assert result.skipped == 1
        assert result.errors == ["item 2: same id as item 1 (2502.08441), left out"]

    def test_arxiv_400_names_the_bad_category(self, server: LocalServer,
                                              fetcher: HttpFetcher) -> None:
        server.routes["/rss/cs.XX"] = Reply(400, feed_bytes("arxiv_rss_feed_error.xml"))
        spec = dataclasses.replace(parse_source_spec("arxiv:cs.LG"),
                                   url=server.url("/rss/cs.XX"))
        with pytest.raises(FeedError, match=r"cs\.XX.*HTTP 400"):
            read_source(spec, fetcher=fetcher)

    def test_html_instead_of_feed(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        server.routes["/feed"] = Reply(200, b"<!DOCTYPE html><html><head><title>Login"
                                            b"</title></head></html>",
                                       {"Content-Type": "text/html"})
        with pytest.raises(FeedError, match="HTML page"):
            read_source(local("rss:https://example.org/feed", server, "/feed"),
                        fetcher=fetcher)

    def test_hf_page(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        server.routes["/papers"] = Reply(200, feed_bytes("hf_papers_page.html"))
        result = read_source(local("hf-page:", server, "/papers"), fetcher=fetcher)
        assert len(result.papers) == 3 and result.papers[0].source == "hf"

    def test_own_fetcher_is_created_when_none_given(self, server: LocalServer) -> None:
        server.routes["/feed.json"] = Reply(200, feed_bytes("jsonfeed_1_1.json"))
        result = read_source(local("json:https://example.org/feed.json", server,
                                   "/feed.json"))
        assert isinstance(result, SourceReadResult) and len(result.papers) == 4
        assert result.requests == 1 and result.duration_s > 0


class TestArxivApiPaging:
    @staticmethod
    def page(start: int, count: int, total: int) -> bytes:
        entries = "".join(
            f"<entry><id>http://arxiv.org/abs/2605.{n:05d}v1</id><title>Paper {n}</title>"
            f"<summary>Abstract {n}</summary><published>2026-05-10T00:00:00Z</published>"
            f"<author><name>Author {n}</name></author></entry>"
            for n in range(start, min(start + count, total))
        )
        return (
            '<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom">'
            f"<opensearch:totalResults>{total}</opensearch:totalResults>"
            f"<opensearch:startIndex>{start}</opensearch:startIndex>{entries}</feed>"
        ).encode()

    def test_pages_by_opensearch_totals(self, server: LocalServer, fetcher: HttpFetcher
                                        ) -> None:
        def route(request: Seen) -> Reply:
            start = int(request.query["start"][0])
            size = int(request.query["max_results"][0])
            return Reply(200, self.page(start, size, total=5))

        server.routes["/api/query"] = route
        spec = dataclasses.replace(local("arxiv-api:cat:cs.CL", server, "/api/query"),
                                   page_size=2)
        result = read_source(spec, fetcher=fetcher)
        assert [p.id for p in result.papers] == [f"2605.{n:05d}" for n in range(5)]
        assert [s.query["start"] for s in server.seen] == [["0"], ["2"], ["4"]]
        assert server.seen[0].query["search_query"] == ["cat:cs.CL"]

    def test_cap_limits_results(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        def route(request: Seen) -> Reply:
            start = int(request.query["start"][0])
            size = int(request.query["max_results"][0])
            return Reply(200, self.page(start, size, total=100_000))

        server.routes["/api/query"] = route
        spec = dataclasses.replace(local("arxiv-api:cat:cs.CL", server, "/api/query"),
                                   page_size=2)
        result = read_source(spec, fetcher=fetcher, max_items=3)
        assert len(result.papers) == 3
        assert [s.query["max_results"] for s in server.seen] == [["2"], ["1"]]

    def test_api_error_entry(self, server: LocalServer, fetcher: HttpFetcher) -> None:
        server.routes["/api/query"] = Reply(400, feed_bytes("arxiv_api_error.xml"))
        with pytest.raises(FeedError, match="incorrect id format"):
            read_source(local("arxiv-api:id_list=1234.12345v9", server, "/api/query"),
                        fetcher=fetcher)


class TestFilesAndSpecs:
    def test_local_file(self, feeds_dir: Path) -> None:
        result = read_source(str(feeds_dir / "arxiv_rss_cs.LG.xml"))
        assert [p.id for p in result.papers] == ["2502.08441", "2403.00071", "2306.05292"]
        assert result.requests == 0 and not result.not_modified
        assert result.state == SourceState()

    def test_local_file_keeps_given_state(self, feeds_dir: Path) -> None:
        state = SourceState(etag="x")
        result = read_source(str(feeds_dir / "rss091.xml"), state=state)
        assert result.state == state

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(FeedError, match="cannot read"):
            read_source(str(tmp_path / "nope.xml"))

    def test_bad_spec(self) -> None:
        with pytest.raises(SourceSpecError):
            read_source("arxiv:nonsense.category.x")


def test_source_state_round_trip() -> None:
    state = SourceState(etag='W/"1"', last_modified=None, content_hash="ab")
    assert state.as_dict() == {"etag": 'W/"1"', "content_hash": "ab"}
    assert SourceState.from_dict(state.as_dict()) == state
    assert SourceState.from_dict(None) == SourceState()
