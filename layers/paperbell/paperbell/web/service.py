"""What the subscriber endpoints do, independent of HTTP (the CLI reuses it).

Privacy rules kept here:
* subscribing answers the same whether the address is new, pending, subscribed or
  suppressed (no enumeration), and never changes an already confirmed subscription;
* an address gets at most one mail a day from this endpoint, a source IP at most
  ``IP_LIMIT_PER_HOUR`` requests an hour (see :mod:`.ratelimit`);
* unconfirmed subscribers expire (TTL ``expires_at``) after the confirm link does;
* "delete my data" removes the subscriber item and every pending match and ledger item.
"""

from __future__ import annotations

import os
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr

from paperbell import aws
from paperbell.config import Settings, settings
from paperbell.errors import DeliveryError
from paperbell.matching import Highlights, match_query, parse_query
from paperbell.models import Paper, Subscriber
from paperbell.observability import logger, metrics
from paperbell.storage.deliveries import DIGEST_PREFIX, DeliveryRepository
from paperbell.storage.items import paper_from_item
from paperbell.storage.papers import PaperRepository
from paperbell.storage.subscribers import SubscriberRepository
from paperbell.tokens import DEFAULT_TTL, TokenError, make_token, verify_token
from paperbell.web import mails
from paperbell.web.errors import HttpError, bad_request, bad_token, gone, too_many
from paperbell.web.forms import Fields, Preferences, SubscriptionForm, first, validate_preferences
from paperbell.web.ratelimit import RateLimiter

PREVIEW_DAYS = 7
PREVIEW_SCAN_LIMIT = 2000  # papers read at most per preview (a scan: fine for now)
PREVIEW_RESULTS = 50
FEED_DIGESTS = 30
PENDING_TTL = DEFAULT_TTL["confirm"] or 3 * 24 * 3600

SUBSCRIBE_ACCEPTED = (
    "Thanks! If this address can be subscribed, a confirmation link is on its way. "
    "Please check your inbox (and spam folder) and follow the link within 3 days."
)


def local_mode() -> bool:
    """PAPERBELL_LOCAL_MODE=1 (paperbell serve): http and loopback webhook URLs allowed."""
    return os.environ.get("PAPERBELL_LOCAL_MODE", "") == "1"


@dataclass
class Web:
    """Dependencies of one request: settings, the link key, repositories, the clock."""

    config: Settings
    key: bytes = field(repr=False)  # the link-signing key: never in a log line or repr
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def from_env(cls) -> Web:
        from paperbell.secrets import token_key

        return cls(config=settings(), key=token_key())

    @property
    def subscribers(self) -> SubscriberRepository:
        return SubscriberRepository(self.config.subscribers_table)

    @property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.config.deliveries_table)

    @property
    def papers(self) -> PaperRepository:
        return PaperRepository(self.config.papers_table)

    @property
    def limiter(self) -> RateLimiter:
        return RateLimiter(self.config.subscribers_table)

    # -- links -----------------------------------------------------------------------
    def link(self, purpose: str, subscriber_id: str, *, ttl: int | None = -1) -> str:
        token = make_token(self.key, purpose, subscriber_id, ttl=ttl)
        base = self.config.site_url.rstrip("/")
        if purpose == "feed":
            return f"{base}/feed/{token}"
        return f"{base}/{purpose}?token={token}"

    def token(self, purpose: str, subscriber_id: str, *, ttl: int | None = -1) -> str:
        return make_token(self.key, purpose, subscriber_id, ttl=ttl)

    def verify(self, token: str | None, purpose: str) -> str:
        """The subscriber id of a valid ``purpose`` token; HttpError 400/403 otherwise."""
        if not token:
            raise HttpError(400, "missing_token", "This link is incomplete (no token).",
                            field="token")
        try:
            return verify_token(self.key, token, purpose)
        except TokenError as exc:
            metrics.add_metric(name="InvalidTokens", unit="Count", value=1)
            raise bad_token(str(exc)) from None

    def subscriber_for(self, token: str | None, purpose: str) -> Subscriber:
        subscriber = self.subscribers.get(self.verify(token, purpose))
        if subscriber is None:
            raise gone()
        return subscriber


