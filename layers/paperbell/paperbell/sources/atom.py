"""Atom 1.0 (and legacy 0.3) feeds, including the arXiv export API, -> papers.

Why the arXiv API lives here: its responses are Atom with ``arxiv:`` and
``opensearch:`` extensions. We read opensearch totals into ``meta`` so the reader can
page, and turn the API's error entry (``<title>Error</title>``) into a ``FeedError``
carrying arXiv's own explanation.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from paperbell.errors import FeedError
from paperbell.models import Paper

from ._patterns import ARXIV_ANNOUNCE_RE, ARXIV_AUTHOR_SPLIT_RE
from .dates import parse_date
from .ids import ARXIV_ABS_URL, find_arxiv_id, paper_identity, resolve_link
from .results import FeedResult, PaperCollector
from .text import element_text, html_to_text, plain_text, title_or_summary
from .xml_common import (
    ARXIV_NS,
    ATOM03_NS,
    ATOM_NS,
    DC_NS,
    OPENSEARCH_NS,
    is_arxiv_document,
)


def _build_field_map() -> dict[str, str]:
    fields: dict[str, str] = {}
    for ns in (ATOM_NS, ATOM03_NS, ""):
        prefix = f"{{{ns}}}" if ns else ""
        for name in ("id", "title", "link", "summary", "content", "published", "updated",
                     "author", "category", "issued", "modified", "created"):
            fields[prefix + name] = name
    for name in ("primary_category", "comment", "journal_ref", "doi", "announce_type"):
        fields[f"{{{ARXIV_NS}}}{name}"] = f"arxiv:{name}"
    fields[f"{{{DC_NS}}}creator"] = "dc:creator"
    return fields


_FIELDS = _build_field_map()
_NAME_TAGS = {f"{{{ns}}}author": f"{{{ns}}}name" for ns in (ATOM_NS, ATOM03_NS)}
_ENTRY_TAGS = (f"{{{ATOM_NS}}}entry", f"{{{ATOM03_NS}}}entry", "entry")
_OPENSEARCH = {
    f"{{{OPENSEARCH_NS}}}totalResults": "total_results",
    f"{{{OPENSEARCH_NS}}}startIndex": "start_index",
    f"{{{OPENSEARCH_NS}}}itemsPerPage": "items_per_page",
}


def read_atom(root: Any, *, base_url: str | None, meta: dict[str, Any]) -> FeedResult:
    """Read an Atom ``<feed>`` root into papers."""
    feed_id = ""
    feed_link = ""
    entries: list[Any] = []
    for child in root:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in _ENTRY_TAGS:
            entries.append(child)
            continue
        name = _FIELDS.get(tag)
        if name == "title":
            meta["title"] = _text_construct(child)
        elif name == "id":
            feed_id = (child.text or "").strip()
        elif name == "link" and child.get("rel", "alternate") == "alternate":
            feed_link = resolve_link(child.get("href"), child.base or base_url)
            meta["link"] = feed_link
        elif tag in _OPENSEARCH:
            value = (child.text or "").strip()
            if value.isdigit():
                meta[_OPENSEARCH[tag]] = int(value)
    arxiv = is_arxiv_document(root, feed_id + " " + feed_link)
    read = partial(_read_entry, arxiv=arxiv, base_url=base_url)
    return PaperCollector("arxiv-atom" if arxiv else "atom", meta).collect(entries, read)


def _text_construct(element: Any) -> str:
    """Atom text constructs: ``text`` is plain, ``html`` is escaped markup, ``xhtml`` a div.

    Atom 0.3's ``mode="escaped"`` means the same as ``type="html"``. ``type="text"``
    (the default, and what the arXiv API sends) is kept as it is: ``x<y`` stays.
    """
    kind = (element.get("type") or "text").lower()
    if kind == "xhtml" or len(element):
        # The XML parser already decoded the markup: what is left is text ("a&lt;b" in
        # the document is the character "<", not the start of a tag).
        return plain_text(element_text(element))
    if kind in ("html", "text/html") or element.get("mode") == "escaped":
        return html_to_text(element.text)
    return plain_text(element.text)


def _read_entry(entry: Any, *, arxiv: bool, base_url: str | None) -> Paper:
    entry_id = title = summary = content = published = updated = ""
    alternate = pdf = first_link = ""
    related: list[str] = []  # every other link: an arXiv id may be only in one of them
    primary = comment = journal = doi = announce = ""
    authors: list[str] = []
    categories: list[str] = []
    for child in entry:
        name = _FIELDS.get(child.tag)  # comments/entities have non-str tags: no match
        if name is None:
            continue
        if name == "author":  # first: arXiv entries have many authors
            # Direct child access: ``findtext`` runs lxml's Python ElementPath per call,
            # which costs more than the rest of the entry together.
            name_tag = _NAME_TAGS.get(child.tag, "name")
            for part in child:
                if part.tag == name_tag:
                    author = plain_text(part.text)
                    if author:
                        authors.append(author)
                    break
        elif name == "id":
            entry_id = (child.text or "").strip()
        elif name == "title":
            title = _text_construct(child)
        elif name == "link":
            rel = child.get("rel") or "alternate"
            href = child.get("href") or ""
            if not href:
                continue
            if not href.startswith(("http://", "https://")):
                href = resolve_link(href, child.base or base_url)
            if rel == "alternate" and not alternate:
                alternate = href
            else:
                if child.get("title") == "pdf" or child.get("type") == "application/pdf":
                    pdf = pdf or href
                if rel != "self":
                    related.append(href)
            first_link = first_link or href
        elif name == "summary":
            summary = _text_construct(child)
        elif name == "content":
            content = _text_construct(child)
        elif name in ("published", "issued", "created"):
            published = published or (child.text or "")
        elif name in ("updated", "modified"):
            updated = updated or (child.text or "")
        elif name == "category":
            term = (child.get("term") or child.get("label") or "").strip()
            if term and term not in categories:
                categories.append(term)
        elif name == "arxiv:primary_category":
            primary = (child.get("term") or "").strip()
        elif name == "arxiv:comment":
            comment = plain_text(child.text)
        elif name == "arxiv:journal_ref":
            journal = plain_text(child.text)
        elif name == "arxiv:doi":
            doi = (child.text or "").strip()
        elif name == "arxiv:announce_type":
            announce = (child.text or "").strip()
        elif name == "dc:creator":
            creators = plain_text(child.text)
            if arxiv and "," in creators:  # arXiv joins all authors with commas
                authors.extend(n for n in ARXIV_AUTHOR_SPLIT_RE.split(creators) if n)
            elif creators:
                authors.append(creators)

    if arxiv and title == "Error" and "api/errors" in entry_id:
        raise FeedError(f"arXiv API error: {summary or entry_id}")

    link = alternate or first_link
    abstract = summary or content
    if arxiv:
        match = ARXIV_ANNOUNCE_RE.match(abstract)
        if match is not None:
            abstract = abstract[match.end():]
            announce = announce or match.group("type")
    found = find_arxiv_id(entry_id, link, doi, *related)
    paper_id, version = paper_identity(found, entry_id, link, title, abstract)
    title = title_or_summary(title, abstract, paper_id)
    if primary:
        categories = [primary, *(c for c in categories if c != primary)]
    # arXiv entries link to the versioned abstract; the paper's URL is version-less.
    url = ARXIV_ABS_URL.format(id=paper_id) if found is not None and (arxiv or not link) else link
    extra: dict[str, Any] = {}
    for key, value in (("primary_category", primary), ("comment", comment),
                       ("journal_ref", journal), ("doi", doi), ("announce_type", announce),
                       ("pdf_url", pdf)):
        if value:
            extra[key] = value
    updated_at = parse_date(updated) if updated else None
    if updated_at is not None:
        extra["updated"] = updated_at.isoformat()
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple(authors),
        url=url,
        published=parse_date(published) if published else updated_at,
        source="arxiv" if arxiv else "feed",
        categories=tuple(categories),
        version=version,
        extra=extra,
    )


def is_atom_root(tag: str) -> bool:
    """``<feed>`` in the Atom 1.0 or 0.3 namespace (or, leniently, none)."""
    return tag in (f"{{{ATOM_NS}}}feed", f"{{{ATOM03_NS}}}feed", "feed")
