"""Match use case: each new paper from the papers stream against every stored query.

The stored queries live in a ``MatchIndex`` (presearcher + verifier) built from the
subscribers table and cached in the Lambda container. It is rebuilt when older than
``MATCH_INDEX_TTL_SECONDS`` (60 s by default), so a new subscription matches from the
next scrape on without a per-paper scan of subscribers.

A daily or weekly subscriber's matches of one stream batch are recorded as one item
(one write, not one per paper), after the batch's records are handled; a stream batch
delivered twice rewrites the same item, and pending is decided per paper, so nothing is
recorded (or sent) twice. Instant subscribers' matches are one conditional put each.
The handler (functions/match) turns stream records into papers and reports the ones
that fail back to Lambda (partial batch response); they end in the OnFailure queue
after the configured retries.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from paperbell import clock
from paperbell.config import Settings, settings
from paperbell.matching import MatchIndex
from paperbell.models import Paper, PendingMatch, PendingRecommendation, Subscriber
from paperbell.observability import logger, metrics
from paperbell.scheduling import next_slot_for
from paperbell.services.planning import enqueue_jobs
from paperbell.services.recommending import current_profiles, record_recommendations
from paperbell.storage.deliveries import INSTANT_PREFIX, DeliveryRepository
from paperbell.storage.index_snapshots import IndexSnapshotStore
from paperbell.storage.subscribers import SubscriberRepository


def query_id(subscriber_id: str, position: int) -> str:
    """Stored-query id: the subscriber and the query's position in their list."""
    return f"{subscriber_id}#{position}"


def index_entries(subscribers: Iterable[Subscriber]) -> list[tuple[str, str]]:
    """(query id, query text) for every query of every given active subscriber."""
    return [
        (query_id(sub.id, position), text)
        for sub in subscribers
        if sub.status == "active"
        for position, text in enumerate(sub.queries)
    ]


def build_match_index(entries: list[tuple[str, str]]) -> MatchIndex:
    """Index every valid query; an invalid stored query is logged and skipped, never fatal."""
    index = MatchIndex.build(entries, on_error="skip")
    for qid, error in index.errors:
        logger.warning("stored query rejected", extra={"query_id": qid, "reason": str(error)})
    return index


@dataclass
class SubscriptionIndex:
    """The stored-query index, plus the subscribers it hit (read lazily, in batches).

    Only subscribers whose queries matched are ever read, so a warm matcher's cost per
    paper grows with its matches, not with the number of subscribers.
    """

    index: MatchIndex
    lookup: Callable[[list[str]], dict[str, Subscriber]]
    checked_at: float = field(default_factory=time.monotonic)
    etag: str | None = None
    subscribers: dict[str, Subscriber] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        subscribers: list[Subscriber],
        lookup: Callable[[list[str]], dict[str, Subscriber]] | None = None,
    ) -> SubscriptionIndex:
        known = {s.id: s for s in subscribers}
        return cls(
            index=build_match_index(index_entries(subscribers)),
            lookup=lookup or (lambda ids: {i: known[i] for i in ids if i in known}),
            subscribers=known,
        )

    def subscribers_for(self, subscriber_ids: Iterable[str]) -> dict[str, Subscriber]:
        missing = [sid for sid in dict.fromkeys(subscriber_ids) if sid not in self.subscribers]
        if missing:
            self.subscribers.update(self.lookup(missing))
        return {sid: self.subscribers[sid] for sid in subscriber_ids if sid in self.subscribers}

    def match(self, paper: Paper) -> dict[str, PendingMatch]:
        """Per subscriber: the queries that matched the paper.

        Ids only (the cheapest path of the index): highlights are computed when a
        digest shows the paper (services/digests.py), for the at most 30 papers a
        mail shows, instead of for every one of up to hundreds of matches per paper.
        """
        index = self.index
        slots = index.match_slots(paper)  # numbers, then ids and texts by number: no
        queries: dict[str, list[str]] = defaultdict(list)  # id -> slot map is ever built
        for qid, text in zip(index.query_ids(slots), index.query_texts(slots), strict=True):
            queries[qid.rpartition("#")[0]].append(text)
        return {
            sid: PendingMatch(
                subscriber_id=sid, paper_id=paper.id, queries=tuple(dict.fromkeys(qs))
            )
            for sid, qs in queries.items()
        }


_cache: dict[str, SubscriptionIndex] = {}


def current_index(config: Settings) -> SubscriptionIndex:
    """The container's index: the S3 snapshot (re-read only when its ETag changed,
    checked at most every MATCH_INDEX_TTL_SECONDS), or - before the first snapshot
    exists, or without a bucket - built from the subscribers table."""
    key = config.index_bucket or config.subscribers_table
    cached = _cache.get(key)
    now = time.monotonic()
    if cached and now - cached.checked_at < config.match_index_ttl_seconds:
        return cached
    repo = SubscriberRepository(config.subscribers_table)
    fresh: SubscriptionIndex | None = None
    if config.index_bucket:
        store = IndexSnapshotStore(config.index_bucket)
        etag = store.etag()
        if cached and etag is not None and etag == cached.etag:
            cached.checked_at = now
            cached.subscribers.clear()  # preferences may have changed; re-read on hit
            return cached
        snapshot = store.load() if etag is not None else None
        if snapshot is not None:
            fresh = SubscriptionIndex(
                MatchIndex.from_snapshot(snapshot.data), repo.get_many, etag=snapshot.etag
            )
    if fresh is None:
        fresh = SubscriptionIndex.build(list(repo.iter_active()), repo.get_many)
    _cache[key] = fresh
    metrics.add_metric(name="StoredQueries", unit=MetricUnit.Count, value=len(fresh.index))
    return fresh


