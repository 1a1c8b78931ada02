"""Hugging Face daily papers: the ``/api/daily_papers`` JSON and the papers HTML page.

Why both: the API is the supported path; the page (``huggingface.co/papers``) embeds the
same items as HTML-escaped JSON in the ``data-props`` attribute of the element with
``data-target="DailyPapers"``, which is the fallback when only a page URL is at hand.
The page is read with lxml (an attribute lookup), never with a regex over HTML.

Two API shapes are known: 2024 (arXiv hard wraps ``\\n  `` in titles/summaries, no
``submittedOnDailyAt``/``ai_*``/``organization``) and 2026 (the fixture). Both map
to the same ``Paper``; the extras simply are absent for 2024 items.
"""

from __future__ import annotations

import json
from typing import Any

from paperbell.errors import FeedError
from paperbell.models import Paper, split_arxiv_version

from .dates import parse_date
from .ids import HF_PAPER_URL
from .results import FeedResult, PaperCollector, SkipItem
from .text import plain_text


def read_hf_items(items: list[Any], *, fmt: str, meta: dict[str, Any]) -> FeedResult:
    """Turn API-shaped items (``{"paper": {...}, "numComments": ..}``) into papers."""
    return PaperCollector(fmt, meta).collect(items, _read_item)


def _read_item(item: Any) -> Paper:
    if not isinstance(item, dict):
        raise SkipItem(f"expected an object, got {type(item).__name__}")
    paper = item.get("paper")
    if not isinstance(paper, dict):
        raise SkipItem("no 'paper' object")
    raw_id = paper.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise SkipItem("paper has no id")
    paper_id, version = split_arxiv_version(raw_id)
    title = plain_text(_str(paper.get("title")) or _str(item.get("title")))
    if not title:
        raise SkipItem(f"{paper_id}: no title")
    abstract = plain_text(_str(paper.get("summary")) or _str(item.get("summary")))

    authors: list[str] = []
    raw_authors = paper.get("authors")
    if isinstance(raw_authors, list):
        for author in raw_authors:
            if not isinstance(author, dict) or author.get("hidden") is True:
                continue
            name = plain_text(_str(author.get("name")))
            if name:
                authors.append(name)

    extra: dict[str, Any] = {}
    _put(extra, "comments", _int(item.get("numComments")))
    _put(extra, "github_repo", _str(paper.get("githubRepo")))
    _put(extra, "github_stars", _int(paper.get("githubStars")))
    _put(extra, "project_page", _str(paper.get("projectPage")))
    keywords = paper.get("ai_keywords")
    if isinstance(keywords, list):
        _put(extra, "ai_keywords", [k for k in keywords if isinstance(k, str) and k])
    _put(extra, "ai_summary", plain_text(_str(paper.get("ai_summary"))))
    _put(extra, "thumbnail", _str(item.get("thumbnail")))
    organization = item.get("organization") or paper.get("organization")
    if isinstance(organization, dict):
        org = {
            key: organization[key]
            for key in ("name", "fullname", "avatar")
            if isinstance(organization.get(key), str)
        }
        _put(extra, "organization", org)
    submitted = parse_date(_str(paper.get("submittedOnDailyAt")) or None)
    if submitted is not None:
        extra["submitted_on_daily_at"] = submitted.isoformat()

    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple(authors),
        url=HF_PAPER_URL.format(id=paper_id),
        published=parse_date(_str(paper.get("publishedAt")) or None),
        source="hf",
        upvotes=_int(paper.get("upvotes")),
        version=version,
        extra=extra,
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _put(extra: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        extra[key] = value


def read_hf_page(body: bytes, *, meta: dict[str, Any]) -> FeedResult:
    """Read the papers page: the ``dailyPapers`` array inside ``data-props``."""
    from lxml import etree  # the HTML path is rare; keep lxml off the JSON path's imports

    parser = etree.HTMLParser(no_network=True, recover=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
        raise FeedError(f"unreadable Hugging Face papers page: {exc}") from None
    if root is None:
        raise FeedError("unreadable Hugging Face papers page: empty document")
    props = root.xpath('//*[@data-target="DailyPapers"]/@data-props')
    if not props:
        raise FeedError("Hugging Face page without a DailyPapers data block")
    try:
        data = json.loads(str(props[0]))  # type: ignore[index]
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"Hugging Face page: data-props is not valid JSON ({exc})") from None
    papers = data.get("dailyPapers") if isinstance(data, dict) else None
    if not isinstance(papers, list):
        raise FeedError("Hugging Face page: data-props has no 'dailyPapers' list")
    title = root.findtext(".//title")
    if title:
        meta["title"] = plain_text(title)
    for key in ("date", "week", "month"):
        if isinstance(data.get(key), str):
            meta[key] = data[key]
    return read_hf_items(papers, fmt="hf-page", meta=meta)
