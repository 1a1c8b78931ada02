"""Webhook subscribers through the JSON API: create, authenticate, rotate the secret.

A webhook subscriber is created active (no mail to confirm); its manage token, returned
once at creation, is the API key for rotate and delete.
"""

from __future__ import annotations

import secrets as pysecrets
from dataclasses import dataclass

from paperbell.errors import RequestError, bad_token, gone, too_many
from paperbell.models import Subscriber
from paperbell.observability import metrics
from paperbell.services.context import RequestContext
from paperbell.services.likes import Named, named_from_preferences
from paperbell.services.subscriptions import start_schedule, trending_fields
from paperbell.validation import (
    Fields,
    first,
    preferences_from_fields,
    validate_email_address,
    validate_webhook_url,
)


@dataclass(frozen=True)
class WebhookCreated:
    """A new webhook subscriber with the secrets shown to its creator once."""

    subscriber: Subscriber
    secret: str
    manage_token: str
    #: What became of the liked papers it named (services/likes.py), if any.
    papers: Named | None = None


def create_webhook(ctx: RequestContext, fields: Fields, source_ip: str) -> WebhookCreated:
    from paperbell.webhooks.signing import generate_secret

    if not ctx.limiter.allow_ip(source_ip, ctx.now()):
        raise too_many()
    url = validate_webhook_url(first(fields, "url"))
    prefs = preferences_from_fields(fields, default_mode="instant")
    contact = first(fields, "email").strip()
    if contact:
        contact = validate_email_address(contact)
    secret = generate_secret()
    named = named_from_preferences(ctx.papers, prefs) if prefs.likes else None
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
        likes=named.likes if named else (),
        dislikes=named.dislikes if named else (),
        like_notes=named.notes if named else (),
        **trending_fields(prefs),
    )
    ctx.subscribers.put(subscriber)
    start_schedule(subscriber, ctx.deliveries, now=ctx.now())  # trending: due at its hour
    metrics.add_metric(name="WebhooksCreated", unit="Count", value=1)
    # The manage token of a webhook does not expire (API clients keep it, like an API
    # key); it stops working when the link-signing key rotates or the webhook is deleted.
    return WebhookCreated(subscriber, secret, ctx.token("manage", subscriber.id, ttl=None),
                          named)


def webhook_for(ctx: RequestContext, webhook_id: str, authorization: str | None) -> Subscriber:
    """The webhook subscriber ``webhook_id`` if the bearer manage token is its own."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RequestError(401, "unauthorized",
                           "Send the webhook's manage token as 'Authorization: Bearer <token>'.")
    subscriber_id = ctx.verify(token.strip(), "manage")
    if subscriber_id != webhook_id:
        raise bad_token("the token belongs to another subscriber")
    subscriber = ctx.subscribers.get(webhook_id)
    if subscriber is None or not subscriber.webhook_url:
        raise gone()
    return subscriber


def rotate_webhook(ctx: RequestContext, subscriber: Subscriber) -> str:
    from paperbell.webhooks.signing import generate_secret

    secret = generate_secret()
    if ctx.subscribers.set_webhook_secret(subscriber.id, secret) is None:
        raise gone()
    return secret
