"""RSS 0.91/0.92/2.0, RSS 1.0 (RDF) and arXiv's RSS 2.0 feeds -> papers.

Why one reader for all RSS flavours: they share item vocabulary (title, link,
description, Dublin Core) and differ mainly in where items sit (inside ``channel`` for
0.9x/2.0, beside it for RDF) and in namespaces. arXiv's feed (rss.arxiv.org, 2024
format) is RSS 2.0 plus conventions we decode: the ``arXiv:<id>vN Announce Type: <t>``
description head, one comma-joined ``dc:creator``, ``arxiv:*`` elements.

A default namespace on ``<rss>`` (``xmlns="http://backend.userland.com/rss2"`` and the
like, seen in the wild) puts every element in it; the readers accept RSS vocabulary in
the root's own namespace too.

Text vs markup: arXiv's 2024 titles and descriptions are plain text (``p<n`` is maths);
other RSS titles are plain text by the spec but often escaped HTML, so they are read as
HTML only when they unmistakably are (``text.title_text``); descriptions are HTML.

Speed: each item's children are visited once and dispatched by their (namespaced) tag
through a dict; no XPath per item.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from paperbell.errors import FeedError
from paperbell.models import Paper, split_arxiv_version

from ._patterns import (
    ARXIV_ANNOUNCE_RE,
    ARXIV_AUTHOR_SPLIT_RE,
    ARXIV_TITLE_SUFFIX_RE,
    EMAIL_NAME_RE,
)
from .dates import parse_date
from .ids import ARXIV_ABS_URL, find_arxiv_id, paper_identity, resolve_link
from .results import FeedResult, PaperCollector
from .text import html_to_text, plain_text, title_or_summary, title_text
from .xml_common import (
    ARXIV_NS,
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    RDF_NS,
    RSS090_NS,
    RSS1_NS,
    is_arxiv_document,
    local_name,
    node_text,
)

_RDF_ABOUT = f"{{{RDF_NS}}}about"


_RSS_NAMES = ("title", "link", "description", "guid", "pubDate", "category", "author",
              "comments", "enclosure")
_KNOWN_PREFIXES = ("", f"{{{RSS1_NS}}}", f"{{{RSS090_NS}}}")


@lru_cache(maxsize=16)
def _field_map(default_ns: str) -> dict[str, str]:
    """Tag -> field name, for RSS vocabulary unqualified, in the RSS 1.0/0.90 namespaces
    and in the document's own default namespace (``default_ns``, may be empty)."""
    fields: dict[str, str] = {}
    for prefix in (*_KNOWN_PREFIXES, f"{{{default_ns}}}" if default_ns else ""):
        for name in _RSS_NAMES:
            fields[prefix + name] = name
    for name in ("creator", "date", "subject", "identifier", "rights"):
        fields[f"{{{DC_NS}}}{name}"] = f"dc:{name}"
    fields[f"{{{CONTENT_NS}}}encoded"] = "content"
    fields[f"{{{ATOM_NS}}}link"] = "atom:link"
    for name in ("announce_type", "DOI", "journal_reference", "comment"):
        fields[f"{{{ARXIV_NS}}}{name}"] = f"arxiv:{name}"
    return fields


def _namespace(tag: Any) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def read_rss(root: Any, *, base_url: str | None, meta: dict[str, Any]) -> FeedResult:
    """Read an ``<rss>`` or ``<rdf:RDF>`` root into papers."""
    is_rdf = local_name(root.tag) == "RDF"
    own_ns = "" if is_rdf else _namespace(root.tag)
    prefixes = (*_KNOWN_PREFIXES, f"{{{own_ns}}}") if own_ns else _KNOWN_PREFIXES
    channel = next(root.iterchildren(*(p + "channel" for p in prefixes)), None)
    if channel is None and not is_rdf:
        raise FeedError("RSS document without a <channel>")
    channel_link = ""
    if channel is not None:
        prefix = channel.tag[: -len("channel")]
        meta["title"] = html_to_text(channel.findtext(prefix + "title"))
        channel_link = (channel.findtext(prefix + "link") or "").strip()
        meta["link"] = resolve_link(channel_link, base_url) if channel_link else ""
    item_tags = tuple(p + "item" for p in prefixes)
    if is_rdf:
        meta["version"] = "1.0"
        items = list(root.iterchildren(*item_tags))
        if channel is not None:
            items.extend(channel.iterchildren(*item_tags))
    else:
        meta["version"] = root.get("version") or ""
        items = list(channel.iterchildren(*item_tags)) if channel is not None else []
    arxiv = is_arxiv_document(root, channel_link)
    if arxiv and not items:
        _raise_on_arxiv_error(meta, channel)
    fmt = "arxiv-rss" if arxiv else ("rdf" if is_rdf else "rss")
    read = partial(_read_item, arxiv=arxiv, rdf=is_rdf, fields=_field_map(own_ns),
                   fallback_base=base_url or (channel_link or None))
    return PaperCollector(fmt, meta).collect(items, read)


def _raise_on_arxiv_error(meta: dict[str, Any], channel: Any) -> None:
    """arXiv answers a bad category with an RSS document titled "Feed error for query"."""
    title = str(meta.get("title") or "")
    if "feed error" not in title.lower():
        return  # an empty weekend/holiday feed: zero papers, not an error
    query = title.partition(":")[2].strip()
    if not query:
        link = str(meta.get("link") or "")
        query = link.rstrip("/").rpartition("/")[2]
    detail = html_to_text(channel.findtext("description")) if channel is not None else ""
    message = f"arXiv rejected the feed query {query!r}" if query else "arXiv feed error"
    if detail and detail.lower() not in title.lower():
        message += f": {detail}"
    raise FeedError(f"{message} (check the arXiv category names, e.g. cs.LG)")