# -- subscribe / confirm -------------------------------------------------------------
def subscribe(web: Web, form: SubscriptionForm, source_ip: str) -> str:
    """Create or refresh a pending subscription and mail the confirm link.

    Returns what happened (for logs and tests only; the caller answers the same in
    every case): mailed | reminded | throttled | suppressed.
    """
    if not web.limiter.allow_ip(source_ip, web.now()):
        metrics.add_metric(name="SubscribeRateLimited", unit="Count", value=1)
        raise too_many()
    from paperbell.services.subscriptions import subscriber_id_for

    subscriber_id = subscriber_id_for(form.email)
    existing = web.subscribers.get(subscriber_id)
    if existing is not None and existing.status == "suppressed":
        return "suppressed"  # bounced or complained: never mail again from here
    already = existing is not None and existing.status in ("active", "paused")
    if not already:
        prefs = form.preferences
        pending = Subscriber(
            id=subscriber_id,
            email=form.email,
            queries=prefs.queries,
            status="pending",
            delivery_hour=prefs.delivery_hour,
            timezone=prefs.timezone,
            mode=prefs.mode,
        )
        expires = int(web.now().timestamp()) + PENDING_TTL
        web.subscribers.put_pending(pending, expires_at=expires)
    if not web.limiter.claim_daily_mail(form.email, web.now()):
        metrics.add_metric(name="ConfirmationMailsThrottled", unit="Count", value=1)
        return "throttled"
    if already:
        message = mails.already_subscribed_mail(
            web.config, form.email, web.link("manage", subscriber_id)
        )
        outcome = "reminded"
    else:
        message = mails.confirmation_mail(
            web.config, form.email, web.link("confirm", subscriber_id), form.preferences.queries
        )
        outcome = "mailed"
    try:
        mails.send(web.config, message, form.email)
    except DeliveryError as exc:
        logger.warning("confirmation mail not sent", extra={"error": str(exc)})
        if not exc.permanent:
            raise HttpError(503, "mail_unavailable",
                            "Mail cannot be sent right now; please try again later.") from exc
    metrics.add_metric(name="ConfirmationMailsSent", unit="Count", value=1)
    return outcome


def confirm(web: Web, token: str | None) -> Subscriber:
    subscriber_id = web.verify(token, "confirm")
    subscriber = web.subscribers.activate(subscriber_id)
    if subscriber is None:
        raise gone()
    metrics.add_metric(name="SubscriptionsConfirmed", unit="Count", value=1)
    return subscriber


# -- manage --------------------------------------------------------------------------
def update_preferences(web: Web, subscriber: Subscriber, fields: Fields) -> Subscriber:
    prefs = validate_preferences(fields, default_mode=subscriber.mode)
    updated = web.subscribers.update_preferences(
        subscriber.id,
        queries=prefs.queries,
        delivery_hour=prefs.delivery_hour,
        timezone=prefs.timezone,
        mode=prefs.mode,
    )
    if updated is None:
        raise gone()
    return updated


def pause(web: Web, subscriber: Subscriber) -> Subscriber:
    updated = web.subscribers.set_status(subscriber.id, "paused", only_from=("active", "paused"))
    if updated is None:
        raise HttpError(409, "not_active", f"Only an active subscription can be paused "
                        f"(this one is {subscriber.status}).")
    return updated


def resume(web: Web, subscriber: Subscriber) -> Subscriber:
    updated = web.subscribers.set_status(
        subscriber.id, "active", only_from=("active", "paused", "unsubscribed")
    )
    if updated is None:
        raise HttpError(409, "cannot_resume",
                        f"This subscription cannot be resumed (it is {subscriber.status}).")
    return updated


def unsubscribe(web: Web, subscriber_id: str) -> Subscriber:
    updated = web.subscribers.set_status(subscriber_id, "unsubscribed")
    if updated is None:
        raise gone()
    metrics.add_metric(name="Unsubscribed", unit="Count", value=1)
    return updated


def delete_all(web: Web, subscriber_id: str) -> int:
    """Delete the subscriber and every pending match / ledger item; items deleted."""
    removed = web.deliveries.delete_subscriber(subscriber_id)
    web.subscribers.delete(subscriber_id)
    metrics.add_metric(name="SubscribersDeleted", unit="Count", value=1)
    return removed + 1


# -- preview -------------------------------------------------------------------------
@dataclass(frozen=True)
class PreviewHit:
    paper: Paper
    queries: tuple[str, ...]
    highlights: Highlights


@dataclass(frozen=True)
class Preview:
    queries: tuple[str, ...]
    days: int
    scanned: int
    hits: list[PreviewHit]
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "queries": list(self.queries),
            "days": self.days,
            "papers_scanned": self.scanned,
            "truncated": self.truncated,
            "count": len(self.hits),
            "papers": [
                {
                    **hit.paper.as_json(),
                    "queries": list(hit.queries),
                    "highlights": {k: [list(s) for s in v] for k, v in hit.highlights.items()},
                }
                for hit in self.hits
            ],
        }


