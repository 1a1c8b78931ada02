"""Result and state records of the sources package (plain data, no I/O).

Why separate records for a parse (``FeedResult``) and a read (``SourceReadResult``):
parsing is pure and testable on bytes alone; reading adds HTTP facts (requests made,
304s, the state to persist) that only the fetch path knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from paperbell.fitting import fit_paper
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


class SkipItem(Exception):
    """An item that cannot become a paper; the message is the reason shown in ``errors``."""


#: What a reader may raise for an item of an unexpected shape (a number where text
#: belongs, a list where an object does): the item is skipped, the document read on.
#: Anything else is a bug and surfaces as the document's ``FeedError``.
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError)

T = TypeVar("T")


class PaperCollector:
    """The one place that turns a document's raw items into papers.

    Parsers only find the items and say how one item becomes a ``Paper`` (raising
    ``SkipItem`` with a reason when it cannot); :meth:`collect` owns the rest: the
    try/skip loop, the count, the reason for every item not returned (broken *or* a
    repeat of an earlier id), the cap on messages, and fitting each paper
    (``paperbell.fitting``: invalid characters replaced, oversized fields cut).

    Why cap errors: a feed of 2,000 broken items must not produce a 2,000-line log
    entry; the count stays exact in ``skipped``.
    """

    __slots__ = ("_result", "_seen", "_suppressed")

    def __init__(self, fmt: str = "", meta: dict[str, Any] | None = None) -> None:
        self._result = FeedResult(format=fmt, meta=meta if meta is not None else {})
        self._seen: dict[str, int] = {}
        self._suppressed = 0

    @property
    def meta(self) -> dict[str, Any]:
        return self._result.meta

    @property
    def papers(self) -> list[Paper]:
        return self._result.papers

    def collect(self, items: Iterable[T], read: Callable[[T], Paper]) -> FeedResult:
        """Read every item with ``read``; skip, count and explain the ones that fail."""
        for position, item in enumerate(items, start=1):
            try:
                paper = read(item)
            except SkipItem as skip:
                self.skip(position, str(skip) or "unusable item")
            except UNREADABLE as exc:
                self.skip(position, f"unreadable item ({type(exc).__name__}: {exc})")
            else:
                self.add(paper, position)
        return self.result()

    def add(self, paper: Paper, position: int | None = None) -> bool:
        """Keep the (fitted) paper unless its id was seen before; True when kept."""
        paper = fit_paper(paper)
        if not paper.id:  # an id of control characters only: nothing left to key on
            self.skip(position or 0, "no usable id (only control characters)")
            return False
        first = self._seen.get(paper.id)
        if first is not None:
            self._result.skipped += 1
            self._result.meta["duplicates"] = self._result.meta.get("duplicates", 0) + 1
            where = f"item {position}: " if position else ""
            earlier = f"item {first}" if first > 0 else "an earlier one"
            self.note(f"{where}same id as {earlier} ({paper.id[:120]}), left out")
            return False
        self._seen[paper.id] = position or 0
        self._result.papers.append(paper)
        return True

    def absorb(self, feed: FeedResult, *, label: str = "") -> int:
        """Add another document's result (a further page); return how many papers were new.

        Papers already read from an earlier page are counted in ``skipped`` and summed
        up in one message, not one line each (a server that ignores paging repeats
        every item).
        """
        new = repeats = 0
        for message in feed.errors:
            self.note(f"{label}{message}")
        for paper in feed.papers:
            if paper.id in self._seen:
                repeats += 1
                continue
            self._seen[paper.id] = 0
            self._result.papers.append(paper)
            new += 1
        self._result.skipped += feed.skipped + repeats
        if repeats:
            self.note(f"{label}{repeats} item(s) already read on an earlier page, left out")
        return new

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