def reset_index_cache() -> None:
    _cache.clear()


def record_matches(
    paper: Paper,
    index: SubscriptionIndex,
    deliveries: DeliveryRepository,
    *,
    now: datetime,
    retention_days: int,
    correlation_id: str = "",
    batch: dict[str, list[PendingMatch]],
) -> tuple[int, list[dict[str, str]]]:
    """Find the paper's matches: daily and weekly subscribers' go into ``batch`` under
    their next delivery slot (:meth:`PaperMatcher.flush` writes one item per
    subscriber for the whole stream batch); instant subscribers' are recorded once each
    now (redeliveries record nothing) and become jobs for the digest queue.
    Returns (matches found, instant jobs to queue)."""
    found = 0
    instant_jobs: list[dict[str, str]] = []
    expires_at = int((now + timedelta(days=retention_days)).timestamp())
    matches = index.match(paper)
    subscribers = index.subscribers_for(list(matches))
    for match in matches.values():
        subscriber = subscribers.get(match.subscriber_id)
        if subscriber is None or subscriber.status != "active":
            continue  # left or paused since the snapshot; the next snapshot drops them
        match = replace(match, correlation_id=correlation_id)
        found += 1
        if subscriber.mode != "instant":
            batch.setdefault(next_slot_for(subscriber, now), []).append(match)
            continue
        state = deliveries.record_match(match, due_slot=None, expires_at=expires_at)
        if state != "delivered":
            # Also for "pending": a crash between recording and queueing must not lose
            # the notification; a duplicate job is absorbed by the mail idempotency.
            instant_jobs.append({"subscriber_id": subscriber.id, "slot": INSTANT_PREFIX + paper.id})
    return found, instant_jobs


class PaperMatcher:
    """Matches new papers for one stream batch: one index and one ledger for all records.

    The handler builds one per invocation and calls :meth:`match` for each record, so
    the index is read (or its ETag checked) once per batch, not once per paper.
    """

    def __init__(self, config: Settings | None = None):
        self.config = config or settings()
        self.index = current_index(self.config)
        self.deliveries = DeliveryRepository(self.config.deliveries_table)
        #: The batch's daily and weekly matches and candidates by due slot, written by
        #: :meth:`flush`.
        self.pending: dict[str, list[PendingMatch]] = {}
        self.pending_recs: dict[str, list[PendingRecommendation]] = {}

    def match(self, paper: Paper, *, scrape_run: str = "") -> int:
        """Find the paper's matches (kept for :meth:`flush`), record its candidates and
        queue instant jobs; returns the matches found."""
        logger.set_correlation_id(scrape_run or None)
        found: dict[str, list[PendingMatch]] = {}
        recorded, instant_jobs = record_matches(
            paper,
            self.index,
            self.deliveries,
            now=clock.now(),
            retention_days=self.config.paper_retention_days,
            correlation_id=scrape_run,
            batch=found,
        )
        # Queued inside the record's handling: if queueing fails the record fails and is
        # retried; the match is already recorded, so only the job is (re)sent, and the
        # mail function's idempotency makes a duplicate job harmless.
        enqueue_jobs(self.config.digest_queue_url, instant_jobs)
        metrics.add_metric(name="Matches", unit=MetricUnit.Count, value=recorded)
        found_recs: dict[str, list[PendingRecommendation]] = {}
        recommended = record_recommendations(
            paper,
            current_profiles(self.config.index_bucket, self.config.match_index_ttl_seconds),
            self.index.subscribers_for,
            now=clock.now(),
            correlation_id=scrape_run,
            batch=found_recs,
        )
        metrics.add_metric(name="Recommendations", unit=MetricUnit.Count, value=recommended)
        # Only a paper handled without error joins the batch's items: a failed record is
        # retried, and its matches are found again then.
        for slot, matches in found.items():
            self.pending.setdefault(slot, []).extend(matches)
        for slot, recs in found_recs.items():
            self.pending_recs.setdefault(slot, []).extend(recs)
        logger.debug("paper matched", extra={"paper_id": paper.id, "matches": recorded})
        return recorded

    def flush(self) -> int:
        """Write the batch's daily and weekly matches and candidates: one item per
        subscriber and slot for all the papers of the batch (one for matches, one for
        candidates; storage/deliveries.py ``record_batch``), and the due markers. Called
        once the batch's records are handled; if it raises, the invocation fails and
        Lambda retries the batch (rewriting an item is harmless). Returns the matches
        and candidates written."""
        pending, self.pending = self.pending, {}
        recs, self.pending_recs = self.pending_recs, {}
        if not pending and not recs:
            return 0
        return self.deliveries.record_batch(
            pending, recs=recs, expires_at=int((clock.now() + timedelta(
                days=self.config.paper_retention_days)).timestamp()))
