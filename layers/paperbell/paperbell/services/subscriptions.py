"""Subscriber creation and loading with clear errors (CLI, demo, API share these).

Why deterministic ids for loaded subscribers: loading the same subscriber file twice
must update, not duplicate, and the id must not reveal the address in a URL.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from paperbell.errors import ConfigError, QueryError
from paperbell.models import Subscriber
from paperbell.scheduling import next_delivery_slot, zone

# Pragmatic syntax check; deliverability is SES's job (and issue 6's email-validator).
_EMAIL_RE = re.compile(
    r"^[^@\s<>\"',;\ud800-\udfff]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
MODES = ("daily", "instant")


def subscriber_id_for(email: str) -> str:
    return "sub_" + hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:20]


def validate_email(email: str) -> str:
    address = email.strip()
    if not _EMAIL_RE.match(address):
        raise ConfigError(f"invalid e-mail address {email!r}")
    return address.lower()


def validate_queries(queries: list[str]) -> tuple[str, ...]:
    from paperbell.matching import parse_query

    if not queries:
        raise ConfigError("at least one query is required")
    for text in queries:
        try:
            parse_query(text)
        except QueryError as exc:
            raise QueryError(exc.message, exc.position, exc.query) from None
    return tuple(queries)


def new_subscriber(
    email: str,
    queries: list[str],
    *,
    delivery_hour: int = 8,
    timezone: str = "UTC",
    mode: str = "daily",
    status: str = "active",
    notify_empty: bool = False,
) -> Subscriber:
    """A validated Subscriber (raises ConfigError / QueryError with a clear message)."""
    address = validate_email(email)
    try:
        hour = int(delivery_hour)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"delivery hour must be 0-23, got {delivery_hour!r}") from None
    if not 0 <= hour <= 23:
        raise ConfigError(f"delivery hour must be 0-23, got {delivery_hour}")
    zone(timezone)
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return Subscriber(
        id=subscriber_id_for(address),
        email=address,
        queries=validate_queries(list(queries)),
        status=status,
        delivery_hour=hour,
        timezone=timezone,
        mode=mode,
        notify_empty=notify_empty,
    )


def start_schedule(subscriber: Subscriber, deliveries: Any, *, now: datetime) -> None:
    """Put an active subscriber who wants empty-day notes on the planner's index.

    Subscribers with matches are found through their pending matches; only those who
    asked for a note on empty days need this marker (see storage/deliveries.py)."""
    if subscriber.notify_empty and subscriber.status == "active" and not subscriber.webhook_url:
        slot = next_delivery_slot(subscriber.delivery_hour, subscriber.timezone, now)
        deliveries.stamp_tick(subscriber.id, slot)


def load_subscribers_file(path: str | Path) -> list[Subscriber]:
    """A JSON array of {"email", "queries", optional "hour", "timezone", "mode"}."""
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
        if not isinstance(entry, dict) or "email" not in entry or "queries" not in entry:
            raise ConfigError(f'{where} needs "email" and "queries"')
        queries = entry["queries"]
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise ConfigError(f'{where}: "queries" must be a list of strings')
        try:
            subscribers.append(
                new_subscriber(
                    str(entry["email"]),
                    queries,
                    delivery_hour=int(entry.get("hour", entry.get("delivery_hour")) or 8),
                    timezone=str(entry.get("timezone", "UTC")),
                    mode=str(entry.get("mode", "daily")),
                    notify_empty=bool(entry.get("notify_empty", False)),
                )
            )
        except QueryError as exc:
            raise ConfigError(f"{where}: {exc.render()}") from None
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return subscribers
