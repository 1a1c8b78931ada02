"""Pending matches, due markers and the delivery ledger (one table, keyed by subscriber).

Item kinds under one subscriber partition (the data model: docs/operations.md,
*Delivery state*):
- ``matches#<hash>``: the papers of one stream batch that matched a daily or weekly
  subscriber, waiting for a digest - one item per (subscriber, slot, scrape run) and
  stream batch, however many papers matched (``papers``: paper id -> the queries that
  matched it; ``hash``: of the paper ids, so a redelivered batch rewrites the same
  item). Its ``slot`` says for which UTC hour ("YYYY-MM-DDTHH"). It is **not** in the
  planner's index: one write unit per subscriber and batch (up to 1 KB), not per match.
- ``match#<paper id>``: one paper that matched an instant-mode subscriber (its
  ``instant#<paper id>`` job reads it by key), or a match written before the batches.
- ``recs#<hash>``: the candidate recommendations (issue 14) of one stream batch, as
  ``matches#`` items are for matches: per paper that passed the subscriber's similarity
  floor, the score and the reason (``papers``: paper id -> score, liked paper, terms).
- ``rec#<paper id>``: one candidate, as written before the batches (still read).
- the due marker, one item per (subscriber, slot) in the slot's own partition
  (``~due#<slot>``, sort key the subscriber id), which the hourly planner reads. The
  matcher writes it once for all of a subscriber's matches of that slot (one read
  checks whether an earlier batch wrote it), so the planner's cost grows with due
  subscribers, not with matches, and a marker is one write unit (a GSI entry would be
  a second one).
- ``digest#<local date>``: the ledger - what was sent (or skipped, or failed) that day,
  and which matches and candidates it **consumed**: every one it read, shown or not -
  the papers it held (``paper_ids``) and the others (``matches``, ``recs``). Consumed
  items are not marked one by one: a match or candidate is pending while no ledger item
  names it. ``instant#<paper id>`` is the same for one
  instant-mode notification (its key names the match it consumed).
- ``tick``: for trending and empty-note subscribers, the marker carrying their next
  ``due_slot``, which puts them in the sparse ``by-due-slot`` index the planner reads
  too (it moves with each digest, so it is one item per subscriber, not per slot).

Why this is safe: matches and candidates live :data:`PENDING_RETENTION` (10 days, then
TTL; a job's last attempt before the dead-letter queue keeps its items
:data:`PARKED_RETENTION` more), the ledger 35 days, so every live match's consuming
ledger item still exists; the digest reads the whole partition in one query. Older data
stays readable: an item with a ``delivered`` mark (written before issue 15) is
consumed too, and a match that still carries
``due_slot`` still shows its subscriber to the planner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import chain
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from paperbell import aws, clock
from paperbell.models import PendingMatch, PendingRecommendation
from paperbell.scheduling import parse_slot
from paperbell.storage import paging

MATCH_PREFIX = "match#"
#: One item per (subscriber, slot, scrape run) and stream batch (see record_batch), for
#: matches and for candidates. Both sort after ``digest#`` like every other kind (the
#: ledger's ``since`` bound).
BATCH_PREFIX = "matches#"
REC_BATCH_PREFIX = "recs#"
#: Papers one batch item lists at most: a very broad query matching most of a big
#: stream batch still writes items far below DynamoDB's 400 KB limit.
BATCH_PAPERS_MAX = 500
#: BatchGetItem takes 100 keys per request (the due-marker checks).
BATCH_GET_LIMIT = 100
REC_PREFIX = "rec#"
DIGEST_PREFIX = "digest#"
INSTANT_PREFIX = "instant#"
#: Due markers live in one partition per slot, keyed by subscriber (see _marker_key).
MARKER_PREFIX = "~due#"
LEDGER_PREFIXES = (DIGEST_PREFIX, INSTANT_PREFIX)
#: Marker that keeps a trending or empty-note subscriber due at their hour.
TICK_KEY = "tick"
#: How long a match or candidate is kept, consumed or not (then TTL removes it). It must
#: outlast the wait for its digest - a weekly slot (7 days) and a queue backlog - and
#: stay under the ledger's 35 days, so the ledger item that consumed it is always still
#: there; every day more is read by each digest (its partition query). Also longer than
#: the 24 h a DynamoDB stream keeps records: a late redelivery records nothing new.
PENDING_RETENTION = timedelta(days=10)
#: A job's last attempt before the digest dead-letter queue (14 days' retention) keeps
#: the items it read this long from then, so a redrive still finds them; still under the
#: ledger's 35 days.
PARKED_RETENTION = timedelta(days=15)
#: How far back a digest must read the ledger to know what is consumed: no match lives
#: longer than this past the digest that consumed it (PARKED_RETENTION), plus a day for
#: the local-date ledger keys. Trending and recommendations read the whole 35 days (the
#: papers already sent).
CONSUMPTION_LOOKBACK = PARKED_RETENTION + timedelta(days=1)
#: A due marker is kept this long after its slot: past the planner's look-back.
MARKER_RETENTION = timedelta(days=2)
#: Ids a ledger item lists per kind; past this (a subscriber with thousands of matches
#: in one digest) the rest go into more items (``~more#<ledger key>#<n>``, as many as
#: needed, living as long as the ledger item), keeping each item small.
CONSUMED_INLINE_MAX = 2000
#: The continuation items of a ledger item past CONSUMED_INLINE_MAX; "~" sorts after
#: every other kind, so the digest's partition query always reads them.
MORE_PREFIX = "~more#"
#: The planner's progress marker (a reserved partition, not a subscriber).
PLANNER_KEY = {"subscriber_id": "~planner", "sk": "state"}


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger item: how a planned digest or instant notification ended, which papers
    it held (the "never twice" rule reads them) and which pending matches and candidates
    it consumed (``matches``, ``recs``; they are no longer pending). Stored, the lists
    leave out what ``paper_ids`` holds (consumed too), so read back they hold the rest."""

    subscriber_id: str
    key: str  # "digest#<local date>" | "instant#<paper id>"
    status: str  # sent | skipped-empty | skipped-inactive | suppressed | failed
    message_id: str | None
    paper_ids: tuple[str, ...]
    matches: tuple[str, ...] = ()
    recs: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeliveryState:
    """What one subscriber's partition holds, read in one query: the pending matches and
    candidates (nothing a ledger item consumed), the ledger and the tick."""

    matches: list[PendingMatch]
    recommendations: list[PendingRecommendation]
    ledger: dict[str, LedgerEntry] = field(default_factory=dict)
    tick_slot: str | None = None
    #: The slot each pending match / candidate was recorded for (the planner's re-check).
    slots: frozenset[str] = frozenset()

    def sent_paper_ids(self, *, since: datetime) -> set[str]:
        """Every paper a sent digest since ``since`` held (trending's "never twice")."""
        first = DIGEST_PREFIX + since.date().isoformat()
        return {
            pid
            for key, entry in self.ledger.items()
            if key.startswith(DIGEST_PREFIX) and key >= first and entry.status == "sent"
            for pid in entry.paper_ids
        }


