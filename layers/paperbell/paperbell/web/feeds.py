"""A subscriber's recent matches, and the public trending list, as Atom 1.0 (RFC 4287)
or JSON Feed 1.1.

Text from feeds may hold characters XML 1.0 forbids (C0 controls, lone surrogates,
U+FFFE/FFFF); one of them would make the whole Atom document unreadable, so every text
and attribute passes :func:`xml_text` first. Links pass :func:`paperbell.urls.safe_url`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from paperbell.fitting import INVALID_CHARACTERS
from paperbell.models import Subscriber
from paperbell.services.feeds import FeedItem
from paperbell.services.trending import TrendingView
from paperbell.trending.ranking import RankedPaper
from paperbell.urls import safe_url


def xml_text(text: str) -> str:
    """``text`` without the characters an XML 1.0 document may not contain (section 2.2
    allows tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and U+10000-U+10FFFF; the rest is
    :data:`paperbell.fitting.INVALID_CHARACTERS`)."""
    return INVALID_CHARACTERS.sub("", text)


# Escaping with html.escape (loaded by the pages anyway), not xml.sax.saxutils, whose
# package brings four modules of the SAX parser API into every API cold start.


def escape(text: str) -> str:
    """Element text: ``&``, ``<``, ``>`` escaped (what ``xml.sax.saxutils.escape`` does)."""
    return html.escape(xml_text(text), quote=False)


def quoteattr(text: str) -> str:
    """A double-quoted attribute value; tab, CR and LF as character references, so an
    XML parser's attribute-value normalization does not turn them into spaces."""
    value = html.escape(xml_text(text), quote=False).replace('"', "&quot;")
    return '"' + value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;") + '"'


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


# -- the public trending feed (GET /trending.xml, /trending.json) --------------------------
TRENDING_TITLE = "paperbell: trending papers on Hugging Face"


def _trending_title(filter_text: str) -> str:
    return TRENDING_TITLE + (f" matching {filter_text}" if filter_text else "")


def _trending_summary(item: RankedPaper) -> str:
    paper = item.entry.paper
    text = str(paper.extra.get("ai_summary") or "") or paper.abstract
    return f"#{item.rank} · ▲ {item.entry.upvotes} upvotes · {item.entry.comments} comments. {text}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def trending_atom(view: TrendingView, self_url: str, filter_text: str = "",
                  now: datetime | None = None) -> str:
    """Atom 1.0: one entry per ranked paper, best first (rank and upvotes in the summary
    and as ``rank``/``upvotes`` categories, so readers can sort or filter on them)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    updated = _iso(view.updated_at or now)
    entries = []
    for item in view.papers:
        paper = item.entry.paper
        authors = "".join(
            f"<author><name>{escape(a)}</name></author>" for a in paper.authors[:20]
        ) or "<author><name>unknown</name></author>"
        link = f"<link rel=\"alternate\" href={quoteattr(paper.url)}/>" if paper.url else ""
        categories = "".join(f"<category term={quoteattr(c)}/>" for c in paper.categories)
        categories += (f'<category term="rank:{item.rank}" label="rank"/>'
                       f'<category term="upvotes:{item.entry.upvotes}" label="upvotes"/>')
        entries.append(
            "<entry>"
            f"<id>urn:paperbell:paper:{escape(paper.id)}</id>"
            f"<title>{escape(paper.title)}</title>"
            f"<updated>{_iso(item.entry.listed_at)}</updated>"
            f"{authors}{link}{categories}"
            f"<summary>{escape(_trending_summary(item))}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>urn:paperbell:trending:{escape(filter_text)}</id>"
        f"<title>{escape(_trending_title(filter_text))}</title>"
        f"<updated>{updated}</updated>"
        f"<link rel=\"self\" href={quoteattr(self_url)}/>"
        "<generator>paperbell</generator>"
        + "".join(entries)
        + "</feed>\n"
    )


def trending_json_feed(view: TrendingView, self_url: str, filter_text: str = ""
                       ) -> dict[str, Any]:
    """JSON Feed 1.1; each item's ``_paperbell`` holds rank, upvotes and comments."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _trending_title(filter_text),
        "home_page_url": "https://huggingface.co/papers",
        "feed_url": self_url,
        "items": [
            {
                "id": f"urn:paperbell:paper:{item.paper_id}",
                "url": item.entry.paper.url or None,
                "title": item.entry.paper.title,
                "content_text": _trending_summary(item),
                "date_published": _iso(item.entry.listed_at),
                "authors": [{"name": a} for a in item.entry.paper.authors[:20]],
                "tags": list(item.entry.paper.categories),
                "_paperbell": {"paper_id": item.paper_id, "rank": item.rank,
                               "upvotes": item.entry.upvotes,
                               "comments": item.entry.comments},
            }
            for item in view.papers
        ],
    }
