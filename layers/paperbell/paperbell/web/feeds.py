"""A subscriber's recent matches as Atom 1.0 (RFC 4287) or JSON Feed 1.1.

Text from feeds may hold characters XML 1.0 forbids (C0 controls, lone surrogates,
U+FFFE/FFFF); one of them would make the whole Atom document unreadable, so every text
and attribute passes :func:`xml_text` first. Links pass :func:`paperbell.urls.safe_url`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape as _escape
from xml.sax.saxutils import quoteattr as _quoteattr

from paperbell.models import Subscriber
from paperbell.services.feeds import FeedItem
from paperbell.urls import safe_url

#: What XML 1.0 allows (section 2.2); everything else is dropped.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML 1.0 document may not contain."""
    return _NOT_XML.sub("", text)


def escape(text: str) -> str:
    return _escape(xml_text(text))


def quoteattr(text: str) -> str:
    return _quoteattr(xml_text(text))

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
        url = safe_url(paper.url)
        link = f"<link rel=\"alternate\" href={quoteattr(url)}/>" if url else ""
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
                "url": safe_url(item.paper.url),
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