class DeliveryRepository:
    """Every read and write of the deliveries table.

    One instance per matcher invocation (``PaperMatcher``): it remembers the due
    markers it has seen, so a subscriber's markers cost one read per stream batch and
    one write per slot, however many of their matches the batch holds."""

    def __init__(self, table_name: str):
        self.table_name = table_name
        self._markers: set[tuple[str, str]] = set()

    # -- pending matches and candidates -------------------------------------------------
    def record_match(self, match: PendingMatch, *, due_slot: str | None, expires_at: int) -> str:
        """Store a match once: "new", or for a redelivered stream record "pending"
        (recorded, not yet consumed) or "delivered" (a ledger item consumed it).

        ``due_slot`` is the digest slot it waits for: its subscriber's due marker for
        that slot is written first (a crash in between leaves a marker with nothing
        behind it, a skipped digest, never a match the planner cannot see). ``None``
        (instant mode) writes no marker: the matcher queues the job itself."""
        # No paper_id attribute: the sort key names the paper (each byte is read again
        # by every digest while the item lives).
        item: dict[str, Any] = {
            "subscriber_id": match.subscriber_id,
            "sk": MATCH_PREFIX + match.paper_id,
            "queries": list(match.queries),
            "matched_at": clock.now().isoformat(),
            "correlation_id": match.correlation_id,
            "expires_at": _pending_expiry(expires_at),
        }
        if match.highlights:
            item["highlights"] = json.dumps(match.highlights)
        return self._record_pending(item, due_slot)

    def record_batch(self, batches: Mapping[str, Sequence[PendingMatch]], *,
                     expires_at: int,
                     recs: Mapping[str, Sequence[PendingRecommendation]] | None = None) -> int:
        """Store a stream batch's daily and weekly matches: per due slot (the key of
        ``batches``), one item per subscriber (and scrape run) listing every paper that
        matched them in the batch; the candidates (``recs``) the same way, in items of
        their own; returns the papers recorded (matches and candidates).

        The due markers are checked and written first, all of them in batched calls
        (a crash in between leaves a marker with nothing behind it, a skipped digest,
        never a match the planner cannot see); then the items, 25 per BatchWriteItem.
        The writes are unconditional: an item's key is a hash of its paper ids, so a
        redelivered batch rewrites the same item, and a bisected retry that regroups
        the papers writes them again under another key - harmless, because pending is
        decided per paper (a ledger item that names a paper consumes it in every item
        that lists it; _state_of reads one entry per paper)."""
        items: list[dict[str, Any]] = []
        for slot, matches in batches.items():
            items += _batch_rows(BATCH_PREFIX, slot, expires_at, (
                (m.subscriber_id, m.correlation_id, m.paper_id, list(m.queries))
                for m in matches))
        for slot, found in (recs or {}).items():
            items += _batch_rows(REC_BATCH_PREFIX, slot, expires_at, (
                (r.subscriber_id, r.correlation_id, r.paper_id, _rec_fields(r))
                for r in found))
        self._ensure_markers((str(i["subscriber_id"]), str(i["slot"])) for i in items)
        with aws.table(self.table_name).batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        return sum(len(item["papers"]) for item in items)

    def record_recommendation(self, rec: PendingRecommendation, *, due_slot: str,
                              expires_at: int) -> str:
        """Store a candidate once: "new", "pending" or "delivered" as for matches.

        The liked paper is stored by id only: the digest takes its title from the
        subscriber's likes (a candidate whose liked paper is no longer liked is never
        shown), which keeps the item that every digest reads again smaller."""
        item: dict[str, Any] = {
            "subscriber_id": rec.subscriber_id,
            "sk": REC_PREFIX + rec.paper_id,
            **_rec_fields(rec),
            "matched_at": clock.now().isoformat(),
            "correlation_id": rec.correlation_id,
            "expires_at": _pending_expiry(expires_at),
        }
        return self._record_pending(item, due_slot)

    def _record_pending(self, item: dict[str, Any], due_slot: str | None) -> str:
        subscriber_id = str(item["subscriber_id"])
        if due_slot:
            item["slot"] = due_slot
            self._ensure_markers([(subscriber_id, due_slot)])
        try:
            aws.table(self.table_name).put_item(
                Item=item, ConditionExpression="attribute_not_exists(sk)"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # A redelivered stream record (rare): consumed or still pending?
            state = self.state(subscriber_id, consistent=True)
            pending = {m.paper_id for m in state.matches} | {
                r.paper_id for r in state.recommendations}
            return "pending" if _paper_of(item) in pending else "delivered"
        return "new"

    def _ensure_markers(self, pairs: Iterable[tuple[str, str]]) -> None:
        """The due markers of these (subscriber, slot) pairs: one BatchGetItem per 100
        markers this instance has not seen yet, and the missing ones written 25 per
        BatchWriteItem. The reads may be eventually consistent: missing a marker just
        written costs one more write, nothing else."""
        wanted = [p for p in dict.fromkeys(pairs) if p not in self._markers]
        resource = aws.dynamodb_resource()
        found: set[tuple[str, str]] = set()
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys = [_marker_key(slot, sid) for sid, slot in wanted[start:start + BATCH_GET_LIMIT]]
            pending: dict[str, Any] = {self.table_name: {
                "Keys": keys, "ProjectionExpression": "subscriber_id, sk"}}
            while pending:
                response = resource.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    found.add((str(item["sk"]), str(item["subscriber_id"]).removeprefix(
                        MARKER_PREFIX)))
                pending = response.get("UnprocessedKeys") or {}
        with aws.table(self.table_name).batch_writer() as batch:
            for sid, slot in wanted:
                if (sid, slot) not in found:
                    expires = int((parse_slot(slot) + MARKER_RETENTION).timestamp())
                    batch.put_item(Item={**_marker_key(slot, sid), "expires_at": expires})
        self._markers.update(wanted)

    def state(self, subscriber_id: str, *, since: datetime | None = None,
              consistent: bool = False) -> DeliveryState:
        """The subscriber's pending matches, candidates, ledger and tick: one query of
        their partition (at steady state about 10 days of matches and 35 ledger items).
        ``since`` leaves out the ledger items of digests before that date (every other
        kind sorts after ``digest#``): at least :data:`CONSUMPTION_LOOKBACK` back.

        Eventually consistent by default (half the read units): an item written in the
        last second may be missing, and that is safe - a missed match waits for the
        next digest, and the ledger items that decide "already consumed" were written
        by earlier digests (the mailer re-reads this digest's own ledger item
        consistently, see services/digests.py)."""
        condition: Any = Key("subscriber_id").eq(subscriber_id)
        if since is not None:
            condition &= Key("sk").gte(DIGEST_PREFIX + since.date().isoformat())
        found = paging.items(
            aws.table(self.table_name).query,
            KeyConditionExpression=condition,
            ConsistentRead=consistent,
        )
        return _state_of(subscriber_id, found, int(clock.now().timestamp()))

    def pending_matches(self, subscriber_id: str) -> list[PendingMatch]:
        return self.state(subscriber_id).matches

    def pending_recommendations(self, subscriber_id: str) -> list[PendingRecommendation]:
        """Unconsumed candidates, best score first."""
        return self.state(subscriber_id).recommendations

    def pending_match(self, subscriber_id: str, paper_id: str) -> PendingMatch | None:
        """One match by paper (an instant job: its own ledger key says if it was sent)."""
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id, "sk": MATCH_PREFIX + paper_id},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return _pending_from_item(subscriber_id, item) if item else None

    def pending_match_count(self) -> int:
        """Pending matches of every subscriber (tests and local runs; a scan)."""
        by_subscriber: dict[str, list[dict[str, Any]]] = {}
        for item in paging.items(aws.table(self.table_name).scan):
            by_subscriber.setdefault(str(item["subscriber_id"]), []).append(item)
        now_ts = int(clock.now().timestamp())
        return sum(len(_state_of(sid, items, now_ts).matches)
                   for sid, items in by_subscriber.items())

    def subscribers_due(self, slot: str, *, undelivered_only: bool = False) -> Iterator[str]:
        """Subscriber ids due in ``slot``: the slot's marker partition (matches and
        candidates), then the sparse ``by-due-slot`` GSI (trending and empty-note ticks,
        and matches recorded before markers existed) - one query each.

        Markers stay until TTL, which is harmless for a slot planned for the first time.
        Re-checking a slot already planned (``undelivered_only``: a repeated tick of the
        same hour) reads each subscriber's partition, so one whose digest consumed
        everything of that slot gets no job again."""
        table = aws.table(self.table_name)
        seen: set[str] = set()
        markers = paging.items(table.query, KeyConditionExpression=Key("subscriber_id").eq(
            MARKER_PREFIX + slot))
        indexed = paging.items(table.query, IndexName="by-due-slot",
                               KeyConditionExpression=Key("due_slot").eq(slot))
        for item in chain(({"subscriber_id": m["sk"]} for m in markers), indexed):
            sid = str(item["subscriber_id"])
            if sid in seen:
                continue
            seen.add(sid)
            if not undelivered_only or self._has_undelivered(sid, slot):
                yield sid

    def _has_undelivered(self, subscriber_id: str, slot: str) -> bool:
        state = self.state(subscriber_id, consistent=True)
        return state.tick_slot == slot or slot in state.slots

    # -- ledger and ticks ------------------------------------------------------------
    def ledger_entry(self, subscriber_id: str, key: str) -> LedgerEntry | None:
        """The ledger item ``key`` ("digest#<local date>" or "instant#<paper id>"),
        read consistently (a retried job must see what its first attempt recorded)."""
        response = aws.table(self.table_name).get_item(
            Key={"subscriber_id": subscriber_id, "sk": key}, ConsistentRead=True
        )
        item = response.get("Item")
        return _entry_of(subscriber_id, item) if item else None

    def record_ledger(self, entry: LedgerEntry, *, expires_at: int, detail: str = "") -> None:
        """Write the outcome of a planned digest (every planned digest ends recorded),
        and with it which matches and candidates it consumed. This one write replaces a
        mark per match; ids past :data:`CONSUMED_INLINE_MAX` per kind go into
        continuation items after it (a crash in between re-sends only those:
        at-least-once)."""
        item: dict[str, Any] = {
            "subscriber_id": entry.subscriber_id,
            "sk": entry.key,
            "status": entry.status,
            "paper_ids": list(entry.paper_ids),
            "recorded_at": clock.now().isoformat(),
            "expires_at": expires_at,
        }
        # The papers the digest held are consumed by being listed in paper_ids already:
        # the lists name only the others (read, not shown), so the item stays small.
        shown = set(entry.paper_ids)
        extra = {MATCH_PREFIX: [p for p in entry.matches if p not in shown],
                 REC_PREFIX: [p for p in entry.recs if p not in shown]}
        if extra[MATCH_PREFIX]:
            item["matches"] = extra[MATCH_PREFIX][:CONSUMED_INLINE_MAX]
        if extra[REC_PREFIX]:
            item["recs"] = extra[REC_PREFIX][:CONSUMED_INLINE_MAX]
        if entry.message_id:
            item["message_id"] = entry.message_id
        if detail:
            item["detail"] = detail[:1000]
        table = aws.table(self.table_name)
        table.put_item(Item=item)
        # Past the cap, more items of the same kind of list (rare: thousands of matches
        # in one digest); a crash in between re-sends only those (at-least-once).
        rest = {name: extra[prefix][CONSUMED_INLINE_MAX:]
                for name, prefix in (("matches", MATCH_PREFIX), ("recs", REC_PREFIX))}
        part = 0
        while any(rest.values()):
            part += 1
            more: dict[str, Any] = {"subscriber_id": entry.subscriber_id,
                                    "sk": f"{MORE_PREFIX}{entry.key}#{part}",
                                    "expires_at": expires_at}
            for name, ids in rest.items():
                if ids:
                    more[name], rest[name] = ids[:CONSUMED_INLINE_MAX], ids[CONSUMED_INLINE_MAX:]
            table.put_item(Item=more)

    def keep_for_redrive(self, subscriber_id: str, *, matches: Iterable[str],
                         recs: Iterable[str]) -> None:
        """A job's last attempt before the dead-letter queue: its pending items expire
        :data:`PARKED_RETENTION` from now instead, so a redrive still has them (a write
        per item, on this rare path only)."""
        table = aws.table(self.table_name)
        expires = int((clock.now() + PARKED_RETENTION).timestamp())
        for prefix, batch_prefix, ids in ((MATCH_PREFIX, BATCH_PREFIX, list(matches)),
                                          (REC_PREFIX, REC_BATCH_PREFIX, list(recs))):
            batch_keys = [sk for sk, _ in self._batch_items(subscriber_id, ids, batch_prefix)]
            for sk in chain((prefix + pid for pid in ids), batch_keys):
                _update_if_present(table, subscriber_id, sk, "expires_at", expires,
                                   only_if="expires_at < :v")

    def _batch_items(self, subscriber_id: str, paper_ids: Iterable[str],
                     prefix: str = BATCH_PREFIX) -> list[tuple[str, set[str]]]:
        """(key, papers) of the subscriber's batch items (``prefix``: of matches or of
        candidates) that list any of ``paper_ids``: one query of those items (the rare
        path of a parked job only)."""
        wanted = set(paper_ids)
        if not wanted:
            return []
        found = paging.items(
            aws.table(self.table_name).query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
            & Key("sk").begins_with(prefix),
            ConsistentRead=True,
        )
        out = []
        for item in found:
            papers = {str(p) for p in item.get("papers") or {}}
            if papers & wanted:
                out.append((str(item["sk"]), papers))
        return out

    def sent_paper_ids(self, subscriber_id: str, *, since: datetime) -> set[str]:
        """Every paper a sent digest since ``since`` held (the "never twice" rule of
        trending): one query over the subscriber's ledger items, not a row per paper."""
        found = paging.items(
            aws.table(self.table_name).query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
            & Key("sk").between(DIGEST_PREFIX + since.date().isoformat(), DIGEST_PREFIX + "~"),
            ProjectionExpression="paper_ids, #s",
            ExpressionAttributeNames={"#s": "status"},
        )
        return {str(p) for item in found if item.get("status") == "sent"
                for p in item.get("paper_ids", ()) or ()}

    def stamp_tick(self, subscriber_id: str, due_slot: str) -> None:
        """Keep a subscriber in the planner's index without matches (trending, notes)."""
        aws.table(self.table_name).put_item(
            Item={"subscriber_id": subscriber_id, "sk": TICK_KEY, "due_slot": due_slot}
        )

    def clear_tick(self, subscriber_id: str) -> None:
        aws.table(self.table_name).delete_item(Key={"subscriber_id": subscriber_id, "sk": TICK_KEY})

    def last_planned_slot(self) -> str | None:
        """The newest slot the planner has queued jobs for (None before the first tick)."""
        response = aws.table(self.table_name).get_item(Key=PLANNER_KEY, ConsistentRead=True)
        item = response.get("Item")
        return str(item["slot"]) if item else None

    def set_last_planned_slot(self, slot: str) -> None:
        """Advance (never rewind) the planner's progress marker."""
        try:
            aws.table(self.table_name).put_item(
                Item={**PLANNER_KEY, "slot": slot},
                ConditionExpression="attribute_not_exists(slot) OR slot < :s",
                ExpressionAttributeValues={":s": slot},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def iter_ledger(self) -> Iterator[dict[str, Any]]:
        """Every ledger item (operator views and tests; a scan, not a hot path)."""
        table = aws.table(self.table_name)
        for item in paging.items(table.scan):
            if str(item["sk"]).startswith(LEDGER_PREFIXES):
                yield item

    # -- per-subscriber views (web API: feed, delete my data; issue 6) -----------------
    def recent_ledger(self, subscriber_id: str, limit: int = 30) -> list[LedgerEntry]:
        """The subscriber's latest digest and instant ledger entries, newest key first."""
        table = aws.table(self.table_name)
        entries: list[LedgerEntry] = []
        for prefix in LEDGER_PREFIXES:
            response = table.query(
                KeyConditionExpression=Key("subscriber_id").eq(subscriber_id)
                & Key("sk").begins_with(prefix),
                ScanIndexForward=False,
                Limit=limit,
            )
            entries.extend(_entry_of(subscriber_id, item) for item in response.get("Items", []))
        return entries

    def delete_subscriber(self, subscriber_id: str) -> int:
        """Delete every item (matches, ledger, tick) of a subscriber and their due
        markers (the slots their matches and candidates name); the count."""
        table = aws.table(self.table_name)
        deleted = 0
        slots: set[str] = set()
        for page in paging.pages(
            table.query,
            KeyConditionExpression=Key("subscriber_id").eq(subscriber_id),
            ProjectionExpression="subscriber_id, sk, #slot",
            ExpressionAttributeNames={"#slot": "slot"},
            ConsistentRead=True,
        ):
            with table.batch_writer() as batch:
                for item in page.get("Items", []):
                    batch.delete_item(Key={"subscriber_id": subscriber_id, "sk": item["sk"]})
                    deleted += 1
                    if item.get("slot"):
                        slots.add(str(item["slot"]))
        with table.batch_writer() as batch:
            for slot in sorted(slots):
                batch.delete_item(Key=_marker_key(slot, subscriber_id))
        return deleted


def _marker_key(slot: str, subscriber_id: str) -> dict[str, str]:
    """A due marker: partition ``~due#<slot>``, one item per subscriber. The planner
    reads the slot's partition; a marker is one write unit (no index entry to write)."""
    return {"subscriber_id": MARKER_PREFIX + slot, "sk": subscriber_id}


def _pending_expiry(expires_at: int) -> int:
    """The earlier of the caller's expiry (the paper's retention) and
    :data:`PENDING_RETENTION` from now; 0 (tests) stays 0, which TTL never removes."""
    if not expires_at:
        return expires_at
    return min(expires_at, int((clock.now() + PENDING_RETENTION).timestamp()))


def _state_of(subscriber_id: str, items: Iterable[Mapping[str, Any]], now_ts: int
              ) -> DeliveryState:
    """Pending = recorded, not past its expiry (TTL deletes late), not marked, and named
    by no ledger item (in its papers, ``matches`` or ``recs``, or its ``~more#`` items;
    an ``instant#<paper>`` key names its match), decided per paper."""
    ledger: dict[str, LedgerEntry] = {}
    consumed: dict[str, set[str]] = {MATCH_PREFIX: set(), REC_PREFIX: set()}
    kept: dict[str, list[Mapping[str, Any]]] = {MATCH_PREFIX: [], REC_PREFIX: []}
    tick: str | None = None
    for item in items:
        sk = str(item["sk"])
        if sk.startswith(LEDGER_PREFIXES):
            entry = ledger[sk] = _entry_of(subscriber_id, item)
            consumed[MATCH_PREFIX].update(entry.paper_ids, entry.matches)
            consumed[REC_PREFIX].update(entry.paper_ids, entry.recs)
            if sk.startswith(INSTANT_PREFIX):
                consumed[MATCH_PREFIX].add(sk.removeprefix(INSTANT_PREFIX))
        elif sk.startswith(MORE_PREFIX):
            consumed[MATCH_PREFIX].update(_ids(item.get("matches")))
            consumed[REC_PREFIX].update(_ids(item.get("recs")))
        elif sk == TICK_KEY:
            tick = str(item["due_slot"]) if item.get("due_slot") else None
        elif sk.startswith((MATCH_PREFIX, REC_PREFIX, BATCH_PREFIX, REC_BATCH_PREFIX)) and (
                "delivered" not in item):
            expires = int(item.get("expires_at") or 0)
            if 0 < expires <= now_ts:
                continue
            if sk.startswith(BATCH_PREFIX):
                kept[MATCH_PREFIX].extend(_batch_entries(item, MATCH_PREFIX))
            elif sk.startswith(REC_BATCH_PREFIX):
                kept[REC_PREFIX].extend(_batch_entries(item, REC_PREFIX))
            else:
                kept[MATCH_PREFIX if sk.startswith(MATCH_PREFIX) else REC_PREFIX].append(item)
    live: dict[str, list[Mapping[str, Any]]] = {}
    for prefix, found in kept.items():
        # One entry per paper: a paper recorded twice (a regrouped stream retry) is one
        # pending match, and one ledger item consumes it wherever it is listed.
        first: dict[str, Mapping[str, Any]] = {}
        for i in found:
            first.setdefault(_paper_of(i), i)
        live[prefix] = [i for pid, i in first.items() if pid not in consumed[prefix]]
    recs = [_recommendation_from_item(subscriber_id, i) for i in live[REC_PREFIX]]
    recs.sort(key=lambda r: (-r.score, r.paper_id))
    return DeliveryState(
        matches=[_pending_from_item(subscriber_id, i) for i in live[MATCH_PREFIX]],
        recommendations=recs,
        ledger=ledger,
        tick_slot=tick,
        slots=frozenset(str(i.get("slot") or i.get("due_slot") or "")
                        for found in live.values() for i in found) - {""},
    )


def _batch_rows(prefix: str, slot: str, expires_at: int,
                entries: Iterable[tuple[str, str, str, Any]]) -> list[dict[str, Any]]:
    """The items of one slot's (subscriber, scrape run, paper, what to keep) entries:
    one per subscriber and scrape run, at most BATCH_PAPERS_MAX papers each, keyed by a
    hash of their paper ids."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for subscriber_id, correlation_id, paper_id, kept in entries:
        groups.setdefault((subscriber_id, correlation_id), {}).setdefault(paper_id, kept)
    now = clock.now().isoformat()
    rows = []
    for (subscriber_id, correlation_id), papers in groups.items():
        ids = sorted(papers)
        for start in range(0, len(ids), BATCH_PAPERS_MAX):
            chunk = ids[start:start + BATCH_PAPERS_MAX]
            rows.append({
                "subscriber_id": subscriber_id,
                "sk": prefix + _hash_of(chunk),
                "slot": slot,
                "papers": {pid: papers[pid] for pid in chunk},
                "matched_at": now,
                "correlation_id": correlation_id,
                "expires_at": _pending_expiry(expires_at),
            })
    return rows


def _rec_fields(rec: PendingRecommendation) -> dict[str, Any]:
    """What a candidate keeps (its own item or its entry in a batch item). The liked
    paper is stored by id only: the digest takes its title from the subscriber's likes."""
    return {"score": Decimal(str(round(rec.score, 6))), "similar_to": rec.similar_to_id,
            "terms": list(rec.terms), "keys": list(rec.keys)}


def _batch_entries(item: Mapping[str, Any], prefix: str) -> Iterator[dict[str, Any]]:
    """A batch item as one entry per paper it lists, shaped like the per-paper item of
    ``prefix`` (``match#``: the queries; ``rec#``: score and reason)."""
    for paper_id, kept in (item.get("papers") or {}).items():
        fields = {"queries": kept} if prefix == MATCH_PREFIX else dict(kept)
        yield {**fields, "sk": prefix + str(paper_id),
               "correlation_id": item.get("correlation_id", ""), "slot": item.get("slot")}


def _hash_of(paper_ids: Sequence[str]) -> str:
    """A batch item's key: the same papers always give the same key (a redelivered
    stream batch rewrites its item instead of adding one)."""
    return hashlib.sha256("\n".join(paper_ids).encode()).hexdigest()[:20]


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(str(p) for p in value or ())


def _entry_of(subscriber_id: str, item: Mapping[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        subscriber_id=subscriber_id,
        key=str(item["sk"]),
        status=str(item.get("status", "")),
        message_id=item.get("message_id"),
        paper_ids=_ids(item.get("paper_ids")),
        matches=_ids(item.get("matches")),
        recs=_ids(item.get("recs")),
    )


def _paper_of(item: Mapping[str, Any]) -> str:
    """The paper a match or candidate is for: its sort key after the prefix (items
    written before issue 15 also carry ``paper_id``)."""
    return str(item.get("paper_id") or str(item["sk"]).partition("#")[2])


def _pending_from_item(subscriber_id: str, item: Mapping[str, Any]) -> PendingMatch:
    highlights = json.loads(item.get("highlights") or "{}")
    return PendingMatch(
        subscriber_id=subscriber_id,
        paper_id=_paper_of(item),
        queries=tuple(item.get("queries", ())),
        highlights={k: [(int(a), int(b)) for a, b in v] for k, v in highlights.items()},
        correlation_id=str(item.get("correlation_id", "")),
    )


def _recommendation_from_item(subscriber_id: str, item: Mapping[str, Any]
                              ) -> PendingRecommendation:
    return PendingRecommendation(
        subscriber_id=subscriber_id,
        paper_id=_paper_of(item),
        score=float(item.get("score", 0)),
        similar_to_id=str(item.get("similar_to", "")),
        similar_to_title=str(item.get("similar_title", "")),
        terms=_ids(item.get("terms")),
        keys=_ids(item.get("keys")),
        correlation_id=str(item.get("correlation_id", "")),
    )


def _update_if_present(table: Any, subscriber_id: str, sk: str, name: str, value: Any,
                       only_if: str = "") -> None:
    """Set one attribute of an item that still exists (one that expired meanwhile
    needs nothing), optionally only if ``only_if`` (on ``:v``) holds."""
    condition = "attribute_exists(sk)" + (f" AND {only_if}" if only_if else "")
    try:
        table.update_item(
            Key={"subscriber_id": subscriber_id, "sk": sk},
            UpdateExpression=f"SET {name} = :v",
            ConditionExpression=condition,
            ExpressionAttributeValues={":v": value},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
