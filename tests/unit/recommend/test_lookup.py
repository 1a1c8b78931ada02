"""Fetching liked papers paperbell does not have, politely, from a local arXiv API."""

from __future__ import annotations

import pytest

from paperbell.models import Paper
from paperbell.recommend.inputs import PaperRef
from paperbell.recommend.lookup import fetch_arxiv_papers, resolve_papers
from paperbell.sources import HttpFetcher


@pytest.fixture
def polite(fake_time):
    """A fetcher that treats the loopback fixture server as arXiv (3 s apart)."""
    with HttpFetcher(polite_domains=("127.0.0.1",), polite_interval=3.0,
                     sleep=fake_time.sleep, clock=fake_time.clock, max_retries=0) as f:
        yield f


def _papers(n: int) -> list[Paper]:
    return [Paper(id=f"2601.{i:05d}", title=f"Paper {i}", abstract=f"about topic {i}")
            for i in range(n)]


def test_missing_papers_are_fetched_in_batched_id_lists_one_at_a_time_3s_apart(
    arxiv_api, polite, fake_time
):
    wanted = _papers(60)
    arxiv_api.papers = {p.id: p for p in wanted}
    found, problems, requests = fetch_arxiv_papers([p.id for p in wanted], polite,
                                                   api_url=arxiv_api.url)
    assert problems == [] and requests == 2
    assert sorted(found) == sorted(p.id for p in wanted)
    assert found["2601.00007"].title == "Paper 7"
    batches = [q["id_list"][0].split(",") for q in arxiv_api.requests]
    assert [len(b) for b in batches] == [50, 10]
    assert [q["max_results"] for q in arxiv_api.requests] == [["50"], ["10"]]
    assert fake_time.sleeps == [3.0]  # the second request waited for arXiv's spacing


def test_known_papers_are_not_fetched_and_unknown_ones_are_reported(arxiv_api, polite):
    have, remote = _papers(3), Paper(id="2601.99999", title="Remote", abstract="far away")
    arxiv_api.papers = {remote.id: remote}
    refs = [PaperRef("arxiv", p.id, p.id) for p in have] + [
        PaperRef("arxiv", remote.id, "remote"),
        PaperRef("arxiv", "2601.88888", "gone"),
        PaperRef("doi", "10.1/x", "bookish"),
    ]
    result = resolve_papers(refs, {p.id: p for p in have}, polite, api_url=arxiv_api.url)
    assert [p.id for p in result.papers] == [p.id for p in have] + [remote.id]
    assert result.fetched == 1 and result.requests == 1
    assert arxiv_api.requests[0]["id_list"] == ["2601.99999,2601.88888"]
    assert result.problems == [
        "gone: 2601.88888 not found on arXiv",
        "bookish: DOI 10.1/x is not an arXiv paper paperbell has seen",
    ]


def test_a_doi_is_found_among_known_papers():
    paper = Paper(id="2601.00001", title="T", abstract="A", extra={"doi": "10.1/ABC"})
    result = resolve_papers([PaperRef("doi", "10.1/abc", "x")], {paper.id: paper})
    assert result.papers == [paper] and result.problems == []


def test_an_arxiv_outage_is_reported_not_raised(arxiv_api, polite):
    arxiv_api.status = 503
    result = resolve_papers([PaperRef("arxiv", "2601.00001", "a")], {}, polite,
                            api_url=arxiv_api.url)
    assert result.papers == []
    assert result.problems[0].startswith("could not fetch 2601.00001 from arXiv: HTTP 503")
    assert result.problems[1] == "a: 2601.00001 not found on arXiv"


def test_without_a_fetcher_nothing_is_fetched(arxiv_api):
    result = resolve_papers([PaperRef("arxiv", "2601.00001", "a")], {})
    assert arxiv_api.requests == []
    assert result.problems == ["a: 2601.00001 not among the papers"]
