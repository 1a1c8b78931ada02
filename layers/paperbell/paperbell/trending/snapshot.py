"""The shared trending snapshot: the papers of the last days' Hugging Face lists.

Why one small object and not rows per subscriber: trending is the same list for every
subscriber, so it is kept once (a few hundred papers, a few hundred KB of JSON) and each
subscriber's top N, filter and "never twice" rule are applied when their digest is
built. The scraper merges each run's sightings into it; a run that changes no upvote,
comment count or paper produces the same bytes, and the caller then writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from paperbell.models import Paper

FORMAT_VERSION = 1
#: How long a paper stays in the snapshot after it was listed: the longest window a
#: reader asks for (a weekly digest: 7 days) plus a day of slack for timezones.
KEEP_DAYS = 8


@dataclass(frozen=True, slots=True)
class TrendingEntry:
    """One paper of a daily list, with what ranks it.

    ``listed_at`` is when Hugging Face put it on a daily list (``submittedOnDailyAt``),
    else when paperbell first saw it there."""

    paper: Paper
    listed_at: datetime
    comments: int = 0

    @property
    def upvotes(self) -> int:
        return int(self.paper.upvotes or 0)


@dataclass(frozen=True)
class TrendingSnapshot:
    """Every entry by paper id, and which sources fed it.

    ``has_signal`` says whether any source read so far carries popularity (upvotes):
    an arXiv-only deployment has none, and trending says so instead of mailing nothing.
    """

    entries: dict[str, TrendingEntry] = field(default_factory=dict)
    has_signal: bool = False
    sources: tuple[str, ...] = ()
    updated_at: datetime | None = None

    def encode(self) -> bytes:
        return json.dumps(
            self._content() | {"updated_at": _iso(self.updated_at)},
            sort_keys=True,
            separators=(",", ":"),
        ).encode("utf-8")

    def same_content(self, other: TrendingSnapshot | None) -> bool:
        """Equal but for ``updated_at``: then there is nothing to write."""
        return other is not None and self._content() == other._content()

    def _content(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "has_signal": self.has_signal,
            "sources": list(self.sources),
            "papers": [_entry_json(e) for e in sorted(self.entries.values(), key=_by_id)],
        }

    @classmethod
    def decode(cls, data: bytes) -> TrendingSnapshot:
        raw = json.loads(data.decode("utf-8"))
        entries = {}
        for item in raw.get("papers", []):
            entry = _entry_from_json(item)
            entries[entry.paper.id] = entry
        updated = raw.get("updated_at")
        return cls(
            entries=entries,
            has_signal=bool(raw.get("has_signal")),
            sources=tuple(raw.get("sources", ())),
            updated_at=datetime.fromisoformat(updated) if updated else None,
        )


def is_trending_sighting(paper: Paper) -> bool:
    """A paper seen on a list that carries popularity (Hugging Face's upvotes)."""
    return paper.upvotes is not None


def merge_sightings(
    old: TrendingSnapshot | None,
    sightings: Iterable[Paper],
    *,
    now: datetime,
    sources_read: Iterable[str] = (),
) -> TrendingSnapshot:
    """``old`` with this run's sightings applied: new papers added, upvotes and comment
    counts replaced by the fresh ones, papers listed more than KEEP_DAYS ago dropped."""
    base = old or TrendingSnapshot()
    entries = dict(base.entries)
    signal = base.has_signal
    for paper in sightings:
        if not is_trending_sighting(paper):
            continue
        signal = True
        seen = entries.get(paper.id)
        listed = _listed_at(paper)
        if listed is None or listed < now - timedelta(days=KEEP_DAYS):
            # No listing date, or one long past (HF's trending list, a replayed feed):
            # the paper counts from when paperbell first saw it on a list.
            listed = seen.listed_at if seen else now
        if seen is not None:
            # Keep the earliest listing (a paper re-featured later is still as old) and
            # the longer abstract; upvotes and comments are the freshest we saw.
            listed = min(listed, seen.listed_at)
            if len(seen.paper.abstract) > len(paper.abstract):
                paper = replace(paper, abstract=seen.paper.abstract)
        entries[paper.id] = TrendingEntry(paper=paper, listed_at=listed, comments=_comments(paper))
    horizon = now - timedelta(days=KEEP_DAYS)
    kept = {pid: e for pid, e in entries.items() if e.listed_at >= horizon}
    sources = tuple(sorted({*base.sources, *sources_read}))
    return TrendingSnapshot(entries=kept, has_signal=signal, sources=sources, updated_at=now)


def _listed_at(paper: Paper) -> datetime | None:
    raw = paper.extra.get("submitted_on_daily_at")
    if isinstance(raw, str) and raw:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _comments(paper: Paper) -> int:
    value = paper.extra.get("comments")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _by_id(entry: TrendingEntry) -> str:
    return entry.paper.id


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _entry_json(entry: TrendingEntry) -> dict[str, Any]:
    paper = entry.paper
    return {
        **paper.as_json(),
        "version": paper.version,
        "extra": paper.extra,
        "listed_at": entry.listed_at.isoformat(),
        "comments": entry.comments,
    }


def _entry_from_json(item: dict[str, Any]) -> TrendingEntry:
    published = item.get("published")
    paper = Paper(
        id=str(item["id"]),
        title=str(item.get("title", "")),
        abstract=str(item.get("abstract", "")),
        authors=tuple(item.get("authors", ())),
        url=str(item.get("url", "")),
        published=datetime.fromisoformat(published) if published else None,
        source=str(item.get("source", "")),
        categories=tuple(item.get("categories", ())),
        upvotes=item.get("upvotes"),
        version=item.get("version"),
        extra=dict(item.get("extra") or {}),
    )
    return TrendingEntry(
        paper=paper,
        listed_at=datetime.fromisoformat(item["listed_at"]),
        comments=int(item.get("comments") or 0),
    )
