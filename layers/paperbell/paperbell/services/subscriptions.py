"""Subscriptions: creating subscribers (CLI, demo, subscribers file) and their lifecycle
through the web (subscribe with double opt-in, confirm, change, pause, unsubscribe,
delete). Input rules live in :mod:`paperbell.validation`, shared by every entry.

Privacy rules kept here:
* subscribing answers the same whether the address is new, pending, subscribed or
  suppressed (no enumeration), and never changes an already confirmed subscription;
* an address gets at most one mail a day from this endpoint, a source IP at most
  ``IP_LIMIT_PER_HOUR`` requests an hour (see :mod:`.rate_limits`);
* unconfirmed subscribers expire (TTL ``expires_at``) after the confirm link does;
* "delete my data" removes the subscriber item and every pending match and ledger item.

Subscriber ids reveal nothing about the address (they are in every token and in the
``X-Paperbell-Digest`` header): a web sign-up gets ``sub_`` + HMAC-SHA256(link key,
address), so a second sign-up of the same address finds the same item without any
read-then-write race, and nobody without the key can test an address offline.
Subscribers created directly (CLI, demo, subscribers file) get random ids. Older
``sub_<sha256(address)>`` ids keep working: sign-up also looks an address up in the
``by-email`` index, so an existing subscriber is found and never duplicated.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from paperbell.delivery import subscription_mail
from paperbell.errors import ConfigError, DeliveryError, RequestError, gone, too_many
from paperbell.models import Subscriber
from paperbell.observability import logger, metrics
from paperbell.scheduling import needs_tick, next_slot_for
from paperbell.services import likes
from paperbell.services.context import RequestContext
from paperbell.services.likes import Named, named_from_preferences
from paperbell.tokens import DEFAULT_TTL
from paperbell.validation import (
    Fields,
    Preferences,
    SubscriptionForm,
    fields_from_json,
    preferences_from_fields,
    subscription_from_fields,
)

PENDING_TTL = DEFAULT_TTL["confirm"] or 3 * 24 * 3600

SUBSCRIBE_ACCEPTED = (
    "Thanks! If this address can be subscribed, a confirmation link is on its way. "
    "Please check your inbox (and spam folder) and follow the link within 3 days."
)


def subscriber_id_for(email: str, key: bytes) -> str:
    """The id a web sign-up of ``email`` gets: keyed, so it reveals nothing."""
    mac = hmac.new(key, b"subscriber-id\0" + email.strip().lower().encode("utf-8"),
                   hashlib.sha256)
    return "sub_" + mac.hexdigest()[:24]


def random_subscriber_id() -> str:
    return "sub_" + secrets.token_hex(12)


# -- creating subscribers directly (operator CLI, demo, subscribers file) -------------
def new_subscriber(
    email: str,
    queries: list[str],
    *,
    delivery_hour: object = 8,
    timezone: str = "UTC",
    mode: str = "daily",
    status: str = "active",
    notify_empty: bool = False,
    trending_top: int = 0,
    trending_filter: str = "",
    weekday: object = "",
    subscriber_id: str | None = None,
    like: list[str] | None = None,
    dislike: list[str] | None = None,
) -> Subscriber:
    """A validated Subscriber (a random id unless given); RequestError (the web's rules
    and messages) otherwise. Liked papers are placeholders until read (services/likes)."""
    data: dict[str, Any] = {"email": email, "queries": list(queries), "hour": delivery_hour,
                            "timezone": timezone, "mode": mode, "weekday": weekday}
    if trending_top:
        data["trending"] = {"top": trending_top, "filter": trending_filter}
    if like:
        data["like"] = list(like)
    if dislike:
        data["dislike"] = list(dislike)
    return subscriber_from_fields(
        fields_from_json(data), status=status, notify_empty=notify_empty,
        subscriber_id=subscriber_id,
    )


def subscriber_from_fields(fields: Fields, *, status: str = "active",
                           notify_empty: bool = False,
                           subscriber_id: str | None = None) -> Subscriber:
    """A Subscriber from form-shaped fields, checked by :mod:`paperbell.validation`.

    No I/O: liked papers are kept as placeholders (ids) and what could not be used of
    them as notes; the papers table or the IndexFunction fills them in (services/likes)."""
    form = subscription_from_fields(fields)
    prefs = form.preferences
    return Subscriber(
        id=subscriber_id or random_subscriber_id(),
        email=form.email,
        queries=prefs.queries,
        status=status,
        delivery_hour=prefs.delivery_hour,
        timezone=prefs.timezone,
        mode=prefs.mode,
        notify_empty=notify_empty,
        likes=likes.placeholders(prefs.likes or ()),
        dislikes=likes.placeholders(prefs.dislikes or ()),
        like_notes=prefs.notes,
        **trending_fields(prefs),
    )


def trending_fields(prefs: Preferences) -> dict[str, Any]:
    """The Subscriber fields of trending and weekly delivery, from validated preferences."""
    return {
        "trending_top": prefs.trending_top,
        "trending_filter": prefs.trending_filter,
        "weekday": prefs.weekday,
    }


def start_schedule(subscriber: Subscriber, deliveries: Any, *, now: datetime) -> None:
    """Put (or keep) a subscriber on the planner's sparse index at their next slot.

    Subscribers with matches are found through their pending matches; trending and
    empty-note subscribers need this one ``tick`` item (see storage/deliveries.py), so
    the planner still reads only who is due, never the whole subscriber table. Anyone
    else (paused, instant, keyword-only) has no tick."""
    if needs_tick(subscriber):
        deliveries.stamp_tick(subscriber.id, next_slot_for(subscriber, now))
    else:
        deliveries.clear_tick(subscriber.id)


def load_subscribers_file(path: str | Path) -> list[Subscriber]:
    """A JSON array of {"email", "queries" and/or "trending" (N or {"top", "filter"})
    and/or "like" (arXiv ids, paper links, DOIs or a BibTeX export; with "dislike"),
    optional "hour", "timezone", "frequency" (or "mode"), "weekday", "notify_empty"}:
    each entry checked with the web's rules, errors name the entry. Liked papers are
    placeholders here (no I/O): the IndexFunction reads them from the papers table
    (the bundled feeds, in the demo) or arXiv when the subscriber reaches the stream."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read subscribers file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"subscribers file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ConfigError(f"subscribers file {path} must hold a JSON array of objects")
    subscribers = []
    for number, entry in enumerate(data, start=1):
        where = f"{path}: subscriber #{number}"
        if not isinstance(entry, dict) or "email" not in entry:
            raise ConfigError(f'{where} needs "email" and "queries", "trending" or "like"')
        if "queries" not in entry and not entry.get("trending") and not entry.get("like"):
            raise ConfigError(f'{where} needs "queries", "trending" or "like"')
        notify_empty = entry.get("notify_empty", False)
        try:
            fields = fields_from_json({k: v for k, v in entry.items() if k != "notify_empty"})
            subscribers.append(subscriber_from_fields(fields, notify_empty=bool(notify_empty)))
        except RequestError as exc:
            raise ConfigError(f"{where}: {exc.message}") from None
    return subscribers


