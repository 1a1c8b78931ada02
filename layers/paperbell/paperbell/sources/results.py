"""Result and state records of the sources package (plain data, no I/O).

Why separate records for a parse (``FeedResult``) and a read (``SourceReadResult``):
parsing is pure and testable on bytes alone; reading adds HTTP facts (requests made,
304s, the state to persist) that only the fetch path knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paperbell.models import Paper

MAX_ERROR_MESSAGES = 50


@dataclass(slots=True)
class FeedResult:
    """What one document gave: papers, how many items were dropped and why.

    ``skipped`` counts every item not returned (broken ones *and* duplicates);
    ``errors`` explains the broken ones (at most ``MAX_ERROR_MESSAGES`` lines).
    ``format`` is one of ``hf-api``, ``hf-page``, ``arxiv-rss``, ``arxiv-atom``,
    ``rss``, ``rdf``, ``atom``, ``jsonfeed``. ``meta`` holds feed-level facts:
    ``title``, ``link``, ``total_results``/``start_index``/``items_per_page``
    (arXiv API), ``duplicates``, ``recovered`` (markup had to be repaired), ...
    """

    papers: list[Paper] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    format: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceState:
    """What to remember between runs so an unchanged source costs nothing.

    ``etag``/``last_modified`` drive conditional GETs; ``content_hash`` (SHA-256 of the
    body, or of all pages) catches servers that ignore them.
    """

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None

    def as_dict(self) -> dict[str, str]:
        """Non-empty fields only (DynamoDB rejects empty strings in some places)."""
        return {
            key: value
            for key, value in (
                ("etag", self.etag),
                ("last_modified", self.last_modified),
                ("content_hash", self.content_hash),
            )
            if value
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SourceState:
        """Inverse of :meth:`as_dict`; tolerant of missing keys and ``None``."""
        data = data or {}

        def _get(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value else None

        return cls(_get("etag"), _get("last_modified"), _get("content_hash"))


@dataclass(slots=True)
class SourceReadResult:
    """Everything one read of one source produced.

    ``not_modified`` is true for a 304 *and* for a body whose hash equals the stored
    one: either way the caller has nothing to write. ``state`` is what to persist
    (unchanged when nothing changed). ``requests`` counts HTTP attempts, retries
    included.
    """

    spec: str
    papers: list[Paper] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    state: SourceState = field(default_factory=SourceState)
    not_modified: bool = False
    requests: int = 0
    duration_s: float = 0.0


class PaperCollector:
    """Gathers one document's papers: first occurrence of an id wins, errors capped.

    Why cap errors: a feed of 2,000 broken items must not produce a 2,000-line log
    entry; the count stays exact in ``skipped``.
    """

    __slots__ = ("_result", "_seen", "_suppressed")

    def __init__(self, fmt: str, meta: dict[str, Any] | None = None) -> None:
        self._result = FeedResult(format=fmt, meta=meta if meta is not None else {})
        self._seen: set[str] = set()
        self._suppressed = 0

    @property
    def meta(self) -> dict[str, Any]:
        return self._result.meta

    def add(self, paper: Paper) -> None:
        """Keep the paper unless its canonical id was seen before in this document."""
        if paper.id in self._seen:
            self._result.skipped += 1
            self._result.meta["duplicates"] = self._result.meta.get("duplicates", 0) + 1
            return
        self._seen.add(paper.id)
        self._result.papers.append(paper)

    def skip(self, position: int, reason: str) -> None:
        """Count a broken item (1-based position in the document) and say why."""
        self._result.skipped += 1
        self.note(f"item {position}: {reason}")

    def note(self, message: str) -> None:
        """A document-level problem that did not stop reading (capped list)."""
        if len(self._result.errors) < MAX_ERROR_MESSAGES:
            self._result.errors.append(message)
        else:
            self._suppressed += 1

    def result(self) -> FeedResult:
        if self._suppressed:
            self._result.errors.append(f"... and {self._suppressed} more problems")
            self._suppressed = 0
        return self._result