def recent_papers(papers_table: str, since: datetime, limit: int = PREVIEW_SCAN_LIMIT
                  ) -> tuple[list[Paper], bool]:
    """Papers first seen since ``since`` (a filtered scan, capped at ``limit`` items)."""
    table = aws.table(papers_table)
    kwargs: dict[str, Any] = {"FilterExpression": Attr("first_seen").gte(since.isoformat())}
    papers: list[Paper] = []
    read = 0
    while True:
        response = table.scan(**kwargs)
        read += int(response.get("ScannedCount", 0))
        papers.extend(paper_from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return papers, False
        if read >= limit:
            return papers, True
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def preview(papers_table: str, queries: list[str], *, days: int = PREVIEW_DAYS,
            now: datetime | None = None, limit: int = PREVIEW_RESULTS) -> Preview:
    """The recent papers any of ``queries`` matches (QueryError-checked by the caller)."""
    from paperbell.web.forms import validate_queries

    checked = validate_queries(queries)
    parsed = [parse_query(text) for text in checked]
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    papers, truncated = recent_papers(papers_table, since)
    hits: list[PreviewHit] = []
    for paper in papers:
        matched: list[str] = []
        highlights = Highlights()
        for query in parsed:
            found = match_query(query, paper)
            if found is None:
                continue
            matched.append(query.text)
            highlights = highlights.union(found)
        if matched:
            hits.append(PreviewHit(paper, tuple(matched), highlights))
    hits.sort(key=lambda h: (h.paper.upvotes or 0, h.paper.published or since), reverse=True)
    return Preview(tuple(checked), days, len(papers), hits[:limit],
                   truncated or len(hits) > limit)


# -- feed ----------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedItem:
    paper: Paper
    date: str  # digest date, or "" for a match still waiting for the next digest


def feed_items(web: Web, subscriber: Subscriber) -> list[FeedItem]:
    """Pending matches (newest) then papers of recent delivered digests, no repeats."""
    order: list[tuple[str, str]] = []
    for match in web.deliveries.pending_matches(subscriber.id):
        order.append((match.paper_id, ""))
    entries = web.deliveries.recent_ledger(subscriber.id, FEED_DIGESTS)
    for entry in sorted(entries, key=lambda e: e.key, reverse=True):
        date = entry.key.removeprefix(DIGEST_PREFIX) if entry.key.startswith(DIGEST_PREFIX) else ""
        order.extend((pid, date) for pid in entry.paper_ids)
    seen: dict[str, str] = {}
    for pid, date in order:
        seen.setdefault(pid, date)
    papers = web.papers.get_many(list(seen))
    return [FeedItem(papers[pid], date) for pid, date in seen.items() if pid in papers]


# -- webhooks ------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookCreated:
    subscriber: Subscriber
    secret: str
    manage_token: str


def validate_webhook_url(url: str) -> str:
    from paperbell.webhooks.ssrf import UnsafeURLError, check_url

    url = url.strip()
    if not url:
        raise bad_request("A webhook needs a url.", field="url")
    local = local_mode()
    try:
        check_url(url, allow_http=local, allow_loopback=local)
    except UnsafeURLError as exc:
        raise bad_request(f"This webhook URL cannot be used: {exc}", field="url") from None
    return url


def create_webhook(web: Web, fields: Fields, source_ip: str) -> WebhookCreated:
    from paperbell.webhooks.signing import generate_secret

    if not web.limiter.allow_ip(source_ip, web.now()):
        raise too_many()
    url = validate_webhook_url(first(fields, "url"))
    prefs: Preferences = validate_preferences(fields, default_mode="instant")
    contact = first(fields, "email").strip()
    if contact:
        from paperbell.web.forms import validate_email_address

        contact = validate_email_address(contact)
    secret = generate_secret()
    subscriber = Subscriber(
        id="whk_" + pysecrets.token_hex(10),
        email=contact,
        queries=prefs.queries,
        status="active",
        delivery_hour=prefs.delivery_hour,
        timezone=prefs.timezone,
        mode=prefs.mode,
        webhook_url=url,
        webhook_secret=secret,
    )
    web.subscribers.put(subscriber)
    metrics.add_metric(name="WebhooksCreated", unit="Count", value=1)
    # The manage token of a webhook does not expire (API clients keep it, like an API
    # key); it stops working when the link-signing key rotates or the webhook is deleted.
    return WebhookCreated(subscriber, secret, web.token("manage", subscriber.id, ttl=None))


def webhook_for(web: Web, webhook_id: str, authorization: str | None) -> Subscriber:
    """The webhook subscriber ``webhook_id`` if the bearer manage token is its own."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError(401, "unauthorized",
                        "Send the webhook's manage token as 'Authorization: Bearer <token>'.")
    subscriber_id = web.verify(token.strip(), "manage")
    if subscriber_id != webhook_id:
        raise bad_token("the token belongs to another subscriber")
    subscriber = web.subscribers.get(webhook_id)
    if subscriber is None or not subscriber.webhook_url:
        raise gone()
    return subscriber


def rotate_webhook(web: Web, subscriber: Subscriber) -> str:
    from paperbell.webhooks.signing import generate_secret

    secret = generate_secret()
    if web.subscribers.set_webhook_secret(subscriber.id, secret) is None:
        raise gone()
    return secret
