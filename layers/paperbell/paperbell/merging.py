"""One paper, many sightings: merge rules (pure, no I/O).

The same paper arrives from Hugging Face and from several arXiv category feeds, and
again as ``replace`` with a new version. Identity is the canonical id; these rules
decide what a later sighting may add (upvotes, version, categories, sources) without
ever making the paper "new" again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from paperbell.models import Paper


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

    Only monotonic facts are updated (more upvotes, a newer version, more categories,
    one more source) so re-reading an unchanged feed never costs a write.
    """
    changes: dict[str, Any] = {}
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
    if extra_categories:
        changes["categories"] = stored_categories + extra_categories
    stored_sources = set(stored.get("sources") or ())
    new_sources = {sighting.source, *sighting.extra.get("sources", ())} - stored_sources - {""}
    if new_sources:
        changes["sources"] = stored_sources | new_sources
    return changes


def _max_optional(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
