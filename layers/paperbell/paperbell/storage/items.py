"""Conversions between model objects and DynamoDB items (no I/O).

Why a separate module: the scrape writer, the stream reader (match function) and the
digest reader all see the same item, and must agree on it byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from paperbell.models import Paper, PaperText, Subscriber

_deserializer = TypeDeserializer()


def paper_to_item(paper: Paper, *, first_seen: datetime, expires_at: int) -> dict[str, Any]:
    """The papers-table item for a paper first seen at ``first_seen``."""
    item: dict[str, Any] = {
        "paper_id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "url": paper.url,
        "source": paper.source,
        "sources": {paper.source or "unknown"},
        "categories": list(paper.categories),
        "extra": json.dumps(paper.extra, default=str, sort_keys=True),
        "first_seen": first_seen.isoformat(),
        "expires_at": expires_at,
    }
    if paper.published is not None:
        item["published"] = paper.published.isoformat()
    if paper.upvotes is not None:
        item["upvotes"] = paper.upvotes
    if paper.version is not None:
        item["version"] = paper.version
    return item


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    return int(value) if isinstance(value, Decimal | int | float) else int(str(value))


def paper_from_item(item: Mapping[str, Any]) -> Paper:
    """Rebuild a Paper from a papers-table item (resource API or deserialized stream)."""
    published = item.get("published")
    extra_raw = item.get("extra") or "{}"
    try:
        extra = json.loads(extra_raw) if isinstance(extra_raw, str) else dict(extra_raw)
    except ValueError:
        extra = {}
    return Paper(
        id=str(item["paper_id"]),
        title=str(item.get("title", "")),
        abstract=str(item.get("abstract", "")),
        authors=tuple(str(a) for a in item.get("authors", ()) or ()),
        url=str(item.get("url", "")),
        published=datetime.fromisoformat(published) if published else None,
        source=str(item.get("source", "")),
        categories=tuple(str(c) for c in item.get("categories", ()) or ()),
        upvotes=_int_or_none(item.get("upvotes")),
        version=_int_or_none(item.get("version")),
        extra=extra,
    )


def item_from_stream_image(image: Mapping[str, Any] | None) -> dict[str, Any]:
    """A DynamoDB Streams image (DynamoDB JSON with type tags) as a plain item."""
    return {key: _deserializer.deserialize(value) for key, value in (image or {}).items()}


def paper_from_stream_image(image: Mapping[str, Any]) -> Paper:
    """A Paper from a DynamoDB Streams ``NewImage``."""
    return paper_from_item(item_from_stream_image(image))


def subscriber_to_item(subscriber: Subscriber) -> dict[str, Any]:
    item: dict[str, Any] = {
        "subscriber_id": subscriber.id,
        "email": subscriber.email,
        "queries": list(subscriber.queries),
        "status": subscriber.status,
        "delivery_hour": subscriber.delivery_hour,
        "timezone": subscriber.timezone,
        "mode": subscriber.mode,
    }
    if not subscriber.email:
        # A webhook subscriber may have no address; an empty string may not be an index
        # key (the by-email GSI), so the attribute is left out instead.
        del item["email"]
    if subscriber.webhook_url:
        item["webhook_url"] = subscriber.webhook_url
    if subscriber.webhook_secret:
        item["webhook_secret"] = subscriber.webhook_secret
    if subscriber.notify_empty:
        item["notify_empty"] = True
    if subscriber.feed_epoch:
        item["feed_epoch"] = subscriber.feed_epoch
    if subscriber.trending_top:
        item["trending_top"] = subscriber.trending_top
        if subscriber.trending_filter:
            item["trending_filter"] = subscriber.trending_filter
    if subscriber.mode == "weekly":
        item["weekday"] = subscriber.weekday
    if subscriber.likes:
        item["likes"] = [p.as_json() for p in subscriber.likes]
    if subscriber.dislikes:
        item["dislikes"] = [p.as_json() for p in subscriber.dislikes]
    if subscriber.like_notes:
        item["like_notes"] = list(subscriber.like_notes)
    return item


def _paper_texts(raw: Any) -> tuple[PaperText, ...]:
    return tuple(
        PaperText(str(p.get("id", "")), str(p.get("title", "")), str(p.get("abstract", "")))
        for p in raw or ()
        if isinstance(p, Mapping) and p.get("id")
    )


def subscriber_from_item(item: Mapping[str, Any]) -> Subscriber:
    return Subscriber(
        id=str(item["subscriber_id"]),
        email=str(item.get("email", "")),
        queries=tuple(str(q) for q in item.get("queries", ()) or ()),
        status=str(item.get("status", "active")),
        delivery_hour=int(item.get("delivery_hour", 8)),
        timezone=str(item.get("timezone", "UTC")),
        mode=str(item.get("mode", "daily")),
        webhook_url=str(item.get("webhook_url", "")),
        webhook_secret=str(item.get("webhook_secret", "")),
        notify_empty=bool(item.get("notify_empty", False)),
        feed_epoch=int(item.get("feed_epoch", 0)),
        trending_top=int(item.get("trending_top", 0) or 0),
        trending_filter=str(item.get("trending_filter", "")),
        weekday=int(item.get("weekday", 0) or 0),
        likes=_paper_texts(item.get("likes")),
        dislikes=_paper_texts(item.get("dislikes")),
        like_notes=tuple(str(n) for n in item.get("like_notes", ()) or ()),
    )
