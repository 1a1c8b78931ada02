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
from paperbell.models import WEEKDAY_NAMES, Subscriber
from paperbell.scheduling import next_slot_for, zone

# Pragmatic syntax check; deliverability is SES's job (and issue 6's email-validator).
_EMAIL_RE = re.compile(
    r"^[^@\s<>\"',;\ud800-\udfff]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
#: How often a subscriber hears from us (``mode`` is the field's old name).
FREQUENCIES = ("daily", "weekly", "instant")
MODES = FREQUENCIES
TRENDING_DEFAULT = 10
TRENDING_MAX = 50


def subscriber_id_for(email: str) -> str:
    return "sub_" + hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:20]


def validate_email(email: str) -> str:
    address = email.strip()
    if not _EMAIL_RE.match(address):
        raise ConfigError(f"invalid e-mail address {email!r}")
    return address.lower()


def validate_queries(queries: list[str], *, required: bool = True) -> tuple[str, ...]:
    from paperbell.matching import parse_query

    if not queries and required:
        raise ConfigError("at least one query is required (or choose trending papers)")
    for text in queries:
        try:
            parse_query(text)
        except QueryError as exc:
            raise QueryError(exc.message, exc.position, exc.query) from None
    return tuple(queries)


def validate_trending_top(value: Any) -> int:
    """How many trending papers (1-50); a clear error for anything else."""
    if isinstance(value, bool):
        raise ConfigError(f"trending top must be a number from 1 to {TRENDING_MAX}")
    try:
        top = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(
            f"trending top must be a number from 1 to {TRENDING_MAX}, got {value!r}"
        ) from None
    if not 1 <= top <= TRENDING_MAX:
        raise ConfigError(f"trending top must be from 1 to {TRENDING_MAX}, got {top}")
    return top


def validate_trending_filter(text: Any) -> str:
    """A trending filter is a query in the query language (or empty for none)."""
    from paperbell.matching import parse_query

    if text is None:
        return ""
    if not isinstance(text, str):
        raise ConfigError("trending filter must be a query string")
    text = text.strip()
    if text:
        try:
            parse_query(text)
        except QueryError as exc:
            raise QueryError(f"trending filter: {exc.message}", exc.position, exc.query) from None
    return text


def parse_trending(value: Any) -> tuple[int, str]:
    """``"trending"``'s accepted shapes -> (top, filter); (0, "") means no trending.

    ``10``, ``"10"``, ``true`` (the default 10), or ``{"top": N, "filter": "QUERY"}``
    (both keys optional); ``null``, ``false`` and ``0`` turn trending off."""
    if value is None or value is False or value == 0 or value == "":
        return 0, ""
    if value is True:
        return TRENDING_DEFAULT, ""
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"top", "filter"})
        if unknown:
            raise ConfigError(f"trending: unknown key(s) {', '.join(unknown)} (use top, filter)")
        top = validate_trending_top(value.get("top", TRENDING_DEFAULT))
        return top, validate_trending_filter(value.get("filter"))
    return validate_trending_top(value), ""


def validate_frequency(value: Any) -> str:
    frequency = str(value or "daily").strip().lower()
    if frequency not in FREQUENCIES:
        raise ConfigError(
            f"frequency must be one of {', '.join(FREQUENCIES)}, got {value!r}"
        )
    return frequency


def parse_weekday(value: Any) -> int:
    """0-6 (Monday = 0) or a day name (``monday``, ``Mon``) -> 0-6."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    text = str(value).strip().lower()
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    for number, name in enumerate(WEEKDAY_NAMES):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise ConfigError(f"weekday must be a day name (monday ... sunday), got {value!r}")


def check_choice(queries: tuple[str, ...], trending_top: int, frequency: str) -> None:
    """What a subscriber asks for must make sense together (one rule for every door)."""
    if not queries and not trending_top:
        raise ConfigError("at least one query is required (or choose trending papers)")
    if trending_top and frequency == "instant":
        raise ConfigError(
            "trending papers come daily or weekly; instant is for keyword matches only"
        )


def new_subscriber(
    email: str,
    queries: list[str],
    *,
    delivery_hour: int = 8,
    timezone: str = "UTC",
    mode: str = "daily",
    status: str = "active",
    notify_empty: bool = False,
    trending_top: int = 0,
    trending_filter: str = "",
    weekday: int = 0,
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
    mode = validate_frequency(mode)
    top = validate_trending_top(trending_top) if trending_top else 0
    checked = validate_queries(list(queries), required=not top)
    check_choice(checked, top, mode)
    return Subscriber(
        id=subscriber_id_for(address),
        email=address,
        queries=checked,
        status=status,
        delivery_hour=hour,
        timezone=timezone,
        mode=mode,
        notify_empty=notify_empty,
        trending_top=top,
        trending_filter=validate_trending_filter(trending_filter) if top else "",
        weekday=parse_weekday(weekday),
    )


def needs_tick(subscriber: Subscriber) -> bool:
    """Whether the planner must find this subscriber at their hour without any match:
    trending subscribers (their papers come from the shared trending list, not from
    pending matches) and mail subscribers who asked for a note on empty days."""
    if subscriber.status != "active" or subscriber.mode == "instant":
        return False
    return subscriber.wants_trending or (subscriber.notify_empty and not subscriber.webhook_url)


def start_schedule(subscriber: Subscriber, deliveries: Any, *, now: datetime) -> None:
    """Put (or keep) a subscriber on the planner's sparse index at their next slot.

    Subscribers with matches are found through their pending matches; trending and
    empty-note subscribers need this one ``tick`` item (see storage/deliveries.py), so
    the planner still reads only who is due, never the whole subscriber table."""
    if needs_tick(subscriber):
        deliveries.stamp_tick(subscriber.id, next_slot_for(subscriber, now))
    else:
        deliveries.clear_tick(subscriber.id)


def load_subscribers_file(path: str | Path) -> list[Subscriber]:
    """A JSON array of {"email", "queries" and/or "trending", optional "hour",
    "timezone", "frequency" (or its old name "mode"), "weekday", "notify_empty"}."""
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
            raise ConfigError(f'{where} needs "email" and "queries" or "trending"')
        if "queries" not in entry and not entry.get("trending"):
            raise ConfigError(f'{where} needs "queries" or "trending"')
        queries = entry.get("queries", [])
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise ConfigError(f'{where}: "queries" must be a list of strings')
        try:
            top, trending_filter = parse_trending(entry.get("trending"))
            subscribers.append(
                new_subscriber(
                    str(entry["email"]),
                    queries,
                    delivery_hour=int(entry.get("hour", entry.get("delivery_hour")) or 8),
                    timezone=str(entry.get("timezone", "UTC")),
                    mode=str(entry.get("frequency", entry.get("mode", "daily"))),
                    notify_empty=bool(entry.get("notify_empty", False)),
                    trending_top=top,
                    trending_filter=trending_filter,
                    weekday=parse_weekday(entry.get("weekday")),
                )
            )
        except QueryError as exc:
            raise ConfigError(f"{where}: {exc.render()}") from None
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return subscribers
