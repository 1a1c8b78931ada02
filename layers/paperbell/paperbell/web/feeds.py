"""A subscriber's recent matches as Atom 1.0 (RFC 4287) or JSON Feed 1.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from paperbell.models import Subscriber
from paperbell.services.feeds import FeedItem

TITLE = "paperbell: your matching papers"


def _when(item: FeedItem, now: datetime) -> str:
    if item.date:
        return f"{item.date}T00:00:00Z"
    if item.paper.published:
        return item.paper.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def _paper_id(item: FeedItem) -> str:
    return f"urn:paperbell:paper:{item.paper.id}"


def atom(subscriber: Subscriber, items: list[FeedItem], self_url: str,
         now: datetime | None = None) -> str:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    updated = max((_when(i, now) for i in items), default=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    entries = []
    for item in items:
        paper = item.paper
        authors = "".join(
            f"<author><name>{escape(a)}</name></author>" for a in paper.authors[:20]
        ) or "<author><name>unknown</name></author>"
        link = f"<link rel=\"alternate\" href={quoteattr(paper.url)}/>" if paper.url else ""
        categories = "".join(f"<category term={quoteattr(c)}/>" for c in paper.categories)
        entries.append(
            "<entry>"
            f"<id>{escape(_paper_id(item))}</id>"
            f"<title>{escape(paper.title)}</title>"
            f"<updated>{_when(item, now)}</updated>"
            f"{authors}{link}{categories}"
            f"<summary>{escape(paper.abstract)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:paperbell:feed:{escape(subscriber.id)}</id>"
        f"<title>{escape(TITLE)}</title>"
        f"<updated>{updated}</updated>"
        f"<link rel=\"self\" href={quoteattr(self_url)}/>"
        "<generator>paperbell</generator>"
        + "".join(entries)
        + "</feed>\n"
    )


def json_feed(items: list[FeedItem], self_url: str, now: datetime | None = None
              ) -> dict[str, Any]:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": TITLE,
        "feed_url": self_url,
        "items": [
            {
                "id": _paper_id(item),
                "url": item.paper.url or None,
                "title": item.paper.title,
                "content_text": item.paper.abstract,
                "date_published": _when(item, now),
                "authors": [{"name": a} for a in item.paper.authors[:20]],
                "tags": list(item.paper.categories),
                "_paperbell": {"paper_id": item.paper.id, "digest_date": item.date or None},
            }
            for item in items
        ],
    }
