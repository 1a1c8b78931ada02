"""Mail use case: one digest job from the queue -> one mail (or webhook call), once.

Jobs: ``{"subscriber_id", "slot"}`` where slot is the UTC hour "YYYY-MM-DDTHH" of a
daily digest, or ``"instant#<paper id>"`` for one instant-mode notification.

Never twice: the mail handler (functions/mail) runs each job under Powertools
Idempotency keyed on (subscriber, slot), so a redelivered SQS message or a second
planner tick returns the stored result instead of sending again; the delivery ledger
(``digest#<date>``/``instant#<paper>``) is checked too, so even an expired idempotency
record cannot cause a second mail.

Never lost: a transient failure (SES throttling, a webhook 5xx) raises, the record is
reported as a batch item failure and SQS redelivers it (the DLQ after maxReceiveCount,
where an alarm fires); a permanent rejection is recorded as ``failed``, not retried,
and reported on the queue its alarm watches (services/failure_reports.py).
Every planned digest ends in the ledger as sent, skipped-*, or failed, and that one
ledger item consumes the pending matches and candidates the digest read (it names
them; storage/deliveries.py): no write per match. A transient failure consumes nothing.

At-least-once at the edge (see docs/operations.md): if the function dies after SES
accepted a mail but before the ledger write, the idempotency record stays INPROGRESS
until the invocation's timeout passes, then the retry sends again. A duplicate in
that rare crash window is preferred over a lost digest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from paperbell import clock
from paperbell.config import Settings
from paperbell.delivery.digest_model import (
    QUERIES,
    RECOMMENDED,
    TRENDING,
    Digest,
    DigestEntry,
    MailSettings,
    RecommendationReason,
    SubscriberLinks,
    VoteLinks,
    merge_entries,
    section,
)
from paperbell.delivery.mime import build_digest_message
from paperbell.delivery.ses_sender import SesSender
from paperbell.errors import DeliveryError, QueryError
from paperbell.models import DigestJob, Paper, PendingMatch, PendingRecommendation, Subscriber
from paperbell.observability import logger, metrics
from paperbell.scheduling import digest_date_for, needs_tick, next_slot_for, parse_slot
from paperbell.secrets import token_key
from paperbell.services.failure_reports import report_failure
from paperbell.storage.deliveries import (
    CONSUMPTION_LOOKBACK,
    DIGEST_PREFIX,
    INSTANT_PREFIX,
    DeliveryRepository,
    LedgerEntry,
)
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell.tokens import make_token, vote_subject

#: Long enough for the subscriber's feed (last 30 digests) and an operator's look back.
LEDGER_RETENTION = timedelta(days=35)
#: Idempotency records outlive SQS retention of a job (4 days default) and the
#: planner's look-back, so no redelivery can ever find the record gone.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600
#: The digest queue's maxReceiveCount (template RedrivePolicy): the last attempt
#: marks a failing webhook before the job moves to the dead-letter queue.
MAX_RECEIVES = 5


@dataclass(frozen=True)
class DigestOutcome:
    """What one digest job ended as (the mail handler logs it; Idempotency stores it)."""

    subscriber_id: str
    key: str
    status: str
    papers: int = 0
    message_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "subscriber_id": self.subscriber_id,
            "key": self.key,
            "status": self.status,
            "papers": self.papers,
            "message_id": self.message_id,
        }


def mail_settings(config: Settings) -> MailSettings:
    return MailSettings(
        sender=config.sender_address,
        sender_name=config.sender_name,
        reply_to=config.reply_to_address,
        configuration_set=config.configuration_set,
        # No mailto: unsubscribe: the stack receives no mail, so it would go nowhere.
        # List-Unsubscribe carries the https one-click URL only (RFC 8058).
        site_url=config.site_url,
    )


def subscriber_links(config: Settings, subscriber_id: str) -> SubscriberLinks:
    key = token_key()
    base = config.site_url
    return SubscriberLinks(
        unsubscribe_url=f"{base}/unsubscribe?token={make_token(key, 'unsubscribe', subscriber_id)}",
        manage_url=f"{base}/manage?token={make_token(key, 'manage', subscriber_id)}",
        full_list_url=f"{base}/feed/{make_token(key, 'feed', subscriber_id)}",
    )


def vote_links(config: Settings, subscriber_id: str, paper_id: str) -> VoteLinks:
    """The signed "more / less like this" links of one paper in one subscriber's mail:
    each token names both, so it can vote on that paper for that subscriber only."""
    key = token_key()
    subject = vote_subject(subscriber_id, paper_id)
    base = config.site_url
    return VoteLinks(
        more_url=f"{base}/more?token={make_token(key, 'more', subject)}",
        less_url=f"{base}/less?token={make_token(key, 'less', subject)}",
    )


def send_digest(work: DigestJob, *, config: Settings, now: datetime | None = None) -> dict:
    """Build and deliver one job; returns the outcome (always recorded in the ledger).

    The mail handler runs this under Powertools Idempotency keyed on (subscriber, slot).
    """
    now = now or clock.now()
    deliveries = DeliveryRepository(config.deliveries_table)
    subscriber = SubscriberRepository(config.subscribers_table).get(work.subscriber_id)
    expires_at = int((now + LEDGER_RETENTION).timestamp())
    instant = work.slot.startswith(INSTANT_PREFIX)
    paper_id = work.slot.removeprefix(INSTANT_PREFIX) if instant else None
    timezone = subscriber.timezone if subscriber else "UTC"
    sent: set[str] | None = None
    if paper_id is not None:
        key, digest_day = INSTANT_PREFIX + paper_id, now.astimezone(UTC).date()
        match = deliveries.pending_match(work.subscriber_id, paper_id)
        pending = [match] if match else []
        # Candidate recommendations are a digest section: an instant job neither shows
        # nor consumes them.
        candidates: list[PendingRecommendation] = []
    else:
        digest_day = digest_date_for(work.slot, timezone)
        key = DIGEST_PREFIX + digest_day.isoformat()
        # One query of the subscriber's partition: pending matches and candidates
        # (nothing an earlier ledger item consumed) and the papers already sent. Exactly
        # the ones read here are consumed by this digest's ledger item below.
        # The ledger is read only as far back as consumption needs, except for trending:
        # the shared list offers the same paper for days, so its never-twice rule needs
        # the papers sent in the whole ledger. (A match and a candidate of one paper are
        # recorded together and consumed by the same digest, so they need no more.)
        wider = subscriber is not None and subscriber.wants_trending
        state = deliveries.state(work.subscriber_id, since=now - (
            LEDGER_RETENTION if wider else CONSUMPTION_LOOKBACK))
        pending, candidates = state.matches, state.recommendations
        sent = state.sent_paper_ids(since=now - LEDGER_RETENTION)
    consumed = {
        "matches": tuple(m.paper_id for m in pending),
        "recs": tuple(c.paper_id for c in candidates),
    }

    def finish(status: str, **kw: Any) -> dict:
        if status == "failed":  # what the alarm watches (services/failure_reports.py)
            report_failure(config.failure_report_queue_url, "digest-failed", {
                "subscriber_id": work.subscriber_id, "key": key,
                "detail": str(kw.get("detail", ""))[:500]})
        return _record(deliveries, work.subscriber_id, key, status, expires_at,
                       consumed=consumed, **kw)

    if work.receive_count >= MAX_RECEIVES:
        # The last attempt before the dead-letter queue: whatever ends it (a failure, a
        # timeout), a redrive days later must still find what this digest holds.
        deliveries.keep_for_redrive(work.subscriber_id, **consumed)

    if subscriber is None or subscriber.status != "active":
        deliveries.clear_tick(work.subscriber_id)
        return finish("skipped-inactive" if subscriber else "skipped-unknown")

    previous = deliveries.ledger_entry(work.subscriber_id, key)
    if previous is not None and previous.status == "sent":
        logger.info("already delivered", extra={"subscriber_id": work.subscriber_id, "key": key})
        return DigestOutcome(work.subscriber_id, key, "duplicate-suppressed").as_dict()

    digest, trending_note = compose_digest(
        config, subscriber, pending, deliveries, now=now, digest_day=digest_day,
        with_trending=paper_id is None, recommendations=candidates, sent=sent,
    )
    if paper_id is None and (needs_tick(subscriber) or subscriber.notify_empty):
        deliveries.stamp_tick(subscriber.id, next_slot_for(subscriber, parse_slot(work.slot)))
    empty = digest.is_empty
    if empty and not (subscriber.notify_empty and paper_id is None):
        return finish("skipped-empty", detail=trending_note)
    if empty:
        digest = replace(digest, kind="empty-note")

    paper_ids = tuple(e.paper.id for e in digest.ranked())
    # The scrape runs behind this digest: follow one paper from feed to inbox in logs.
    logger.append_keys(correlation_ids=sorted({m.correlation_id for m in pending} - {""}))
    try:
        message_id = _deliver(config, subscriber, key, digest, now)
    except DeliveryError as exc:
        if not exc.permanent:
            if subscriber.webhook_url and work.receive_count >= MAX_RECEIVES:
                _mark_webhook_failing(config, subscriber, str(exc))
            metrics.add_metric(name="DigestsRetried", unit=MetricUnit.Count, value=1)
            raise  # back to the queue; Idempotency releases its record on exceptions
        logger.error("delivery rejected", extra={"subscriber_id": subscriber.id, "error": str(exc)})
        return finish("failed", detail=str(exc), paper_ids=paper_ids)
    status = "sent" if paper_ids else "sent-empty-note"
    # The one write that records the digest and consumes what it read: the matches and
    # the candidates, shown or not (leftover candidates are not carried over: the
    # section is the best of what arrived since the last mail).
    deliveries.record_ledger(
        LedgerEntry(subscriber.id, key, "sent", message_id, paper_ids, **consumed),
        expires_at=expires_at,
    )
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=1)
    # DEBUG: the mail handler's one INFO line per job ("digest job done") carries the
    # outcome - subscriber, key, status, papers, message id - and the correlation ids;
    # log ingestion is billed per byte, and this line said nothing more.
    logger.debug("delivered", extra={"subscriber_id": subscriber.id, "papers": len(paper_ids)})
    return DigestOutcome(subscriber.id, key, status, len(paper_ids), message_id).as_dict()


def compose_digest(
    config: Settings,
    subscriber: Subscriber,
    pending: Sequence[PendingMatch],
    deliveries: DeliveryRepository,
    *,
    now: datetime,
    digest_day: date,
    with_trending: bool = True,
    recommendations: Sequence[PendingRecommendation] | None = None,
    sent: set[str] | None = None,
) -> tuple[Digest, str]:
    """The mail a subscriber gets now: the trending section (from the shared snapshot,
    their top N and filter, nothing already sent), their keyword matches, then
    "Recommended for you" (the best candidates, see :func:`_recommended_entries`); and a
    note for the ledger when trending has nothing. The mailer sends it; the manage
    page's "next mail" preview shows it (``recommendations`` and ``sent``, the papers
    earlier digests sent, None: read them here).

    Each paper once per mail: a paper in trending is not repeated under the queries
    (``Digest.laid_out``), and neither is repeated under recommendations, which are
    chosen after the other two so the section still holds up to N papers. Digest mails
    (not instant ones) give matched and recommended papers "more / less like this"
    links."""
    keyword = _entries(config, pending)
    candidates: Sequence[PendingRecommendation] = ()
    if with_trending and subscriber.wants_recommendations:
        candidates = (
            deliveries.pending_recommendations(subscriber.id)
            if recommendations is None
            else recommendations
        )
    trending: list[DigestEntry] = []
    trending_note = ""
    if not (with_trending and (subscriber.wants_trending or candidates)):
        sent = set()
    elif sent is None:
        sent = deliveries.sent_paper_ids(subscriber.id, since=now - LEDGER_RETENTION)
    # Never twice: whatever an earlier digest sent (any section) stays out.
    keyword = [e for e in keyword if e.paper.id not in sent]
    if with_trending and subscriber.wants_trending:
        trending, trending_note = _trending_entries(config, subscriber, now, sent, keyword)
    taken = sent | {e.paper.id for e in trending} | {e.paper.id for e in keyword}
    recommended = _recommended_entries(config, subscriber, candidates, taken)
    if with_trending:
        trending = [_with_votes(config, subscriber.id, e) if e.queries else e for e in trending]
        keyword = [_with_votes(config, subscriber.id, e) for e in keyword]
        recommended = [_with_votes(config, subscriber.id, e) for e in recommended]
    digest = Digest(
        subscriber=subscriber,
        entries=keyword,
        digest_date=digest_day,
        links=subscriber_links(config, subscriber.id),
        kind="digest",
        sections=(
            section(TRENDING, trending, ordered=True),
            section(QUERIES, keyword),
            section(RECOMMENDED, recommended, ordered=True),
        ),
        period="week" if subscriber.mode == "weekly" else "day",
    )
    return digest, trending_note


def _with_votes(config: Settings, subscriber_id: str, entry: DigestEntry) -> DigestEntry:
    return replace(entry, votes=vote_links(config, subscriber_id, entry.paper.id))


def _recommended_entries(
    config: Settings,
    subscriber: Subscriber,
    candidates: Sequence[PendingRecommendation],
    taken: set[str],
) -> list[DigestEntry]:
    """The top ``RECOMMEND_TOP`` candidates by score, each with its reason and the shared
    terms highlighted in its title and abstract.

    Left out: papers already sent or shown in another section of this mail (``taken``),
    papers the subscriber has voted on (they are in the likes or dislikes now), and
    candidates recommended for their likeness to a paper that is no longer liked (it
    was removed or voted down since the candidate was recorded), so a vote shows in
    the very next digest even for candidates recorded before it. Papers past their
    TTL are skipped and the next candidate takes their place."""
    if not candidates:
        return []
    from paperbell.recommend import highlight_spans
    from paperbell.services.recommending import RECOMMEND_TOP

    liked = {p.id: p.title for p in subscriber.likes}
    voted = set(liked) | {p.id for p in subscriber.dislikes}
    wanted = [
        c for c in sorted(candidates, key=lambda c: (-c.score, c.paper_id))
        if c.paper_id not in taken
        and c.paper_id not in voted
        and (not c.similar_to_id or c.similar_to_id in liked)
    ]
    repo = PaperRepository(config.papers_table)
    entries: list[DigestEntry] = []
    start = 0
    while len(entries) < RECOMMEND_TOP and start < len(wanted):
        # Usually one read of N papers; more only when some of them have expired.
        chunk = wanted[start : start + RECOMMEND_TOP]
        start += len(chunk)
        papers = repo.get_many([c.paper_id for c in chunk])
        for rec in chunk:
            paper = papers.get(rec.paper_id)
            if paper is None or len(entries) >= RECOMMEND_TOP:
                continue
            entries.append(DigestEntry(
                paper=paper,
                queries=(),
                highlights={"title": highlight_spans(paper.title, rec.keys),
                            "abstract": highlight_spans(paper.abstract, rec.keys)},
                # The liked paper's title from the likes (a candidate stores its id only).
                reason=RecommendationReason(
                    rec.score, rec.similar_to_id,
                    liked.get(rec.similar_to_id) or rec.similar_to_title, rec.terms
                ),
            ))
    return entries


def _trending_entries(
    config: Settings,
    subscriber: Subscriber,
    now: datetime,
    sent: set[str],
    keyword: Sequence[DigestEntry],
) -> tuple[list[DigestEntry], str]:
    """The subscriber's trending section from the shared snapshot (no per-paper reads),
    and a note for the ledger when there is none (no signal, nothing in the window)."""
    from paperbell.services.trending import trending_for

    view = trending_for(config, subscriber, now=now, exclude=sent)
    if not view.available:
        return [], view.reason
    matched = {e.paper.id: e for e in merge_entries(keyword)}
    entries = []
    for ranked in view.papers:
        also = matched.get(ranked.paper_id)  # a trending paper that matched a query too
        entries.append(
            DigestEntry(
                paper=ranked.entry.paper,
                queries=also.queries if also else (),
                highlights=also.highlights if also else ranked.highlights,
                rank=ranked.rank,
                comments=ranked.entry.comments,
            )
        )
    return entries, "" if entries else "no trending papers in the window"


def _entries(config: Settings, pending: Sequence[PendingMatch]) -> list[DigestEntry]:
    """Pending matches joined with their papers (one batched read per 100 papers)."""
    papers = PaperRepository(config.papers_table).get_many([m.paper_id for m in pending])
    return [
        DigestEntry(
            paper=papers[m.paper_id],
            queries=m.queries,
            highlights=m.highlights or highlights_for(m.queries, papers[m.paper_id]),
        )
        for m in pending
        if m.paper_id in papers  # a paper past its TTL cannot be shown; its match is dropped
    ]


def highlights_for(queries: Sequence[str], paper: Paper) -> dict[str, list[tuple[int, int]]]:
    """Why the paper matched: the union of its queries' highlights (the matcher stores
    only which queries matched; spans are computed here, for papers a digest shows)."""
    from paperbell.matching import match_queries, parse_query

    parsed = []
    for text in queries:
        try:
            parsed.append(parse_query(text))
        except QueryError:
            continue  # the query was edited since; the paper is still shown
    return match_queries(parsed, paper)[1].as_dict()


def _deliver(
    config: Settings, subscriber: Subscriber, key: str, digest: Digest, now: datetime
) -> str:
    """Send through the subscriber's channel; the channel's message id."""
    if subscriber.webhook_url:
        from paperbell.delivery.webhook_channel import deliver_webhook

        return deliver_webhook(
            url=subscriber.webhook_url,
            secret=subscriber.webhook_secret,
            subscriber_id=subscriber.id,
            key=key,
            entries=digest.ranked(),
            digest_date=digest.digest_date,
            sections=digest.laid_out() if digest.sectioned else None,
        )
    message = build_digest_message(digest, mail_settings(config), now=now)
    return SesSender(config.configuration_set).send(
        message, sender=config.sender_address, recipient=subscriber.email
    )


def _mark_webhook_failing(config: Settings, subscriber: Subscriber, error: str) -> None:
    SubscriberRepository(config.subscribers_table).mark_webhook_failing(subscriber.id, error)
    metrics.add_metric(name="WebhookFailures", unit=MetricUnit.Count, value=1)
    logger.error("webhook failing", extra={"subscriber_id": subscriber.id, "error": error})


def _record(
    deliveries: DeliveryRepository,
    subscriber_id: str,
    key: str,
    status: str,
    expires_at: int,
    *,
    detail: str = "",
    paper_ids: tuple[str, ...] = (),
    consumed: dict[str, tuple[str, ...]] | None = None,
) -> dict:
    deliveries.record_ledger(
        LedgerEntry(subscriber_id, key, status, None, paper_ids, **(consumed or {})),
        expires_at=expires_at,
        detail=detail,
    )
    metric = "DigestsFailed" if status == "failed" else "DigestsSkipped"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return DigestOutcome(subscriber_id, key, status, len(paper_ids)).as_dict()
