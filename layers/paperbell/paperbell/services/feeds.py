"""A subscriber's own feed: the papers waiting for their next digest, then those of
their recent digests (``GET /feed/<token>``, rendered by :mod:`paperbell.web.feeds`)."""

from __future__ import annotations

from dataclasses import dataclass

from paperbell.models import Paper, Subscriber
from paperbell.services.context import RequestContext
from paperbell.storage.deliveries import DIGEST_PREFIX

FEED_DIGESTS = 30


@dataclass(frozen=True)
class FeedItem:
    """One paper of a subscriber's feed and the digest date it belongs to."""

    paper: Paper
    date: str  # digest date, or "" for a match still waiting for the next digest


def feed_items(ctx: RequestContext, subscriber: Subscriber) -> list[FeedItem]:
    """Pending matches (newest) then papers of recent delivered digests, no repeats."""
    order: list[tuple[str, str]] = []
    for match in ctx.deliveries.pending_matches(subscriber.id):
        order.append((match.paper_id, ""))
    entries = ctx.deliveries.recent_ledger(subscriber.id, FEED_DIGESTS)
    for entry in sorted(entries, key=lambda e: e.key, reverse=True):
        date = entry.key.removeprefix(DIGEST_PREFIX) if entry.key.startswith(DIGEST_PREFIX) else ""
        order.extend((pid, date) for pid in entry.paper_ids)
    seen: dict[str, str] = {}
    for pid, date in order:
        seen.setdefault(pid, date)
    papers = ctx.papers.get_many(list(seen))
    return [FeedItem(papers[pid], date) for pid, date in seen.items() if pid in papers]
