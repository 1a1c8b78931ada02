"""One paper, many sightings: merge rules (pure, no I/O).

The same paper arrives from Hugging Face and from several arXiv category feeds, and
again as ``replace`` with a new version. Identity is the canonical id; these rules
decide what a later sighting may add without ever making the paper "new" again:
facts that grow (upvotes, version, categories, sources) and every field that is still
empty (authors, abstract, link, publication date, ``extra`` keys such as ``pdf_url``).
A paper first seen without authors (the Hugging Face seed page) gets them from the
arXiv feed that lists it later, so the mail and the webhook show them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from paperbell.fitting import CATEGORIES_BYTES, EXTRA_BYTES
from paperbell.models import Paper

#: Stored fields a later sighting fills when they are empty: (item attribute, value of
#: the sighting as the item stores it, or None when the sighting has nothing either).
_FILLABLE = (
    ("authors", lambda p: list(p.authors) or None),
    ("abstract", lambda p: p.abstract or None),
    ("url", lambda p: p.url or None),
    ("published", lambda p: p.published.isoformat() if p.published else None),
)


def merge_sightings(first: Paper, later: Paper) -> Paper:
    """Combine two sightings of one paper, keeping the richest value of each field."""
    categories = tuple(dict.fromkeys((*first.categories, *later.categories)))
    upvotes = _max_optional(first.upvotes, later.upvotes)
    version = _max_optional(first.version, later.version)
    extra = {**later.extra, **first.extra}
    sources = sorted({*first.extra.get("sources", [first.source]), later.source} - {""})
    extra["sources"] = sources
    return replace(
        first,
        title=first.title or later.title,
        abstract=first.abstract if len(first.abstract) >= len(later.abstract) else later.abstract,
        authors=first.authors or later.authors,
        url=first.url or later.url,
        published=first.published or later.published,
        categories=categories,
        upvotes=upvotes,
        version=version,
        extra=extra,
    )


def merge_batch(papers: Iterable[Paper]) -> list[Paper]:
    """Collapse a scrape's papers to one per canonical id, first sighting first."""
    merged: dict[str, Paper] = {}
    for paper in papers:
        seen = merged.get(paper.id)
        merged[paper.id] = paper if seen is None else merge_sightings(seen, paper)
    return list(merged.values())


def enrichment(stored: dict[str, Any], sighting: Paper) -> dict[str, Any]:
    """What a new sighting adds to a stored paper item (empty dict: nothing, no write).

    Facts that only grow (a newer version, more categories, one more source), the
    upvote count, and fields the stored paper still lacks. Nothing stored is ever
    replaced by something else, so re-reading an unchanged feed never costs a write.
    Every value comes from a fitted sighting and ``extra``/``categories`` stay within
    their caps, so a filled item stays under DynamoDB's 400 KB (``paperbell.fitting``).
    """
    changes: dict[str, Any] = {}
    for name, value_of in _FILLABLE:
        value = value_of(sighting)
        if value is not None and not stored.get(name):
            changes[name] = value
    extra = _filled_extra(stored.get("extra"), sighting.extra)
    if extra is not None:
        changes["extra"] = extra
    stored_upvotes = stored.get("upvotes")
    if sighting.upvotes is not None and (
        stored_upvotes is None or sighting.upvotes != int(stored_upvotes)
    ):
        changes["upvotes"] = sighting.upvotes
    stored_version = stored.get("version")
    if sighting.version is not None and (
        stored_version is None or sighting.version > int(stored_version)
    ):
        changes["version"] = sighting.version
    stored_categories = list(stored.get("categories") or [])
    extra_categories = [c for c in sighting.categories if c not in stored_categories]
    if extra_categories and _json_bytes(stored_categories + extra_categories) <= CATEGORIES_BYTES:
        changes["categories"] = stored_categories + extra_categories
    stored_sources = set(stored.get("sources") or ())
    new_sources = {sighting.source, *sighting.extra.get("sources", ())} - stored_sources - {""}
    if new_sources:
        changes["sources"] = stored_sources | new_sources
    return changes


def _filled_extra(stored_raw: Any, sighting_extra: dict[str, Any]) -> str | None:
    """The stored ``extra`` JSON with the sighting's missing keys added; None: no change.

    ``sources`` is its own attribute (set union above). A key is only added while the
    whole stays within ``EXTRA_BYTES``; one that does not fit is left out for good
    (adding it would mean dropping another, and the next run would swap them back).
    """
    try:
        stored = json.loads(stored_raw) if isinstance(stored_raw, str) and stored_raw else {}
    except ValueError:
        return None
    if not isinstance(stored, dict):
        return None
    merged = dict(stored)
    for key, value in sighting_extra.items():
        if key == "sources" or key in merged or value in (None, "", [], {}):
            continue
        candidate = {**merged, key: value}
        if _json_bytes(candidate) <= EXTRA_BYTES:
            merged = candidate
    if len(merged) == len(stored):
        return None
    return json.dumps(merged, default=str, sort_keys=True)


def _json_bytes(value: Any) -> int:
    return len(json.dumps(value, default=str, ensure_ascii=False).encode("utf-8"))


def _max_optional(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