# -- subscribe / confirm (web) -------------------------------------------------------
def existing_subscriber(ctx: RequestContext, email: str) -> Subscriber | None:
    """The mail subscriber of ``email``: under its keyed id, else (older ids, operator-made
    subscribers) through the by-email index."""
    found = ctx.subscribers.get(subscriber_id_for(email, ctx.key))
    return found or ctx.subscribers.find_by_email(email, mail_only=True)


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did. ``outcome`` is for logs and tests only (the answer is the same
    in every case): mailed | mailed-first-request | reminded | throttled | suppressed |
    raced. ``papers`` says what became of the liked papers it named (what could not be
    used, how many are still to be fetched): it depends only on the input, never on
    whether the address is known, so the answer may show it."""

    outcome: str
    papers: Named | None = None


def subscribe(ctx: RequestContext, form: SubscriptionForm, source_ip: str) -> SignUp:
    """Create a pending subscription and mail the confirm link.

    A pending sign-up is never replaced by a later one: the later request's queries are
    not saved, and its confirmation mail (if the day's allowance is left) lists the
    queries confirming will activate and says that another request was ignored.
    Liked papers are read from the papers table now; the others are fetched from arXiv
    once the subscription is confirmed (services/likes.py).
    """
    if not ctx.limiter.allow_ip(source_ip, ctx.now()):
        metrics.add_metric(name="SubscribeRateLimited", unit="Count", value=1)
        raise too_many()
    prefs = form.preferences
    named = named_from_preferences(ctx.papers, prefs) if prefs.likes else None
    return SignUp(_sign_up(ctx, form, named), named)


def _asks_differently(kept: Subscriber, prefs: Preferences, named: Named | None) -> bool:
    """Whether a later sign-up for a pending address asked for other papers (queries,
    trending or likes) than the one kept, so that its confirmation mail says so."""
    likes = tuple(p.id for p in named.likes) if named else ()
    return (tuple(prefs.queries), prefs.trending_top, prefs.trending_filter, likes) != (
        tuple(kept.queries), kept.trending_top, kept.trending_filter,
        tuple(p.id for p in kept.likes))


def _sign_up(ctx: RequestContext, form: SubscriptionForm, named: Named | None) -> str:
    existing = existing_subscriber(ctx, form.email)
    if existing is not None and existing.status == "suppressed":
        return "suppressed"  # bounced or complained: never mailed again from here
    subscriber_id = existing.id if existing else subscriber_id_for(form.email, ctx.key)
    already = existing is not None and existing.status in ("active", "paused")
    kept = existing if existing is not None and existing.status == "pending" else None
    if not already and kept is None:
        prefs = form.preferences
        pending = Subscriber(
            id=subscriber_id,
            email=form.email,
            queries=prefs.queries,
            status="pending",
            delivery_hour=prefs.delivery_hour,
            timezone=prefs.timezone,
            mode=prefs.mode,
            likes=named.likes if named else (),
            dislikes=named.dislikes if named else (),
            like_notes=named.notes if named else (),
            **trending_fields(prefs),
        )
        expires = int(ctx.now().timestamp()) + PENDING_TTL
        if not ctx.subscribers.put_pending(pending, expires_at=expires):
            return "raced"  # another sign-up or a suppression got there first
    if not ctx.limiter.claim_daily_mail(form.email, ctx.now()):
        metrics.add_metric(name="ConfirmationMailsThrottled", unit="Count", value=1)
        return "throttled"
    if already:
        message = subscription_mail.already_subscribed_mail(
            ctx.config, form.email, ctx.link("manage", subscriber_id)
        )
        outcome = "reminded"
    else:
        asked = kept if kept is not None else pending
        ignored = kept is not None and _asks_differently(kept, form.preferences, named)
        message = subscription_mail.confirmation_mail(
            ctx.config, form.email, ctx.link("confirm", subscriber_id), asked,
            later_request_ignored=ignored,
        )
        outcome = "mailed-first-request" if kept is not None else "mailed"
    try:
        subscription_mail.send(ctx.config, message, form.email)
    except DeliveryError as exc:
        logger.warning("confirmation mail not sent", extra={"error": str(exc)})
        if not exc.permanent:
            ctx.limiter.release_daily_mail(form.email, ctx.now())  # not the asker's fault
            raise RequestError(503, "mail_unavailable",
                               "Mail cannot be sent right now; please try again later.") from exc
    metrics.add_metric(name="ConfirmationMailsSent", unit="Count", value=1)
    return outcome


def pending_for_confirmation(ctx: RequestContext, token: str | None) -> Subscriber:
    """The subscriber a confirm link names, changing nothing (``GET /confirm``: link
    scanners open links; only the page's POST confirms)."""
    return ctx.subscriber_for(token, "confirm")


def confirm(ctx: RequestContext, token: str | None) -> Subscriber:
    subscriber_id = ctx.verify(token, "confirm")
    subscriber = ctx.subscribers.activate(subscriber_id)
    if subscriber is None:
        raise gone()
    start_schedule(subscriber, ctx.deliveries, now=ctx.now())
    metrics.add_metric(name="SubscriptionsConfirmed", unit="Count", value=1)
    return subscriber


# -- manage --------------------------------------------------------------------------
def update_preferences(ctx: RequestContext, subscriber: Subscriber, fields: Fields
                       ) -> Subscriber:
    prefs = preferences_from_fields(kept_choices(subscriber, fields),
                                    default_mode=subscriber.mode,
                                    has_likes=bool(subscriber.likes))
    if prefs.likes is not None or prefs.dislikes is not None:
        subscriber, _ = likes.replace_papers(ctx, subscriber, prefs)
    updated = ctx.subscribers.update_preferences(
        subscriber.id,
        queries=prefs.queries,
        delivery_hour=prefs.delivery_hour,
        timezone=prefs.timezone,
        mode=prefs.mode,
        **trending_fields(prefs),
    )
    if updated is None:
        raise gone()
    start_schedule(updated, ctx.deliveries, now=ctx.now())  # new hour, day or kind
    return updated


def kept_choices(subscriber: Subscriber, fields: Fields) -> Fields:
    """A save that does not mention trending (an older API client) keeps the current
    trending choice and weekly day instead of silently dropping them."""
    kept = dict(fields)
    if subscriber.wants_trending and not any(
        name in fields for name in ("kind", "trending", "trending_top")
    ):
        kept["trending"] = [str(subscriber.trending_top)]
        kept.setdefault("trending_filter", [subscriber.trending_filter])
    kept.setdefault("weekday", [str(subscriber.weekday)])
    return kept


def pause(ctx: RequestContext, subscriber: Subscriber) -> Subscriber:
    updated = ctx.subscribers.set_status(subscriber.id, "paused", only_from=("active", "paused"))
    if updated is None:
        raise RequestError(409, "not_active", f"Only an active subscription can be paused "
                           f"(this one is {subscriber.status}).")
    start_schedule(updated, ctx.deliveries, now=ctx.now())  # paused: off the planner
    return updated


def resume(ctx: RequestContext, subscriber: Subscriber) -> Subscriber:
    updated = ctx.subscribers.set_status(
        subscriber.id, "active", only_from=("active", "paused", "unsubscribed")
    )
    if updated is None:
        raise RequestError(409, "cannot_resume",
                           f"This subscription cannot be resumed (it is {subscriber.status}).")
    start_schedule(updated, ctx.deliveries, now=ctx.now())
    return updated


def replace_feed_link(ctx: RequestContext, subscriber: Subscriber) -> Subscriber:
    """A new feed epoch: feed links handed out before stop working."""
    updated = ctx.subscribers.replace_feed_link(subscriber.id)
    if updated is None:
        raise gone()
    return updated


def unsubscribe(ctx: RequestContext, subscriber_id: str) -> Subscriber:
    """Stop all mail. A suppressed subscriber stays suppressed (it gets no mail either,
    and "unsubscribed" could be resumed, suppressed cannot)."""
    updated = ctx.subscribers.set_status(subscriber_id, "unsubscribed")
    if updated is None:
        current = ctx.subscribers.get(subscriber_id)
        if current is None:
            raise gone()
        return current  # suppressed: already receives nothing
    metrics.add_metric(name="Unsubscribed", unit="Count", value=1)
    return updated


def delete_all(ctx: RequestContext, subscriber_id: str) -> int:
    """Delete the subscriber and every pending match / ledger item; items deleted.
    A suppressed address keeps its suppression record (see SubscriberRepository.delete)."""
    removed = ctx.deliveries.delete_subscriber(subscriber_id)
    ctx.subscribers.delete(subscriber_id)
    metrics.add_metric(name="SubscribersDeleted", unit="Count", value=1)
    return removed + 1
