"""JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1) -> papers.

Why support it: many personal research blogs and newsletters publish JSON Feed only.
Items must have an ``id``; 1.1 ``authors`` and 1.0 ``author`` are both read. Titles are
plain text by the spec; one that unmistakably holds HTML is read as HTML
(``text.title_text``). Attachment URLs count when looking for an arXiv id.
"""

from __future__ import annotations

from typing import Any

from paperbell.fitting import clean_text
from paperbell.models import Paper

from .dates import parse_date
from .ids import ARXIV_ABS_URL, find_arxiv_id, paper_identity, resolve_link
from .results import FeedResult, PaperCollector, SkipItem
from .text import html_to_text, plain_text, title_or_summary, title_text


def looks_like_json_feed(data: dict[str, Any]) -> bool:
    """The ``version`` URL is mandatory; be lenient with feeds that forgot it."""
    version = data.get("version")
    if isinstance(version, str) and "jsonfeed.org" in version:
        return True
    return isinstance(data.get("items"), list) and (
        "home_page_url" in data or "feed_url" in data
    )


def read_json_feed(data: dict[str, Any], *, base_url: str | None, meta: dict[str, Any]
                   ) -> FeedResult:
    """Read a parsed JSON Feed object into papers."""
    for key in ("title", "home_page_url", "feed_url", "version"):
        if isinstance(data.get(key), str):
            meta["link" if key == "home_page_url" else key] = clean_text(data[key])
    # Relative item URLs are relative to the feed document (JSON Feed spec).
    base = base_url or _str(data.get("feed_url")) or _str(data.get("home_page_url")) or None
    collector = PaperCollector("jsonfeed", meta)
    items = data.get("items")
    if not isinstance(items, list):
        collector.note("JSON Feed without an 'items' list")
        return collector.result()
    return collector.collect(items, lambda item: _read_item(item, base))


def _read_item(item: Any, base: str | None) -> Paper:
    if not isinstance(item, dict):
        raise SkipItem(f"expected an object, got {type(item).__name__}")
    raw_id = item.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) else ""
    link = resolve_link(_str(item.get("url")), base)
    external = resolve_link(_str(item.get("external_url")), base)
    attachments = item.get("attachments")
    attached = [resolve_link(_str(a.get("url")), base) for a in attachments
                if isinstance(a, dict)] if isinstance(attachments, list) else []
    found = find_arxiv_id(guid, link, external, *attached)

    abstract = plain_text(_str(item.get("summary")))
    if not abstract:
        abstract = plain_text(_str(item.get("content_text")))
    if not abstract:
        abstract = html_to_text(_str(item.get("content_html")))
    title = title_text(_str(item.get("title")))
    paper_id, version = paper_identity(found, guid, link, title, abstract)
    title = title_or_summary(title, abstract, paper_id)

    authors: list[str] = []
    raw_authors = item.get("authors")
    if not isinstance(raw_authors, list):
        raw_authors = [item["author"]] if isinstance(item.get("author"), dict) else []
    for author in raw_authors:
        if isinstance(author, dict):
            name = plain_text(_str(author.get("name")))
            if name:
                authors.append(name)

    tags = item.get("tags")
    categories = tuple(t.strip() for t in tags if isinstance(t, str) and t.strip()) if (
        isinstance(tags, list)) else ()
    url = link or external or (ARXIV_ABS_URL.format(id=paper_id) if found else "")
    extra: dict[str, Any] = {}
    if external and external != url:
        extra["external_url"] = external
    image = _str(item.get("image"))
    if image:
        extra["image"] = resolve_link(image, base)
    published = _str(item.get("date_published")) or _str(item.get("date_modified"))
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple(authors),
        url=url,
        published=parse_date(published) if published else None,
        source="feed",
        categories=categories,
        version=version,
        extra=extra,
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