def _read_item(item: Any, *, arxiv: bool, rdf: bool, fields: dict[str, str],
               fallback_base: str | None) -> Paper:
    title = link = description = guid = content = date = author = ""
    doi = announce = journal = rights = comment = ""
    guid_is_link = True
    creators: list[str] = []
    categories: list[str] = []
    related: list[str] = []  # enclosures and atom:link rel=related (PDF links, arXiv)
    for child in item:
        name = fields.get(child.tag)  # comments/entities have non-str tags: no match
        if name is None:
            continue
        if name == "title":
            title = node_text(child)
        elif name == "link":
            link = node_text(child) or child.get(_RDF_ABOUT) or child.get("href") or ""
        elif name == "description":
            description = node_text(child)
        elif name == "guid":
            guid = (child.text or "").strip()
            guid_is_link = (child.get("isPermaLink") or "true").strip().lower() != "false"
        elif name == "pubDate" or (name == "dc:date" and not date):
            date = child.text or ""
        elif name in ("category", "dc:subject"):
            value = (child.text or "").strip()
            if value and value not in categories:
                categories.append(value)
        elif name == "dc:creator":
            value = node_text(child).strip()
            if value:
                creators.append(value)
        elif name == "author":
            author = node_text(child).strip()
        elif name == "content":
            content = node_text(child)
        elif name == "arxiv:announce_type":
            announce = (child.text or "").strip()
        elif name == "arxiv:DOI":
            doi = (child.text or "").strip()
        elif name == "arxiv:journal_reference":
            journal = plain_text(child.text)
        elif name == "dc:rights":
            rights = (child.text or "").strip()
        elif name == "arxiv:comment":
            comment = plain_text(child.text)
        elif name == "dc:identifier" and not guid:
            guid = (child.text or "").strip()
        elif name == "enclosure" or (name == "atom:link" and child.get("rel") != "self"):
            href = (child.get("url") or child.get("href") or "").strip()
            if href:
                related.append(href)
    if not guid:
        guid = (item.get(_RDF_ABOUT) or "").strip()  # RSS 1.0 items name themselves

    base = None
    if link and not link.lstrip().startswith(("http://", "https://")):
        base = item.base or fallback_base
    link = resolve_link(link, base)
    if not link and guid and guid_is_link and guid.startswith(("http://", "https://")):
        link = guid

    extra: dict[str, Any] = {}
    if arxiv:
        match = ARXIV_ANNOUNCE_RE.match(description)
        if match is not None:
            description = description[match.end():]
            announce = announce or match.group("type")
        suffix = ARXIV_TITLE_SUFFIX_RE.search(title) if rdf else None
        if suffix is not None:
            title = title[: suffix.start()]
        head = match or suffix
        found = find_arxiv_id(guid, link, doi, *related)
        if head is not None and (found is None or found[1] is None):
            from_head = split_arxiv_version(head.group("ref"))
            if found is None or from_head[0] == found[0]:
                found = from_head
        # The 2024 RSS 2.0 format carries plain text (where "p<n" is maths, not a tag);
        # the legacy RSS 1.0 format carried HTML.
        if rdf:
            abstract = html_to_text(description or content)
        else:
            abstract = plain_text(description) if description else html_to_text(content)
        authors = _arxiv_authors(creators)
        title = title_text(title) if rdf else plain_text(title)
    else:
        found = find_arxiv_id(guid, link, doi, *related)
        abstract = html_to_text(description or content)
        authors = _generic_authors(creators, author)
        title = title_text(title)
    paper_id, version = paper_identity(found, guid, link, title, abstract)
    title = title_or_summary(title, abstract, paper_id)

    if arxiv and found is not None:
        url = ARXIV_ABS_URL.format(id=paper_id)
    elif link:
        url = link
    elif found is not None:
        url = ARXIV_ABS_URL.format(id=paper_id)
    else:
        url = ""

    for key, value in (("announce_type", announce), ("doi", doi), ("journal_ref", journal),
                       ("license", rights), ("comment", comment)):
        if value:
            extra[key] = value
    if not arxiv and link and url != link:
        extra["link"] = link
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=authors,
        url=url,
        published=parse_date(date) if date else None,
        source="arxiv" if arxiv else "feed",
        categories=tuple(categories),
        version=version,
        extra=extra,
    )


def _arxiv_authors(creators: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for creator in creators:
        if "<" in creator or "&" in creator:
            creator = html_to_text(creator)
        names.extend(
            name for part in ARXIV_AUTHOR_SPLIT_RE.split(creator) if (name := plain_text(part))
        )
    return tuple(names)


def _generic_authors(creators: list[str], author: str) -> tuple[str, ...]:
    if len(creators) == 1 and "," in creators[0]:
        parts = [plain_text(part) for part in creators[0].split(",")]
        parts = [part for part in parts if part]
        # "Doe, Jane" is one person; "Jane Doe, John Roe" (every part has a space) is two.
        if len(parts) > 2 or all(" " in part for part in parts):
            return tuple(parts)
        return (plain_text(creators[0]),)
    if creators:  # "<b>Jane</b>" is a name in markup; "&lt;H1&gt;" alone is no name
        return tuple(name for c in creators if (name := plain_text(html_to_text(c))))
    if author:
        match = EMAIL_NAME_RE.match(author)
        name = match.group("name") if match else author
        name = plain_text(name)
        return (name,) if name else ()
    return ()
