"""Canonical paper identity: the arXiv id without ``vN`` wherever a feed reveals one.

Why: the same paper arrives from several arXiv category feeds (cross-lists), again as a
``replace`` with a new version, from Hugging Face and from blogs linking to it. Keying
everything on the version-less arXiv id lets the rest of paperbell mail it once.
Only when no arXiv id can be found do we fall back to the feed's guid, then its link,
then (as rss2email does) a hash of the item's text.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urljoin, urlsplit, urlunsplit

from paperbell.models import split_arxiv_version

from ._patterns import ARXIV_REFERENCE_RE
from .results import SkipItem

ARXIV_ABS_URL = "https://arxiv.org/abs/{id}"
HF_PAPER_URL = "https://huggingface.co/papers/{id}"


def find_arxiv_id(*candidates: str | None) -> tuple[str, int | None] | None:
    """First arXiv id (and its version) in abs/pdf links, OAI guids, DOIs, HF links.

    Candidates are tried in the order given, so callers pass the most trustworthy
    field (the guid) first.
    """
    for candidate in candidates:
        if not candidate:
            continue
        match = ARXIV_REFERENCE_RE.search(candidate)
        if match is not None:
            return split_arxiv_version(match.group("ref"))
    return None


def paper_identity(
    found: tuple[str, int | None] | None, guid: str, link: str, *texts: str
) -> tuple[str, int | None]:
    """The canonical id (and version): arXiv id, else guid, else link, else content hash.

    Why a content hash last: an item with neither guid nor link is still a post a
    reader may want; hashing its title and text (as rss2email does) gives the same id
    on every run, so it is mailed once. ``SkipItem`` when there is nothing to hash.
    """
    if found is not None:
        return found
    if guid:
        return guid, None
    if link:
        return normalize_link(link), None
    content = "\n".join(" ".join(text.split()) for text in texts).strip()
    if not content:
        raise SkipItem("no id, link, title or text")
    digest = hashlib.sha256(content.encode("utf-8", "replace")).hexdigest()
    return f"sha256:{digest[:40]}", None


def resolve_link(link: str | None, base: str | None) -> str:
    """An absolute link when a base is known; the stripped link otherwise."""
    if not link:
        return ""
    link = link.strip()
    if not link:
        return ""
    if base and not _is_absolute(link):
        try:
            return urljoin(base, link)
        except ValueError:
            return link
    return link


def normalize_link(link: str) -> str:
    """Stable form of a link used as an id: lowercase scheme/host, no tracking.

    Why: the same post linked as ``HTTP://Example.com:80/p`` and
    ``http://example.com/p?utm_source=rss`` must not count as two papers. The fragment
    stays: a comments feed's entries differ only in ``#comment-N``, and dropping it
    would collapse them into one.
    """
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return link.strip()
    query = parts.query
    if "utm_" in query:
        query = "&".join(
            pair for pair in query.split("&") if pair and not pair.startswith("utm_")
        )
    netloc = parts.netloc.lower()
    if parts.scheme.lower() == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme.lower() == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    normalized = urlunsplit((parts.scheme.lower(), netloc, parts.path, query, parts.fragment))
    return normalized or link.strip()


def _is_absolute(link: str) -> bool:
    head = link[:12].lower()
    return head.startswith(("http://", "https://", "mailto:", "urn:", "tag:", "doi:"))
