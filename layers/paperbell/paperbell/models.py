"""Plain data shared by every layer of paperbell (no I/O here).

Why frozen dataclasses: a paper travels from a parser to DynamoDB to a stream record to
the matcher to a mail; making it immutable means no stage can quietly change what the
next stage sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# New-style arXiv ids (0704.0001 onwards: YYMM.NNNN or YYMM.NNNNN) and old-style
# (archive[.SUBJ]/YYMMNNN), each with an optional version suffix.
ARXIV_ID_RE = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?",
)


def split_arxiv_version(raw: str) -> tuple[str, int | None]:
    """``2502.08441v2`` -> (``2502.08441``, 2). The version-less id is a paper's identity."""
    match = ARXIV_ID_RE.fullmatch(raw.strip())
    if not match:
        return raw.strip(), None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper, as read from one source.

    ``id`` is canonical: the arXiv id without ``vN`` wherever one can be found, else the
    feed's guid, else the normalized link. ``extra`` keeps source-specific facts
    (GitHub repo and stars, HF comments, AI keywords, DOI, announce type, ...) that the
    mail shows but matching does not need.
    """

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    url: str = ""
    published: datetime | None = None
    source: str = ""
    categories: tuple[str, ...] = ()
    upvotes: int | None = None
    version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (``paperbell fetch --json``): stable keys, ISO dates."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "source": self.source,
            "categories": list(self.categories),
            "upvotes": self.upvotes,
        }

    @property
    def arxiv_id(self) -> str | None:
        """The arXiv id when the canonical id is one (used for abs/PDF/HF links)."""
        return self.id if ARXIV_ID_RE.fullmatch(self.id) else None


WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class PaperText:
    """A liked or disliked paper as a subscriber's profile keeps it (issue 14): enough to
    rebuild the profile at any time, without the papers table (whose papers expire) or
    a second trip to arXiv."""

    id: str
    title: str
    abstract: str = ""

    @property
    def pending(self) -> bool:
        """Named but not read yet (an id whose paper is still to be fetched from arXiv,
        services/likes.py): it counts toward the limit but teaches the profile nothing."""
        return not (self.title or self.abstract)

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "abstract": self.abstract}


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A person (or webhook) and what they want to read about."""

    id: str
    email: str
    queries: tuple[str, ...]
    status: str = "active"  # pending | active | paused | unsubscribed | suppressed
    delivery_hour: int = 8
    timezone: str = "UTC"
    #: How often: ``daily``, ``weekly`` (on ``weekday``) or ``instant`` (keyword
    #: matches one by one; trending is a daily or weekly thing). The API calls it
    #: ``frequency``; ``mode`` is its old name, still accepted everywhere.
    mode: str = "daily"  # daily | weekly | instant
    #: Webhook subscribers (issue 6): where digests are POSTed and the Standard Webhooks
    #: signing secret. Empty for mail subscribers (whose items then carry neither).
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)  # never in logs or reprs
    #: Opt-in "nothing matched today" note on days without papers (issue 5).
    notify_empty: bool = False
    #: Trending (issue 15): the top ``trending_top`` papers of Hugging Face's daily lists
    #: (0 = no trending section), optionally narrowed by a query (``trending_filter``).
    trending_top: int = 0
    trending_filter: str = ""
    #: The day of a weekly digest, 0 = Monday ... 6 = Sunday (ignored unless weekly).
    weekday: int = 0
    #: Bumped when the subscriber replaces their feed link: feed tokens carry the epoch
    #: they were made for, so an old (leaked) feed link stops working.
    feed_epoch: int = 0
    #: "Papers like these" (issue 14): the liked and disliked papers the subscriber's
    #: recommendation profile is built from (none: no "Recommended for you" section).
    likes: tuple[PaperText, ...] = ()
    dislikes: tuple[PaperText, ...] = ()
    #: What could not be used of the liked/disliked papers the subscriber gave last (an
    #: id arXiv does not know, a DOI paperbell has not seen), shown on the manage page.
    like_notes: tuple[str, ...] = ()

    @property
    def wants_trending(self) -> bool:
        return self.trending_top > 0

    @property
    def wants_recommendations(self) -> bool:
        return bool(self.likes)

    @property
    def kind(self) -> str:
        """``trending``, ``queries`` or ``both``: what the subscriber's mail holds."""
        if self.wants_trending:
            return "both" if self.queries else "trending"
        return "queries"

    def trending_json(self) -> dict[str, Any] | None:
        if not self.wants_trending:
            return None
        return {"top": self.trending_top, "filter": self.trending_filter or None}

    def public_json(self) -> dict[str, Any]:
        """What the API and the operator CLI show of a subscriber: never the secret."""
        data: dict[str, Any] = {
            "id": self.id,
            "email": self.email,
            "queries": list(self.queries),
            "status": self.status,
            "hour": self.delivery_hour,
            "timezone": self.timezone,
            "mode": self.mode,
            "frequency": self.mode,
            "weekday": WEEKDAY_NAMES[self.weekday] if self.mode == "weekly" else None,
            "trending": self.trending_json(),
            "kind": self.kind,
        }
        if self.likes or self.dislikes:
            data["like"] = [p.id for p in self.likes]
            data["dislike"] = [p.id for p in self.dislikes]
        if self.webhook_url:
            data["webhook_url"] = self.webhook_url
        return data


@dataclass(frozen=True, slots=True)
class PendingMatch:
    """A paper that matched at least one of a subscriber's queries and awaits a digest."""

    subscriber_id: str
    paper_id: str
    queries: tuple[str, ...]
    highlights: dict[str, list[tuple[int, int]]] = field(default_factory=dict, compare=False)
    #: The scrape run that brought the paper in: one correlation id in the logs of
    #: scrape, match and mail for the same paper.
    correlation_id: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class PendingRecommendation:
    """A paper that passed a subscriber's recommendation floor and awaits a digest, with
    the reason the mail gives ("similar to <liked title>", shared terms)."""

    subscriber_id: str
    paper_id: str
    score: float
    similar_to_id: str = ""
    similar_to_title: str = ""
    #: Shared terms as the paper writes them, and their word keys (for highlighting).
    terms: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    correlation_id: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class DigestJob:
    """One queued digest job: a subscriber and the slot it is for.

    ``slot`` is the UTC hour ``YYYY-MM-DDTHH`` of a daily digest or ``instant#<paper id>``
    for one instant notification; ``receive_count`` is how often the queue has handed
    the job out (the last attempt marks a failing webhook).
    """

    subscriber_id: str
    slot: str
    receive_count: int = 1


@dataclass(frozen=True, slots=True)
class SubscriberChange:
    """One subscriber's change, as the match index needs it.

    ``stale_queries``: how many stored-query positions the subscriber may have held
    (before or after the change), all of which are dropped; ``subscriber``: the new
    state, whose queries are added back if it is active (None when the item was removed).
    """

    subscriber_id: str
    stale_queries: int
    subscriber: Subscriber | None
