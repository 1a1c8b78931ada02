"""Liked-paper references -> papers: from what paperbell has, else from the arXiv API.

Why this order and these manners: most liked papers are already in the papers table (or
in the source a CLI user names), and asking arXiv costs them and us. What is missing is
fetched from the arXiv export API with batched ``id_list`` requests (up to 50 ids each),
one request at a time and at least 3 s apart: :class:`~paperbell.sources.HttpFetcher`
enforces arXiv's spacing for every arxiv.org host and retries politely; the Atom answer
goes through the same parser as the ``arxiv-api:`` source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from paperbell.errors import FeedError
from paperbell.models import Paper
from paperbell.sources.fetcher import HttpFetcher
from paperbell.sources.parse import parse_feed
from paperbell.sources.specs import ARXIV_API_URL

from .inputs import PaperRef, parse_paper_list

__all__ = ["ID_LIST_BATCH", "Resolved", "fetch_arxiv_papers", "references", "resolve_papers"]

#: ids per export-API request (the API accepts long lists; this keeps URLs short).
ID_LIST_BATCH = 50


@dataclass(slots=True)
class Resolved:
    """The papers found for the references, in their order, and what was not found."""

    papers: list[Paper] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fetched: int = 0  # papers that came from the arXiv API
    requests: int = 0


def fetch_arxiv_papers(
    ids: Sequence[str],
    fetcher: HttpFetcher,
    *,
    api_url: str = ARXIV_API_URL,
    batch: int = ID_LIST_BATCH,
) -> tuple[dict[str, Paper], list[str], int]:
    """Fetch ``ids`` from the export API: (papers by id, problems, requests made)."""
    found: dict[str, Paper] = {}
    problems: list[str] = []
    requests = 0
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        query = urlencode({"id_list": ",".join(chunk), "max_results": len(chunk)}, safe=",")
        url = f"{api_url}{'&' if '?' in api_url else '?'}{query}"
        requests += 1
        try:
            response = fetcher.get(url)
            feed = parse_feed(response.body, base_url=response.url,
                              content_type=response.content_type)
        except FeedError as exc:
            problems.append(f"could not fetch {', '.join(chunk)} from arXiv: {exc}")
            continue
        for paper in feed.papers:
            found[paper.id] = paper
    return found, problems, requests


def references(values: Sequence[str], known: Mapping[str, Paper]) -> tuple[list[PaperRef],
                                                                           list[str]]:
    """References from pasted values (ids, URLs, DOIs, BibTeX) and their problems; a value
    that is exactly the id of a known paper (a feed guid, say) is taken as it is."""
    exact = [PaperRef("id", v, v) for v in values if v in known]
    parsed = parse_paper_list("\n".join(v for v in values if v not in known))
    return exact + parsed.refs, parsed.problems


def _doi_index(papers: Iterable[Paper]) -> dict[str, Paper]:
    out: dict[str, Paper] = {}
    for paper in papers:
        doi = str(paper.extra.get("doi") or "").strip().lower()
        if doi:
            out[doi] = paper
    return out


def resolve_papers(
    refs: Sequence[PaperRef],
    known: Mapping[str, Paper],
    fetcher: HttpFetcher | None = None,
    *,
    api_url: str = ARXIV_API_URL,
) -> Resolved:
    """Papers for ``refs``: ``known`` (id -> paper) first, then the arXiv API.

    Without a ``fetcher`` nothing is fetched and missing papers are reported.
    """
    result = Resolved()
    by_doi = _doi_index(known.values())
    missing = [r.value for r in refs if r.kind == "arxiv" and r.value not in known]
    fetched: dict[str, Paper] = {}
    if missing and fetcher is not None:
        fetched, problems, result.requests = fetch_arxiv_papers(missing, fetcher, api_url=api_url)
        result.problems += problems
    for ref in refs:
        if ref.kind == "id":
            paper = known.get(ref.value)
            if paper is None:
                result.problems.append(f"{ref.label}: not among the papers")
                continue
        elif ref.kind == "doi":
            paper = by_doi.get(ref.value)
            if paper is None:
                result.problems.append(
                    f"{ref.label}: DOI {ref.value} is not an arXiv paper paperbell has seen"
                )
                continue
        else:
            paper = known.get(ref.value) or fetched.get(ref.value)
            if paper is None:
                where = "not found on arXiv" if fetcher is not None else "not among the papers"
                result.problems.append(f"{ref.label}: {ref.value} {where}")
                continue
            if ref.value in fetched:
                result.fetched += 1
        result.papers.append(paper)
    return result
